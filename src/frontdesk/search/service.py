"""Search as callers use it: parse, filter by permission, rank, group, highlight.

Permissions are part of the query, not a pass over results: a customer's search only ever
reads public articles and their own tickets' public messages; an agent's only the tickets
their role and teams allow (domain.access), contacts and all published articles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from frontdesk.domain.access import ticket_filter
from frontdesk.domain.actors import Actor
from frontdesk.language import enabled_languages
from frontdesk.models import (
    Contact,
    ContactIdentity,
    KbTranslation,
    KbVersion,
    Message,
    SearchDocument,
    Ticket,
    TicketTag,
)
from frontdesk.search.backends import Candidate, backend_for
from frontdesk.search.highlight import snippet
from frontdesk.search.query import Query, parse

TYPES = ("ticket", "contact", "article")
KINDS_OF_TYPE = {"ticket": ("ticket", "message"), "contact": ("contact",), "article": ("article",)}


@dataclass(frozen=True)
class Hit:
    type: str  # ticket, contact, article
    id: int  # the ticket, contact or article
    title: str
    snippet: str  # HTML, matches in <mark>
    language: str | None
    score: float
    message_id: int | None = None
    translation_id: int | None = None
    slug: str | None = None
    status: str | None = None


def search(
    session: Session,
    actor: Actor | None,
    text: str,
    *,
    types: Iterable[str] = TYPES,
    language: str | None = None,
    limit: int = 20,
    languages: Sequence[str] | None = None,
) -> list[Hit]:
    """The best `limit` hits for `text` that `actor` (None: an anonymous reader) may see."""
    query = parse(text, languages or enabled_languages())
    if query.is_empty:
        return []
    wanted = set(query.filters.get("type", [])) or set(types)
    kinds = [k for t in TYPES if t in wanted and t in types for k in KINDS_OF_TYPE[t]]
    where = [SearchDocument.kind.in_(kinds), _allowed(actor)]
    langs = [*query.filters.get("lang", []), *([language] if language else [])]
    if langs:
        where.append(SearchDocument.language.in_([x.casefold() for x in langs]))
    where += _filters(session, query, actor)
    backend = backend_for(session)
    found = _ranked(backend.candidates(session, query, where, _join_tickets))
    if not found and len(query.terms) > 1:
        # No document has every word (a customer typed a sentence): those with some of
        # them, best first. Only then: an any-word pass over common words costs the most.
        some = replace(query, match_any=True)
        found = _ranked(backend.candidates(session, some, where, _join_tickets))
    excluded: set[tuple[str, int]] = set()
    if query.excluded:
        # -word excludes a ticket if any of its messages has the word, not just the one hit.
        unwanted = Query(terms=query.excluded, match_any=True)
        excluded = _owners(backend.candidates(session, unwanted, where, _join_tickets))
    return _hits(session, query, found, limit, excluded)


def _owners(found: list[Candidate]) -> set[tuple[str, int]]:
    return {_owner(_Doc(*row)) for row, _ in found}


@dataclass(frozen=True)
class _Doc:
    """A matching document as the candidates read it (backends.DOCUMENT)."""

    id: int
    kind: str
    ref_id: int
    ticket_id: int | None
    article_id: int | None
    language: str | None


def _ranked(found: list[Candidate]) -> list[Candidate]:
    return sorted(found, key=lambda pair: (-pair[1], -pair[0][0]))


def _join_tickets(statement: Select[Any]) -> Select[Any]:
    return statement.outerjoin(Ticket, Ticket.id == SearchDocument.ticket_id)


def _allowed(actor: Actor | None) -> ColumnElement[bool]:
    public_article = and_(SearchDocument.kind == "article", SearchDocument.is_internal.is_(False))
    if actor is None:
        return public_article
    on_ticket = SearchDocument.kind.in_(("ticket", "message"))
    if actor.type == "contact":
        own = and_(on_ticket, Ticket.contact_id == actor.id, SearchDocument.is_internal.is_(False))
        return or_(own, public_article)
    if actor.type == "system" or actor.is_admin:
        return true()
    if actor.type == "agent":
        return or_(
            and_(on_ticket, ticket_filter(actor)),
            SearchDocument.kind.in_(("contact", "article")),
        )
    return false()


def _filters(session: Session, query: Query, actor: Actor | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    filters = query.filters
    if "status" in filters:
        statuses = [s.casefold() for s in filters["status"]]
        if "unsolved" in statuses:
            statuses += ["new", "open", "pending", "on_hold"]
        where.append(Ticket.status.in_(statuses))
    if "channel" in filters:
        where.append(SearchDocument.channel.in_([c.casefold() for c in filters["channel"]]))
    if "tag" in filters:
        tagged = select(TicketTag.ticket_id).where(
            TicketTag.tag.in_([t.casefold() for t in filters["tag"]])
        )
        where.append(SearchDocument.ticket_id.in_(tagged))
    if "from" in filters:
        parts = [_like(value) for value in filters["from"]]
        senders = select(ContactIdentity.contact_id).where(
            or_(*(ContactIdentity.address.ilike(p, escape="\\") for p in parts))
        )
        named = select(Contact.id).where(or_(*(Contact.name.ilike(p, escape="\\") for p in parts)))
        where.append(
            or_(SearchDocument.contact_id.in_(senders), SearchDocument.contact_id.in_(named))
        )
    for name, column in (("assignee", Ticket.assignee_id), ("team", Ticket.team_id)):
        for value in filters.get(name, []):
            if value == "none":
                where.append(column.is_(None))
            elif value == "me" and actor is not None and name == "assignee":
                where.append(column == actor.id)
            elif value.isdigit():
                where.append(column == int(value))
            else:
                where.append(false())
    return where


def _like(value: str) -> str:
    escaped = value.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _hits(
    session: Session,
    query: Query,
    found: list[Candidate],
    limit: int,
    excluded: set[tuple[str, int]],
) -> list[Hit]:
    """One hit per ticket, contact or article (the best of its documents), in order."""
    chosen: list[tuple[_Doc, float]] = []
    seen: set[tuple[str, int]] = set()
    for row, score in found:
        doc = _Doc(*row)
        key = _owner(doc)
        if key in seen or key in excluded:
            continue
        seen.add(key)
        chosen.append((doc, score))
        if len(chosen) == limit:
            break
    words, prefixes = query.highlight_words(), query.highlight_prefixes()
    texts = _texts(session, [doc for doc, _ in chosen])
    return [_hit(doc, score, texts, words, prefixes) for doc, score in chosen]


def _owner(doc: _Doc) -> tuple[str, int]:
    if doc.kind in ("ticket", "message"):
        return ("ticket", doc.ticket_id or 0)
    if doc.kind == "article":
        return ("article", doc.article_id or 0)
    return ("contact", doc.ref_id)


def _texts(session: Session, docs: list[_Doc]) -> dict[tuple[str, int], tuple[Any, ...]]:
    """What the hits show, read in one query per kind; a kind no hit is of costs none."""

    def ids(*kinds: str) -> list[int]:
        return [d.ref_id for d in docs if d.kind in kinds]

    out: dict[tuple[str, int], tuple[Any, ...]] = {}
    # Plain rows through the connection: the ORM's result handling would cost more here.
    connection = session.connection()
    if tickets := [d.ticket_id for d in docs if d.ticket_id is not None]:
        for row in connection.execute(
            select(Ticket.id, Ticket.subject, Ticket.status).where(Ticket.id.in_(tickets))
        ):
            out[("ticket", row[0])] = tuple(row)
    if messages := ids("message"):
        for message in connection.execute(
            select(Message.id, Message.text).where(Message.id.in_(messages))
        ):
            out[("message", message[0])] = tuple(message)
    if articles := ids("article"):
        for article in connection.execute(
            select(
                KbTranslation.id,
                KbTranslation.article_id,
                KbTranslation.language,
                KbTranslation.slug,
                KbVersion.title,
                KbVersion.body,
            )
            .join(KbVersion, KbVersion.id == KbTranslation.published_version_id)
            .where(KbTranslation.id.in_(articles))
        ):
            out[("article", article[0])] = tuple(article)
    if contacts := ids("contact"):
        for contact in session.scalars(select(Contact).where(Contact.id.in_(contacts))):
            addresses = ", ".join(i.address for i in contact.identities)
            out[("contact", contact.id)] = (contact.id, contact.name, addresses, contact.language)
    return out


def _hit(
    doc: _Doc,
    score: float,
    texts: dict[tuple[str, int], tuple[Any, ...]],
    words: set[str],
    prefixes: list[str],
) -> Hit:
    if doc.kind in ("ticket", "message"):
        _, subject, status = texts[("ticket", doc.ticket_id or 0)]
        body = texts[("message", doc.ref_id)][1] if doc.kind == "message" else ""
        return Hit(
            type="ticket",
            id=doc.ticket_id or 0,
            title=subject,
            snippet=snippet(body or subject, doc.language, words, prefixes),
            language=doc.language,
            score=score,
            message_id=doc.ref_id if doc.kind == "message" else None,
            status=status,
        )
    if doc.kind == "article":
        _, article_id, language, slug, title, body = texts[("article", doc.ref_id)]
        return Hit(
            type="article",
            id=article_id,
            title=title,
            snippet=snippet(body or title, language, words, prefixes),
            language=language,
            score=score,
            translation_id=doc.ref_id,
            slug=slug,
        )
    contact_id, name, addresses, language = texts[("contact", doc.ref_id)]
    return Hit(
        type="contact",
        id=contact_id,
        title=name or addresses,
        snippet=snippet(addresses or name, None, words, prefixes),
        language=language,
        score=score,
    )
