"""Images and documents on knowledge base articles.

The bytes go to the attachment store under their SHA-256; a row ties them to an article.
The type is read from the bytes, never taken from the browser: a file that claims to be
an image but is a page of HTML would otherwise be served as one. SVG is refused for the
same reason (it can carry script).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import DomainError, Invalid, NotFound
from frontdesk.domain.filenames import safe_filename
from frontdesk.domain.tx import Tx
from frontdesk.models import KbArticle, KbFile, KbTranslation

MAX_FILE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
# The public address of a file; the renderer keeps images only when they point here.
URL_PREFIX = "/help/files/"


class FileTooLarge(DomainError):
    status = 413
    title = "File too large"


class UnsupportedFile(DomainError):
    status = 415
    title = "Unsupported file type"


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, among those articles accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "<" in text[:1024] and any(tag in text.lower() for tag in ("<html", "<svg", "<script")):
        return None  # markup served from our origin could run script
    if any(ord(c) < 9 or 13 < ord(c) < 32 for c in text[:4096]):
        return None
    return "text/plain; charset=utf-8"


def upload(tx: Tx, actor: Actor, article_id: int, filename: str, data: bytes) -> KbFile:
    actor.require_agent("admin", "agent")
    if tx.session.get(KbArticle, article_id) is None:
        raise NotFound(f"article {article_id} not found")
    if not data:
        raise Invalid("file", "is empty")
    if len(data) > MAX_FILE_BYTES:
        raise FileTooLarge(f"a file may be at most {MAX_FILE_BYTES // (1024 * 1024)} MB")
    content_type = sniff(data)
    if content_type is None:
        raise UnsupportedFile("accepted: PNG, JPEG, GIF, WebP images, PDF and plain text")
    name = safe_filename(filename) or "file"
    digest = tx.storage.put(data)
    row = KbFile(
        article_id=article_id,
        filename=name[:255],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by_agent_id=actor.id if actor.is_agent else None,
        created_at=tx.now(),
    )
    tx.session.add(row)
    tx.session.flush()
    tx.audit(actor, "kb.file.uploaded", "kb_file", row, {"article_id": [None, article_id]})
    return row


def url_of(row: KbFile) -> str:
    return f"{URL_PREFIX}{row.id}/{row.filename}"


def markdown_of(row: KbFile) -> str:
    """What the editor inserts: an image for a picture, a link for anything else."""
    label = row.filename.replace("[", "(").replace("]", ")")
    target = "<" + url_of(row).replace(">", "%3E") + ">"
    if row.content_type in IMAGE_TYPES:
        return f"![{label}]({target})"
    return f"[{label}]({target})"


def files_of(session: Session, article_id: int) -> list[KbFile]:
    return list(
        session.scalars(select(KbFile).where(KbFile.article_id == article_id).order_by(KbFile.id))
    )


@dataclass(frozen=True)
class Served:
    file: KbFile
    public: bool


def find_servable(session: Session, file_id: int, reader_is_agent: bool) -> Served:
    """A file may be fetched by anyone while its article is public and published in some
    language; otherwise only by agents. Anyone else gets "not found"."""
    row = session.get(KbFile, file_id)
    if row is None:
        raise NotFound("no such file")
    article = session.get_one(KbArticle, row.article_id)
    published = session.scalar(
        select(KbTranslation.id)
        .where(KbTranslation.article_id == article.id, KbTranslation.status == "published")
        .limit(1)
    )
    public = article.visibility == "public" and published is not None
    if not public and not reader_is_agent:
        raise NotFound("no such file")
    return Served(row, public)
