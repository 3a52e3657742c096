"""Turn a raw email (RFC 5322 bytes) into a ``ParsedEmail`` — whatever the bytes are.

``parse_email`` never raises: what it cannot read it notes in ``ParsedEmail.errors`` and
carries on with the rest. It uses the standard library's ``email`` package with the fast
``compat32`` policy for the MIME tree and decodes headers itself (``mime.py``), which is
several times faster than ``email.policy.default`` and more forgiving of broken mail.

Which parts are the body and which are attachments follows the algorithm of RFC 8621
(JMAP) section 4.1.4, as mail clients do:

- ``text`` is the text view: the plain-text parts (converted from HTML when a message or an
  alternative only has HTML), joined by a blank line; line breaks are ``\\n``.
- ``html`` is the HTML view, sanitised (``mime.sanitize_html``), or ``None`` when the message
  has no HTML. Remote images are blocked: their URL is in ``data-remote-src``, not ``src``.
  ``cid:`` sources stay, for the UI to map to ``attachments`` by ``content_id``.
- ``attachments`` are all other leaf parts, in message order, including images shown inline
  (``inline=True`` when the HTML refers to the part by ``cid:``), attached messages (named
  after their subject, ``.eml``) and the files inside a ``winmail.dat``.

``headers`` is the parsed ``email.message.Message`` (compat32) of the whole message, for
modules that look at raw headers (auto-replies, bounces, mailing lists). Its values are raw
(RFC 2047 words still encoded, 8-bit bytes as surrogate escapes): use
``ParsedEmail.header(name)`` / ``header_all(name)`` for decoded text.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.errors import MessageDefect, MissingHeaderBodySeparatorDefect
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from frontdesk.channels.email.mime import (
    ENCODED_WORD,
    NOT_BASE64,
    clean_control,
    decode_text,
    decode_words,
    default_filename,
    header_text,
    html_to_text,
    parse_params,
    raw_header_str,
    safe_filename,
    sanitize_html,
    text_to_html,
    transfer_decode,
    unpack_tnef,
)


@dataclass(frozen=True)
class Address:
    """One mailbox: the display name (decoded) and the address as written, trimmed. A bare
    word that is not an address (``From: Whomever``) is a name with an empty address."""

    name: str
    address: str


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str  # safe to store and offer (see mime.safe_filename); never empty
    content_type: str  # lowercase type/subtype
    size: int  # of the decoded data
    sha256: str  # hex digest of the decoded data
    inline: bool  # shown inside the HTML body (referenced there by cid:)
    content_id: str | None  # without <>
    data: bytes = field(repr=False)  # exactly as sent, transfer encoding undone
    charset: str | None = None  # the declared charset of a text part, to show it with


@dataclass
class ParsedEmail:
    from_: Address | None = None
    sender: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    subject: str = ""
    message_id: str | None = None  # without <>
    in_reply_to: list[str] = field(default_factory=list)  # ids without <>
    references: list[str] = field(default_factory=list)  # ids without <>, oldest first
    date: datetime | None = None  # timezone-aware (UTC when the header gave no zone)
    text: str = ""
    html: str | None = None  # sanitised
    attachments: list[ParsedAttachment] = field(default_factory=list)
    headers: Message = field(default_factory=Message, repr=False)
    errors: list[str] = field(default_factory=list)
    raw_size: int = 0

    def header(self, name: str) -> str | None:
        """The first ``name`` header, decoded; None if the message has none."""
        values = self.header_all(name)
        return values[0] if values else None

    def header_all(self, name: str) -> list[str]:
        """Every ``name`` header, decoded, in message order."""
        wanted = name.lower()
        try:
            return [header_text(v) for k, v in self.headers.raw_items() if k.lower() == wanted]
        except Exception:
            return []


def parse_email(raw: bytes) -> ParsedEmail:
    """Read a raw message. Never raises; see the module docstring for what is where."""
    if isinstance(raw, str):  # tolerated although typed bytes
        raw = raw.encode("utf-8", "surrogateescape")
    result = ParsedEmail(raw_size=len(raw))
    try:
        message = email.message_from_bytes(raw, _class=_Message)
        if any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in message.defects):
            repaired = _drop_garbage_header_lines(raw)
            if repaired is not None:
                message = email.message_from_bytes(repaired, _class=_Message)
                result.errors.append("headers: lines that are not header fields were skipped")
        if _has_defect(message, MissingHeaderBodySeparatorDefect):
            rejoined = _rejoin_parameter_lines(raw)
            if rejoined is not None:
                message = email.message_from_bytes(rejoined, _class=_Message)
                result.errors.append("headers: unindented parameter lines were read as such")
    except Exception as exc:  # the stdlib parser is lenient: only nesting beyond reason
        result.errors.append(
            f"MIME structure could not be read ({exc.__class__.__name__}); body kept whole"
        )
        try:  # keep the headers, and the body as one part
            message = BytesParser(_class=_Message).parsebytes(raw, headersonly=True)
        except Exception as exc2:
            result.errors.append(f"message could not be parsed: {exc2.__class__.__name__}")
            return result
    result.headers = message
    try:
        _read_headers(message, result)
    except Exception as exc:
        result.errors.append(f"headers: {exc.__class__.__name__}: {exc}")
    try:
        _read_body(message, result)
    except RecursionError:
        result.errors.append("body: MIME structure nested too deeply")
    except Exception as exc:
        result.errors.append(f"body: {exc.__class__.__name__}: {exc}")
    return result


class _Message(Message):
    """compat32 ``Message`` that finds a multipart boundary where mailers hide it: folded
    inside its quotes, or after a forgotten semicolon (``multipart/mixed boundary=x``)."""

    def get_boundary(self, failobj: Any = None) -> Any:
        for name, value in self.raw_items():
            if name.lower() == "content-type":
                _, params = parse_params(raw_header_str(value))
                boundary = params.get("boundary", "").rstrip()
                return boundary or failobj
        return failobj


_HEADER_LINE = re.compile(rb"(From |[!-9;-~]+:)")
_WELL_KNOWN = re.compile(
    rb"(from|to|cc|subject|date|message-id|mime-version|content-type|received|return-path):",
    re.IGNORECASE,
)


def _drop_garbage_header_lines(raw: bytes) -> bytes | None:
    """The message without the lines among its header fields that are not header fields (a
    mangled first line makes the stdlib parser take every header for body). Lines after the
    last header field are body that lacked its blank line, and stay. None when there is
    nothing to repair or the block does not look like headers."""
    end = re.search(rb"\r?\n\r?\n", raw)
    block = raw[: end.start()] if end else raw
    rest = raw[end.start() :] if end else b""
    lines = block.split(b"\n")
    last = max((i for i, line in enumerate(lines) if _HEADER_LINE.match(line)), default=-1)
    while 0 <= last < len(lines) - 1 and lines[last + 1][:1] in (b" ", b"\t"):
        last += 1
    kept: list[bytes] = []
    dropped = known = 0
    keeping = False
    for line in lines[: last + 1]:
        if line[:1] in (b" ", b"\t"):
            if keeping:
                kept.append(line)
            continue
        keeping = bool(_HEADER_LINE.match(line))
        if keeping:
            kept.append(line)
            known += bool(_WELL_KNOWN.match(line))
        else:
            dropped += 1
    if not dropped or known < 2 or len(kept) < dropped:
        return None
    body = lines[last + 1 :]
    return b"\n".join(kept) + (b"\n\n" + b"\n".join(body) if body else b"") + rest


def _has_defect(message: Message, kind: type[Exception]) -> bool:
    return any(isinstance(d, kind) for part in message.walk() for d in part.defects)


_UNINDENTED_PARAMETER = re.compile(
    rb"(^Content-[A-Za-z-]+:[^\r\n]*;[ \t]*\r?\n)([A-Za-z0-9*_.-]+[ \t]*=)",
    re.MULTILINE | re.IGNORECASE,
)


def _rejoin_parameter_lines(raw: bytes) -> bytes | None:
    """``Content-Type: multipart/alternative;`` followed by ``boundary="x"`` on an unindented
    line (a header the stdlib parser takes for the start of the body): indent it."""
    if not _UNINDENTED_PARAMETER.search(raw):
        return None
    return _UNINDENTED_PARAMETER.sub(rb"\1 \2", raw)


# --------------------------------------------------------------------------- headers

_MESSAGE_ID = re.compile(r"<([^<>]*)>")


def _read_headers(message: Message, result: ParsedEmail) -> None:
    raw: dict[str, list[str]] = {}
    eight_bit = False
    for name, value in message.raw_items():
        if not isinstance(value, str):
            value = str(value)
        raw.setdefault(name.strip().lower(), []).append(value)
        if not eight_bit and not value.isascii():
            eight_bit = True
    hint = _charset_hint(message) if eight_bit else None
    errors = result.errors

    def first(name: str) -> str | None:
        values = raw.get(name)
        return values[0] if values else None

    def addresses(name: str, *, only_first: bool = False) -> list[Address]:
        values = raw.get(name, [])
        found: list[Address] = []
        for value in values[:1] if only_first else values:
            found.extend(parse_addresses(value, hint, errors))
        return found

    subject = first("subject")
    if subject is not None:
        result.subject = header_text(subject, hint, errors)
    senders = addresses("from", only_first=True)
    result.from_ = senders[0] if senders else None
    sender = addresses("sender", only_first=True)
    result.sender = sender[0] if sender else None
    result.to = addresses("to")
    result.cc = addresses("cc")
    result.reply_to = addresses("reply-to")
    message_id = first("message-id")
    if message_id is not None:
        ids = _message_ids(message_id)
        result.message_id = ids[0] if ids else None
    in_reply_to = first("in-reply-to")
    if in_reply_to is not None:
        result.in_reply_to = _message_ids(in_reply_to)
    references = first("references")
    if references is not None:
        result.references = _message_ids(references)
    date = first("date")
    if date is not None:
        result.date = _parse_date(raw_header_str(date))
        if result.date is None and date.strip():
            errors.append(f"date: cannot read {date.strip()[:80]!r}")


def _charset_hint(message: Message) -> str | None:
    """A charset the message declares somewhere, to read undeclared 8-bit headers with."""
    for part in message.walk():
        charset = part.get_param("charset")
        if isinstance(charset, str) and charset:
            return charset
    return None


def _message_ids(value: str) -> list[str]:
    text = raw_header_str(value)
    ids = [m.strip() for m in _MESSAGE_ID.findall(text) if m.strip()]
    if not ids:
        ids = [word.strip("<>") for word in text.split() if word.strip("<>")]
    return [clean_control(i) for i in ids]


_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_LOOSE_DATE = re.compile(
    r"(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2,4})[\s,]+(\d{1,2})[:.](\d{2})"
    r"(?:[:.](\d{2}))?(?:\s*([+-]\d{4}))?",
    re.IGNORECASE,
)


def _parse_date(value: str) -> datetime | None:
    """An RFC 5322 date; failing that, the first "day month year hour:minute" in it (with
    seconds and zone when readable, else 0 and UTC), as broken mailers write it."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return _parse_loose_date(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _parse_loose_date(value: str) -> datetime | None:
    match = _LOOSE_DATE.search(value)
    if not match:
        return None
    day, month_name, year, hour, minute, second, zone = match.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    full_year = int(year)
    if len(year) <= 2:
        full_year += 2000 if full_year < 50 else 1900
    try:
        tz = UTC
        if zone:
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
            tz = timezone(-offset if zone[0] == "-" else offset)
        return datetime(
            full_year, month, int(day), int(hour), int(minute), int(second or 0), tzinfo=tz
        )
    except ValueError:  # 31 February, 25 o'clock, a zone of +9900 …
        return None


def parse_addresses(
    value: str, hint: str | None = None, errors: list[str] | None = None
) -> list[Address]:
    """Every mailbox in an address header (groups flattened), names decoded."""
    text = raw_header_str(value, hint)
    words: list[str] = []
    if "=?" in text:
        # Keep encoded words whole while the address parser splits at commas and quotes:
        # mailers put unencoded specials (",", "<") inside them.
        def protect(match: re.Match[str]) -> str:
            words.append(match.group(0))
            return f"\ue000{len(words) - 1}\ue001"

        text = ENCODED_WORD.sub(protect, text)

    def restore(part: str) -> str:
        if "\ue000" not in part:
            return part
        return re.sub(r"\ue000(\d+)\ue001", lambda m: words[int(m.group(1))], part)

    found: list[Address] = []
    for name, address in getaddresses([text]):
        name = " ".join(decode_words(restore(name), hint, errors).split())
        address = restore(address).strip().strip("<>").strip()
        if not address and not name:
            continue
        if not name and "@" not in address:
            name, address = decode_words(address, hint, errors), ""
        found.append(Address(name=clean_control(name), address=clean_control(address)))
    return found


# --------------------------------------------------------------------------- body


_CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+\Z")


class _Part:
    """One MIME part with the headers the body rules need, read once."""

    __slots__ = (
        "_data",
        "content_id",
        "content_type",
        "disposition",
        "encoding",
        "filename",
        "message",
        "params",
        "transfer_note",
    )

    def __init__(self, message: Message) -> None:
        self.message = message
        content_type = disposition = content_id = encoding = None
        for name, value in message.raw_items():
            lowered = name.lower()
            if lowered == "content-type" and content_type is None:
                content_type = value
            elif lowered == "content-disposition" and disposition is None:
                disposition = value
            elif lowered == "content-id" and content_id is None:
                content_id = value
            elif lowered == "content-transfer-encoding" and encoding is None:
                encoding = value
        self.encoding = raw_header_str(encoding).strip().lower() if encoding else ""
        self._data: bytes | None = None
        self.transfer_note: str | None = None
        ctype, params = parse_params(raw_header_str(content_type)) if content_type else ("", {})
        if not _CONTENT_TYPE.match(ctype):
            ctype = message.get_default_type()
        self.content_type = ctype
        self.params = params
        disp, disp_params = parse_params(raw_header_str(disposition)) if disposition else ("", {})
        self.disposition = disp
        filename = disp_params.get("filename") or params.get("name")
        self.filename = filename.strip() if filename else None
        cid = raw_header_str(content_id).strip().strip("<>").strip() if content_id else ""
        self.content_id = clean_control(cid) or None

    @property
    def data(self) -> bytes:
        """The body with its transfer encoding undone (read once)."""
        if self._data is None:
            # The stored payload, not get_payload(): for 8-bit bodies compat32's
            # get_payload() decodes with the declared charset, replacing what does not fit,
            # and get_payload(decode=True) misses encodings written with trailing blanks.
            payload = getattr(self.message, "_payload", None)
            if isinstance(payload, str | bytes):
                self._data, self.transfer_note = transfer_decode(payload, self.encoding)
            else:
                self._data = b""
        return self._data

    @property
    def undecodable(self) -> bool:
        """Declared base64 but is not: shown as an attachment, never as body text."""
        if self.encoding != "base64":
            return False
        _ = self.data
        return self.transfer_note == NOT_BASE64

    @property
    def is_media(self) -> bool:
        return self.content_type.startswith(("image/", "audio/", "video/"))

    @property
    def children(self) -> list[_Part] | None:
        """Sub-parts of a multipart, or None for a leaf (also a multipart whose parts
        cannot be found, which the parser keeps as one block of text)."""
        if not self.content_type.startswith("multipart/"):
            return None
        payload = self.message.get_payload()
        if isinstance(payload, str):
            try:
                payload = _split_with_guessed_boundary(self.content_type, payload)
            except Exception:  # a guess that fails leaves the part as it was
                payload = None
            if payload is None:
                return None
            self.message.defects.append(_GuessedBoundary())
        if not isinstance(payload, list):
            return None
        return [_Part(p) for p in payload if isinstance(p, Message)]


class _GuessedBoundary(MessageDefect):
    """Multipart boundary not declared or not used; parts split at the first "--" line"""


_DELIMITER_LINE = re.compile(r"^--([^\s\x00-\x1f][^\r\n]{0,69}?)[ \t]*\r?$", re.MULTILINE)


def _split_with_guessed_boundary(content_type: str, body: str) -> list[Message] | None:
    """The parts of a multipart whose declared boundary never occurs (mailers that reuse
    headers from another message), split at the delimiter line the body does use."""
    match = _DELIMITER_LINE.search(body)
    if not match:
        return None
    boundary = match.group(1)
    if boundary.endswith("--") and len(boundary) > 2:
        boundary = boundary[:-2]
    if '"' in boundary or "\\" in boundary:
        return None
    head = f'Content-Type: {content_type}; boundary="{boundary}"\n\n'
    data = head.encode("utf-8", "surrogateescape") + body.encode("utf-8", "surrogateescape")
    message = email.message_from_bytes(data, _class=_Message)
    payload = message.get_payload()
    if not isinstance(payload, list) or not payload:
        return None
    return [p for p in payload if isinstance(p, Message)]


_MAX_DEPTH = 64
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_MESSAGE_TYPES = {"message/rfc822", "message/global", "message/news"}


class _Structure:
    """The RFC 8621 §4.1.4 split of a MIME tree into text view, HTML view and attachments."""

    def __init__(self, root: Message) -> None:
        self.text: list[_Part] = []
        self.html: list[_Part] = []
        self.attachments: list[_Part] = []
        self.defects: list[str] = []
        self._walk([_Part(root)], "mixed", False, self.text, self.html, 0)

    def _walk(
        self,
        parts: list[_Part],
        multipart_type: str,
        in_alternative: bool,
        text: list[_Part] | None,
        html: list[_Part] | None,
        depth: int,
    ) -> None:
        if depth > _MAX_DEPTH:
            self.defects.append("MIME structure nested too deeply; inner parts skipped")
            return
        text_before = len(text) if text is not None else -1
        html_before = len(html) if html is not None else -1
        for index, part in enumerate(parts):
            children = part.children
            self.defects.extend(
                (type(d).__doc__ or type(d).__name__).strip().rstrip(".")
                for d in part.message.defects
            )
            if children is not None:
                subtype = part.content_type.partition("/")[2]
                alternative = in_alternative or subtype == "alternative"
                self._walk(children, subtype, alternative, text, html, depth + 1)
                continue
            if part.content_type.startswith("multipart/"):
                # No parts to be found: what the sender wrote there is all there is.
                part.content_type = "text/plain"
            is_text = part.content_type in ("text/plain", "text/html")
            shown = (
                part.disposition != "attachment"
                and (is_text or part.is_media)
                and not part.undecodable
                and (
                    index == 0
                    or (multipart_type != "related" and (part.is_media or not part.filename))
                )
            )
            if not shown:
                self.attachments.append(part)
                continue
            if multipart_type == "alternative":
                if part.content_type == "text/plain" and text is not None:
                    text.append(part)
                elif part.content_type == "text/html" and html is not None:
                    html.append(part)
                elif not is_text:
                    self.attachments.append(part)
                continue
            if in_alternative:
                if part.content_type == "text/plain":
                    html = None
                elif part.content_type == "text/html":
                    text = None
            if text is not None:
                text.append(part)
            if html is not None:
                html.append(part)
            if part.is_media:
                self.attachments.append(part)
        if multipart_type == "alternative" and text is not None and html is not None:
            if len(text) == text_before and len(html) != html_before:
                text.extend(html[html_before:])
            if len(html) == html_before and len(text) != text_before:
                html.extend(text[text_before:])


def _payload(part: _Part, errors: list[str]) -> bytes:
    data = part.data
    if part.transfer_note:
        errors.append(f"{part.content_type} part: {part.transfer_note}")
        part.transfer_note = None  # noted once
    return data


_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def _part_text(part: _Part, errors: list[str], cache: dict[int, str]) -> str:
    key = id(part.message)
    if key not in cache:
        data = _payload(part, errors)
        charset = part.params.get("charset")
        if not charset and part.content_type == "text/html":
            declared = _META_CHARSET.search(data[:4096])
            charset = declared.group(1).decode("ascii") if declared else None
        text, note = decode_text(data, charset)
        if note:
            errors.append(f"{part.content_type} part: {note}")
        cache[key] = text.replace("\x00", "")
    return cache[key]


def _normalise_newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _read_body(message: Message, result: ParsedEmail) -> None:
    structure = _Structure(message)
    errors = result.errors
    for defect in dict.fromkeys(structure.defects):
        errors.append(f"MIME: {defect}")
    decoded: dict[int, str] = {}

    texts: list[str] = []
    for part in structure.text:
        if part.content_type == "text/plain":
            texts.append(_part_text(part, errors, decoded))
        elif part.content_type == "text/html":
            texts.append(html_to_text(_part_text(part, errors, decoded)))
    texts = [_normalise_newlines(t) for t in texts]
    if len(texts) == 1:
        result.text = texts[0]
    elif texts:
        result.text = "\n\n".join(t.strip("\n") for t in texts if t.strip()) + "\n"

    if not result.text.strip():
        # Empty text parts beside an HTML body (broken alternatives): read the HTML instead.
        htmls = [p for p in structure.html if p.content_type == "text/html"]
        if htmls:
            result.text = _normalise_newlines(
                "\n".join(html_to_text(_part_text(p, errors, decoded)) for p in htmls)
            )

    raw_html = ""
    if any(p.content_type == "text/html" for p in structure.html):
        pieces: list[str] = []
        for part in structure.html:
            if part.content_type == "text/html":
                pieces.append(_part_text(part, errors, decoded))
            elif part.content_type == "text/plain":
                pieces.append(text_to_html(_part_text(part, errors, decoded)))
        raw_html = "\n".join(pieces)
        try:
            result.html = sanitize_html(raw_html)
        except Exception as exc:
            errors.append(f"html: could not be sanitised ({exc.__class__.__name__}); dropped")
    referenced = raw_html.lower() if "cid:" in raw_html.lower() else ""

    seen: set[int] = set()
    for part in structure.attachments:
        if id(part.message) in seen:
            continue
        seen.add(id(part.message))
        try:
            result.attachments.extend(_attachments(part, referenced, errors))
        except Exception as exc:
            errors.append(f"attachment {part.filename or part.content_type}: {exc}")


def _attachment(
    filename: str | None,
    content_type: str,
    data: bytes,
    content_id: str | None,
    referenced: str,
    charset: str | None = None,
) -> ParsedAttachment:
    name = safe_filename(filename) or default_filename(content_type)
    inline = bool(content_id) and f"cid:{content_id}".lower() in referenced
    return ParsedAttachment(
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        inline=inline,
        content_id=content_id,
        data=data,
        charset=charset,
    )


def _attachments(part: _Part, referenced: str, errors: list[str]) -> list[ParsedAttachment]:
    ctype = part.content_type
    payload = part.message.get_payload()
    if ctype.startswith("message/") and isinstance(payload, list):
        return [_attached_message(part, payload, referenced, errors)]
    data = _payload(part, errors)
    is_tnef = ctype in _TNEF_TYPES or (part.filename or "").lower() == "winmail.dat"
    if is_tnef and data:
        try:
            files = unpack_tnef(data)
        except Exception as exc:
            errors.append(f"winmail.dat: not unpacked ({exc}); kept as it is")
        else:
            if files:
                return [
                    _attachment(
                        f.filename,
                        f.content_type or "application/octet-stream",
                        f.data,
                        f.content_id,
                        referenced,
                    )
                    for f in files
                ]
    charset = part.params.get("charset") if ctype.startswith("text/") else None
    return [_attachment(part.filename, ctype, data, part.content_id, referenced, charset)]


def _attached_message(
    part: _Part, payload: list[Message | str], referenced: str, errors: list[str]
) -> ParsedAttachment:
    inner = [m for m in payload if isinstance(m, Message)]
    data = b"\n".join(_serialise(sub) for sub in inner)
    filename = part.filename
    if not filename and part.content_type in _MESSAGE_TYPES and inner:
        subjects = [v for k, v in inner[0].raw_items() if k.lower() == "subject"]
        subject_text = header_text(subjects[0]) if subjects else ""
        filename = safe_filename(subject_text.replace("/", "_").replace("\\", "_"))
        filename = f"{filename}.eml" if filename else "message.eml"
    return _attachment(filename, part.content_type, data, part.content_id, referenced)


def _serialise(message: Message) -> bytes:
    """A parsed message as bytes again: headers as they were written (folding kept), then
    the body. The stdlib generator refolds headers and fails on some broken ones."""
    out = bytearray()
    for name, value in message.raw_items():
        out += f"{name}: {value}\n".encode("utf-8", "surrogateescape")
    payload = getattr(message, "_payload", None)
    if payload == "":
        return bytes(out)  # headers only: there was no separator line either
    if not any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in message.defects):
        out += b"\n"
    if isinstance(payload, list):
        boundary = message.get_boundary() if message.get_content_maintype() == "multipart" else None
        subs = [s for s in payload if isinstance(s, Message)]
        if boundary:
            marker = f"--{boundary}".encode("utf-8", "surrogateescape")
            if message.preamble:
                out += message.preamble.encode("utf-8", "surrogateescape") + b"\n"
            for sub in subs:
                out += marker + b"\n" + _serialise(sub) + b"\n"
            out += marker + b"--\n"
            if message.epilogue:
                out += message.epilogue.encode("utf-8", "surrogateescape")
        else:  # an attached message, or the header blocks of a delivery report
            out += b"\n".join(_serialise(sub) for sub in subs)
    elif isinstance(payload, str):
        out += payload.encode("utf-8", "surrogateescape")
    elif isinstance(payload, bytes):
        out += payload
    return bytes(out)
