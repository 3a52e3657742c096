"""The indexer: brings the search index up to date with what changed, in batches.

Nothing in the inbound pipeline waits for it. Each source keeps a watermark in
search_state: messages by id (they never change), tickets, contacts and article
translations by updated_at. A run reads a batch past the watermark (looking a little way
back, for transactions that committed out of order), analyses it outside any write
transaction, then writes documents, terms and the new watermark in one short one.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from frontdesk.language import detect
from frontdesk.models import (
    STATUSES,
    Contact,
    KbArticle,
    KbTranslation,
    KbVersion,
    Message,
    SearchDocument,
    SearchState,
    Ticket,
)
from frontdesk.runtime import Frontdesk
from frontdesk.search.analysis import analyse
from frontdesk.search.backends import Terms, backend_for

log = logging.getLogger(__name__)

BATCH = 200
# Messages committed out of id order (PostgreSQL, concurrent writers) are caught by looking
# this many ids behind the watermark; rows changed out of time order, this far back.
ID_LOOKBACK = 1000
TIME_LOOKBACK = timedelta(seconds=30)
MAX_TEXT = 100_000  # characters of one document that are indexed
ANALYZE_AFTER = 10_000  # documents written in one run


@dataclass(frozen=True)
class Source:
    kind: str
    ref_id: int
    title: str
    body: str
    language: str | None
    ticket_id: int | None = None
    article_id: int | None = None
    contact_id: int | None = None
    channel: str | None = None
    is_internal: bool = False
    version: datetime | None = None

    @property
    def digest(self) -> str:
        content = "\x00".join(
            [self.title, self.body, self.language or "", str(self.is_internal), self.channel or ""]
        )
        return hashlib.blake2b(content.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Batch:
    """What one source found: documents to write, documents to drop, the new watermark."""

    name: str
    sources: list[Source]
    gone: list[tuple[str, int]]
    position: int | None = None
    since: datetime | None = None


def index_pending(fd: Frontdesk, *, batch: int = BATCH, max_batches: int | None = None) -> int:
    """Index everything changed since the last run; returns how many documents were written."""
    written = 0
    for reader in READERS:
        rounds = 0
        while max_batches is None or rounds < max_batches:
            rounds += 1
            found = _read(fd, reader, batch)
            written += _write(fd, found)
            if len(found.sources) + len(found.gone) < batch:
                break
    if written >= ANALYZE_AFTER and not fd.settings.is_sqlite:
        # After a bulk load, what autovacuum would do later: the planner needs term
        # statistics (search reads its common lexemes from them too), the BRIN index on
        # ids needs the new page ranges summarised (or `id > n` matches all of them), and
        # pages not yet marked all-visible made a rare word's query twice as slow.
        # VACUUM reads only the pages written since the last one, and cannot run inside
        # a transaction.
        autocommit = fd.engine.execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as connection:
            connection.execute(text("VACUUM (ANALYZE) search_documents"))
    return written


Reader = Callable[[Session, SearchState, int], Batch]


def _read(fd: Frontdesk, reader: Reader, batch: int) -> Batch:
    with fd.read() as session:
        name = READER_NAMES[reader]
        state = session.get(SearchState, name) or SearchState(name=name, position=0)
        return reader(session, state, batch)


def read_messages(session: Session, state: SearchState, batch: int) -> Batch:
    indexed = select(SearchDocument.id).where(
        SearchDocument.kind == "message", SearchDocument.ref_id == Message.id
    )
    # Columns, not Message objects: the indexer runs beside every burst of writes, and
    # building objects (with their attachments) cost more than the query.
    rows = session.execute(
        select(
            Message.id,
            Message.text,
            Message.ticket_id,
            Message.author_contact_id,
            Message.channel,
            Message.is_internal,
            Ticket.language.label("ticket_language"),
            Ticket.contact_id.label("ticket_contact"),
        )
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Message.id > state.position - ID_LOOKBACK, ~indexed.exists())
        .order_by(Message.id)
        .limit(batch)
    ).all()
    sources = [
        Source(
            kind="message",
            ref_id=m.id,
            title="",
            body=m.text[:MAX_TEXT],
            # The ticket's language, set when the customer wrote; else detected here.
            language=m.ticket_language or detect(m.text),
            ticket_id=m.ticket_id,
            contact_id=m.author_contact_id or m.ticket_contact,
            channel=m.channel,
            is_internal=m.is_internal,
        )
        for m in rows
    ]
    top = max([state.position, *(s.ref_id for s in sources)])
    return Batch("messages", sources, [], position=top)


def _changed(model: Any, state: SearchState, kind: str) -> list[Any]:
    """Rows changed since the watermark and not indexed at their current version."""
    document = SearchDocument.__table__.alias("doc")
    unchanged = (
        select(document.c.id)
        .where(
            document.c.kind == kind,
            document.c.ref_id == model.id,
            document.c.source_version == model.updated_at,
        )
        .exists()
    )
    clauses: list[Any] = [~unchanged]
    if state.since is not None:
        clauses.append(model.updated_at >= state.since - TIME_LOOKBACK)
    return clauses


def read_tickets(session: Session, state: SearchState, batch: int) -> Batch:
    tickets = session.execute(
        select(Ticket.id, Ticket.subject, Ticket.language, Ticket.contact_id, Ticket.updated_at)
        # Naming every status lets both databases walk ix_tickets_status_updated.
        .where(Ticket.status.in_(STATUSES), *_changed(Ticket, state, "ticket"))
        .order_by(Ticket.updated_at, Ticket.id)
        .limit(batch)
    ).all()
    sources = [
        Source(
            kind="ticket",
            ref_id=t.id,
            title=t.subject,
            body="",
            language=t.language or detect(t.subject),
            ticket_id=t.id,
            contact_id=t.contact_id,
            version=t.updated_at,
        )
        for t in tickets
    ]
    return Batch("tickets", sources, [], since=_latest(state, sources))


def read_contacts(session: Session, state: SearchState, batch: int) -> Batch:
    contacts = session.scalars(
        select(Contact)
        .where(*_changed(Contact, state, "contact"))
        .order_by(Contact.updated_at, Contact.id)
        .limit(batch)
    ).all()
    sources, gone = [], []
    for c in contacts:
        if c.merged_into_id is not None:
            gone.append(("contact", c.id))
            continue
        addresses = " ".join(i.address for i in c.identities)
        sources.append(
            Source(
                kind="contact",
                ref_id=c.id,
                title=c.name,
                body=f"{addresses}\n{c.notes}"[:MAX_TEXT],
                language=c.language,
                contact_id=c.id,
                version=c.updated_at,
            )
        )
    return Batch("contacts", sources, gone, since=_latest(state, sources, contacts))


def read_articles(session: Session, state: SearchState, batch: int) -> Batch:
    rows = session.execute(
        select(KbTranslation, KbArticle.visibility, KbVersion)
        .join(KbArticle, KbArticle.id == KbTranslation.article_id)
        .outerjoin(KbVersion, KbVersion.id == KbTranslation.published_version_id)
        .where(*_changed(KbTranslation, state, "article"))
        .order_by(KbTranslation.updated_at, KbTranslation.id)
        .limit(batch)
    ).all()
    sources, gone = [], []
    for translation, visibility, version in rows:
        if translation.status != "published" or version is None:
            gone.append(("article", translation.id))
            continue
        sources.append(
            Source(
                kind="article",
                ref_id=translation.id,
                title=version.title,
                body=version.body[:MAX_TEXT],
                language=translation.language,
                article_id=translation.article_id,
                is_internal=visibility != "public",
                version=translation.updated_at,
            )
        )
    translations = [t for t, _, _ in rows]
    return Batch("articles", sources, gone, since=_latest(state, sources, translations))


def _latest(state: SearchState, sources: Sequence[Source], rows: Sequence[Any] = ()) -> Any:
    times = [s.version for s in sources if s.version] + [r.updated_at for r in rows]
    return max([t for t in (state.since, *times) if t is not None], default=None)


READERS: list[Reader] = [read_messages, read_tickets, read_contacts, read_articles]
READER_NAMES: dict[Reader, str] = {
    read_messages: "messages",
    read_tickets: "tickets",
    read_contacts: "contacts",
    read_articles: "articles",
}


def _write(fd: Frontdesk, found: Batch) -> int:
    if not found.sources and not found.gone:
        return 0  # nothing new: an idle desk costs the indexer reads only, never a write
    analysed = {
        (s.kind, s.ref_id): (analyse(s.title, s.language), analyse(s.body, s.language))
        for s in found.sources
    }
    now = fd.clock.now()
    with fd.write_session() as session:
        backend = backend_for(session)
        state = session.get(SearchState, found.name)
        if state is None:
            state = SearchState(name=found.name, position=0, updated_at=now)
            session.add(state)
        if found.position is not None:
            state.position = max(state.position, found.position)
        if found.since is not None and (state.since is None or found.since > state.since):
            state.since = found.since
        state.updated_at = now
        keys = [(s.kind, s.ref_id) for s in found.sources] + found.gone
        existing = _existing(session, keys)
        dropped = [existing[k][0] for k in found.gone if k in existing]
        if dropped:
            backend.delete(session, dropped)
            session.execute(delete(SearchDocument).where(SearchDocument.id.in_(dropped)))
        fresh, same, changed = [], [], []
        for source in found.sources:
            known = existing.get((source.kind, source.ref_id))
            if known is None:
                fresh.append(source)
            elif known[1] == source.digest:
                same.append(source)
            else:
                changed.append(source)
        ids = backend.insert(
            session,
            [_columns(s, now) for s in fresh],
            [analysed[(s.kind, s.ref_id)] for s in fresh],
        )
        for source in changed:
            session.execute(
                update(SearchDocument)
                .where(SearchDocument.id == existing[(source.kind, source.ref_id)][0])
                .values(**_columns(source, now))
            )
        if same:
            _touch(session, existing, same)
        backend.write(
            session,
            [
                Terms(existing[(s.kind, s.ref_id)][0], *analysed[(s.kind, s.ref_id)])
                for s in changed
            ],
        )
    return len(ids) + len(changed)


def _existing(
    session: Session, keys: list[tuple[str, int]]
) -> dict[tuple[str, int], tuple[int, str]]:
    """The documents already there for these sources: (kind, ref) → (id, digest). One
    `kind = ? AND ref_id IN (…)` per kind walks the unique index; a row-value IN would not."""
    by_kind: dict[str, list[int]] = {}
    for kind, ref in keys:
        by_kind.setdefault(kind, []).append(ref)
    found: dict[tuple[str, int], tuple[int, str]] = {}
    for kind, refs in by_kind.items():
        rows = session.execute(
            select(SearchDocument.ref_id, SearchDocument.id, SearchDocument.digest).where(
                SearchDocument.kind == kind, SearchDocument.ref_id.in_(refs)
            )
        )
        found.update({(kind, ref): (doc_id, digest) for ref, doc_id, digest in rows})
    return found


def _columns(source: Source, now: datetime) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "ref_id": source.ref_id,
        "ticket_id": source.ticket_id,
        "article_id": source.article_id,
        "contact_id": source.contact_id,
        "language": source.language,
        "channel": source.channel,
        "is_internal": source.is_internal,
        "source_version": source.version,
        "digest": source.digest,
        "indexed_at": now,
    }


def _touch(
    session: Session, existing: dict[tuple[str, int], tuple[int, str]], sources: list[Source]
) -> None:
    """The source changed but its text did not (a ticket got a new message): only remember
    the new version, so the next run does not look at it again."""
    for source in sources:
        session.execute(
            update(SearchDocument)
            .where(SearchDocument.id == existing[(source.kind, source.ref_id)][0])
            .values(source_version=source.version, ticket_id=source.ticket_id)
        )


def reindex(fd: Frontdesk, progress: Callable[[int], None] | None = None) -> int:
    """Drop the index and build it again from every message, ticket, contact and article."""
    with fd.write_session() as session:
        backend_for(session).clear(session)
        session.execute(delete(SearchDocument))
        session.execute(delete(SearchState))
    total = 0
    while True:
        written = index_pending(fd, batch=500, max_batches=1)
        if not written and _caught_up(fd):
            return total
        total += written
        if progress is not None:
            progress(written)


def _caught_up(fd: Frontdesk) -> bool:
    with fd.read() as session:
        for reader in READERS:
            state = session.get(SearchState, READER_NAMES[reader]) or SearchState(
                name=READER_NAMES[reader], position=0
            )
            found = reader(session, state, 1)
            if found.sources or found.gone:
                return False
    return True


def unindexed_counts(fd: Frontdesk) -> dict[str, int]:
    """How much each source has to go: the total a progress bar counts towards."""
    with fd.read() as session:
        messages = session.scalar(text("SELECT count(*) FROM messages")) or 0
        tickets = session.scalar(text("SELECT count(*) FROM tickets")) or 0
        contacts = session.scalar(text("SELECT count(*) FROM contacts")) or 0
        articles = session.scalar(text("SELECT count(*) FROM kb_translations")) or 0
    return {"messages": messages, "tickets": tickets, "contacts": contacts, "articles": articles}
