"""The agent's ticket lists: filters, visibility and keyset pagination.

Pages are cut by (sort value, id) rather than OFFSET, so page 500 costs what page 1 costs,
and the unsolved lists read the partial indexes declared on Ticket.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, exists, literal, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from frontdesk.db.base import UTCDateTime
from frontdesk.domain.access import ticket_filter
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Invalid
from frontdesk.models import OPEN_STATUSES, STATUSES, Contact, Ticket, TicketTag
from frontdesk.models.tickets import UNSOLVED_PREDICATE

Sort = Literal["-updated_at", "updated_at", "-id", "id"]
_S = TypeVar("_S", bound=Select[Any])


@dataclass(frozen=True)
class TicketFilter:
    statuses: tuple[str, ...] = ()  # empty: any; ("unsolved",) is the open set
    priorities: tuple[str, ...] = ()
    assignee: int | Literal["none"] | None = None
    team: int | Literal["none"] | None = None
    team_ids: tuple[int, ...] = ()  # any of these teams ("my teams")
    inbox_id: int | None = None
    contact_id: int | None = None
    tag: str | None = None
    language: str | None = None


def list_tickets(
    session: Session,
    actor: Actor,
    filters: TicketFilter,
    *,
    sort: Sort = "-updated_at",
    limit: int = 25,
    cursor: str | None = None,
    options: tuple[ORMOption, ...] = (),
) -> tuple[list[Ticket], str | None]:
    """One page of tickets; `options` lets a caller load what it shows (the contact) in
    the same query."""
    query = _ordered_page(
        select(Ticket).where(ticket_filter(actor), *_conditions(filters)).options(*options),
        sort,
        cursor,
    )
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode_cursor(rows[-1], sort)
    return rows, next_cursor


@dataclass(slots=True)  # not frozen: that makes building each row five times slower
class TicketRow:
    """What a list of tickets shows of each: read as plain rows, without building the ORM
    objects (and their tags and contact) that a page of 50 tickets would cost."""

    tags: tuple[str, ...]
    id: int
    subject: str
    status: str
    priority: str
    assignee_id: int | None
    updated_at: datetime
    last_customer_message_at: datetime | None
    last_agent_message_at: datetime | None
    contact_name: str | None


_ROW_COLUMNS = (
    Ticket.id,
    Ticket.subject,
    Ticket.status,
    Ticket.priority,
    Ticket.assignee_id,
    Ticket.updated_at,
    Ticket.last_customer_message_at,
    Ticket.last_agent_message_at,
    # A subquery, not a join: a join makes SQLite give up the partial index and sort.
    select(Contact.name)
    .where(Contact.id == Ticket.contact_id)
    .scalar_subquery()
    .label("contact_name"),
)


def list_ticket_rows(
    session: Session,
    actor: Actor,
    filters: TicketFilter,
    *,
    sort: Sort = "-updated_at",
    limit: int = 25,
    cursor: str | None = None,
) -> tuple[list[TicketRow], str | None]:
    """The page `list_tickets` gives, as rows to show: two queries, the tickets (with their
    contact's name) and their tags."""
    query = _ordered_page(
        select(*_ROW_COLUMNS).where(ticket_filter(actor), *_conditions(filters)), sort, cursor
    )
    found = session.execute(query.limit(limit + 1)).all()
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        next_cursor = _encode_cursor(found[-1], sort)
    tags: dict[int, list[str]] = {}
    if found:
        for ticket_id, tag in session.execute(
            select(TicketTag.ticket_id, TicketTag.tag)
            .where(TicketTag.ticket_id.in_([row.id for row in found]))
            .order_by(TicketTag.tag)
        ):
            tags.setdefault(ticket_id, []).append(tag)
    return [TicketRow(tuple(tags.get(row[0], ())), *row) for row in found], next_cursor


def _conditions(f: TicketFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    statuses = set(f.statuses)
    if statuses == {"unsolved"} or statuses == set(OPEN_STATUSES):
        conditions.append(UNSOLVED_PREDICATE)  # type: ignore[arg-type]
    elif statuses:
        bad = statuses - set(STATUSES)
        if bad:
            raise Invalid("status", f"unknown status {sorted(bad)[0]!r}")
        conditions.append(Ticket.status.in_(sorted(statuses)))
    if f.priorities:
        conditions.append(Ticket.priority.in_(f.priorities))
    if f.assignee == "none":
        conditions.append(Ticket.assignee_id.is_(None))
    elif f.assignee is not None:
        conditions.append(Ticket.assignee_id == f.assignee)
    if f.team == "none":
        conditions.append(Ticket.team_id.is_(None))
    elif f.team is not None:
        conditions.append(Ticket.team_id == f.team)
    if f.team_ids:
        conditions.append(Ticket.team_id.in_(sorted(f.team_ids)))
    if f.inbox_id is not None:
        conditions.append(Ticket.inbox_id == f.inbox_id)
    if f.contact_id is not None:
        conditions.append(Ticket.contact_id == f.contact_id)
    if f.language is not None:
        conditions.append(Ticket.language == f.language)
    if f.tag is not None:
        conditions.append(
            exists().where(TicketTag.ticket_id == Ticket.id, TicketTag.tag == f.tag.casefold())
        )
    return conditions


def _ordered_page(query: _S, sort: Sort, cursor: str | None) -> _S:
    descending = sort.startswith("-")
    keys: tuple[Any, ...] = (
        (Ticket.updated_at, Ticket.id) if sort.lstrip("-") == "updated_at" else (Ticket.id,)
    )
    if cursor is not None:
        values = _decode_cursor(cursor, len(keys))
        if len(keys) == 2:
            # A row-value comparison both databases answer from the (updated_at, id) index.
            position = tuple_(*keys)
            mark = tuple_(
                literal(datetime.fromisoformat(values[0]), UTCDateTime()), literal(values[1])
            )
            after = position < mark if descending else position > mark
        else:
            after = Ticket.id < values[0] if descending else Ticket.id > values[0]
        query = query.where(after)
    return query.order_by(*(k.desc() if descending else k.asc() for k in keys))


def _encode_cursor(ticket: Any, sort: Sort) -> str:
    """`ticket`: a Ticket or a row with its id and updated_at."""
    if sort.lstrip("-") == "updated_at":
        values: list[Any] = [ticket.updated_at.isoformat(), ticket.id]
    else:
        values = [ticket.id]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        if size == 2:
            datetime.fromisoformat(values[0])
        if not isinstance(values[-1], int):
            raise ValueError
    except ValueError:
        raise Invalid("cursor", "is not a cursor this list gave out") from None
    return values
