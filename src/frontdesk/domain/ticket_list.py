"""The agent's ticket lists: filters, visibility and keyset pagination.

Pages are cut by (sort value, id) rather than OFFSET, so page 500 costs what page 1 costs,
and the unsolved lists read the partial indexes declared on Ticket.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, exists, literal, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from frontdesk.db.base import UTCDateTime
from frontdesk.domain.access import ticket_filter
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Invalid
from frontdesk.models import OPEN_STATUSES, STATUSES, Ticket, TicketTag
from frontdesk.models.tickets import UNSOLVED_PREDICATE

Sort = Literal["-updated_at", "updated_at", "-id", "id"]


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


def _ordered_page(query: Select[Ticket], sort: Sort, cursor: str | None) -> Select[Ticket]:
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


def _encode_cursor(ticket: Ticket, sort: Sort) -> str:
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
