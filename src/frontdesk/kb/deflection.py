"""Deflection: how often a suggested article answered a customer before they wrote to us.

A *visit* is one filling-in of the portal's request form, keyed by a random value kept in
the visitor's signed session and renewed after each submitted request. Three events are
recorded per visit: articles suggested ("shown", once per article), a suggestion followed
("opened", once per article) and the request sent ("submitted"). A visit is *deflected*
when the customer opened at least one suggested article and sent no request from that
visit. docs/search.md has the full definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, select
from sqlalchemy.orm import Session

from frontdesk.domain.actors import Actor
from frontdesk.domain.tx import Tx
from frontdesk.models import KbArticle, KbSuggestionEvent, KbTranslation

VISIT_CHARS = 32


def _seen(tx: Tx, visit: str, kind: str) -> set[int | None]:
    rows = tx.session.scalars(
        select(KbSuggestionEvent.article_id).where(
            KbSuggestionEvent.visit == visit, KbSuggestionEvent.kind == kind
        )
    )
    return set(rows)


def _add(tx: Tx, visit: str, kind: str, article_id: int | None) -> None:
    tx.session.add(
        KbSuggestionEvent(
            visit=visit[:VISIT_CHARS], kind=kind, article_id=article_id, created_at=tx.now()
        )
    )


def record_shown(tx: Tx, visit: str, article_ids: Sequence[int]) -> None:
    known = _seen(tx, visit, "shown")
    for article_id in dict.fromkeys(article_ids):
        if article_id not in known:
            _add(tx, visit, "shown", article_id)


def record_opened(tx: Tx, visit: str, article_id: int) -> None:
    """Only an article that was suggested on this visit counts as a followed suggestion."""
    if article_id in _seen(tx, visit, "shown") and article_id not in _seen(tx, visit, "opened"):
        _add(tx, visit, "opened", article_id)


def record_submitted(tx: Tx, visit: str) -> None:
    if not _seen(tx, visit, "submitted"):
        _add(tx, visit, "submitted", None)


@dataclass(frozen=True)
class Counts:
    shown: int  # visits where suggestions appeared
    opened: int  # ... and the customer opened one
    submitted: int  # ... visits with suggestions that still sent a request
    deflected: int  # opened a suggestion and sent no request


@dataclass(frozen=True)
class ArticleCounts:
    article_id: int
    title: str
    counts: Counts


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    total: Counts
    articles: list[ArticleCounts]


def report(
    session: Session, actor: Actor, since: datetime, until: datetime, language: str = "en"
) -> Report:
    """Visits whose first suggestion fell in [since, until], counted as defined above."""
    actor.require_agent("admin")
    event = KbSuggestionEvent
    first_shown = (
        select(event.visit)
        .where(event.kind == "shown")
        .group_by(event.visit)
        .having(func.min(event.created_at) >= since, func.min(event.created_at) <= until)
    ).subquery()
    submitted = select(event.visit).where(event.kind == "submitted").scalar_subquery()
    in_period = event.visit.in_(select(first_shown.c.visit))
    not_submitted = event.visit.not_in(submitted)

    def visits_where(*conditions: ColumnElement[bool]) -> Select[int]:
        return select(func.count(distinct(event.visit))).where(in_period, *conditions)

    total = Counts(
        shown=session.scalar(visits_where(event.kind == "shown")) or 0,
        opened=session.scalar(visits_where(event.kind == "opened")) or 0,
        submitted=session.scalar(visits_where(event.kind == "submitted")) or 0,
        deflected=session.scalar(visits_where(event.kind == "opened", not_submitted)) or 0,
    )

    def visits_of(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.count(distinct(case((condition, event.visit))))

    per_article = session.execute(
        select(
            event.article_id,
            visits_of(event.kind == "shown"),
            visits_of(event.kind == "opened"),
            visits_of(and_(event.kind == "opened", not_submitted)),
        )
        .where(in_period, event.article_id.is_not(None))
        .group_by(event.article_id)
    ).all()
    counted = [(int(a), int(s), int(o), int(d)) for a, s, o, d in per_article if a is not None]
    ids = [row[0] for row in counted]
    titles = _titles(session, ids, language)
    articles = [
        ArticleCounts(
            article_id=article_id,
            title=titles.get(article_id, f"#{article_id}"),
            counts=Counts(shown=shown, opened=opened, submitted=0, deflected=deflected),
        )
        for article_id, shown, opened, deflected in counted
    ]
    articles.sort(key=lambda a: (-a.counts.deflected, -a.counts.opened, a.article_id))
    return Report(since, until, total, articles)


def _titles(session: Session, article_ids: list[int], language: str) -> dict[int, str]:
    if not article_ids:
        return {}
    rows = session.execute(
        select(KbTranslation.article_id, KbTranslation.language, KbTranslation.title)
        .join(KbArticle, KbArticle.id == KbTranslation.article_id)
        .where(KbTranslation.article_id.in_(article_ids))
    )
    ranked: dict[int, tuple[int, str]] = {}
    for article_id, code, title in rows:
        rank = 0 if code == language else 1 if code == "en" else 2
        if article_id not in ranked or rank < ranked[article_id][0]:
            ranked[article_id] = (rank, title)
    return {article_id: title for article_id, (_, title) in ranked.items()}
