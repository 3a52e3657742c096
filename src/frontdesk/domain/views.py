"""An agent's saved inbox views and read marks (unread = changed since the agent opened it)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Conflict, Invalid, NotFound
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import SavedView, Ticket, TicketRead

# The inbox's query parameters a view may keep; anything else is dropped.
VIEW_PARAMS = ("view", "status", "priority", "assignee", "team", "inbox", "tag", "language", "sort")


def clean_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k in VIEW_PARAMS]
    return urlencode(pairs)


def saved_views(session: Session, actor: Actor) -> list[SavedView]:
    return list(
        session.scalars(
            select(SavedView).where(SavedView.agent_id == actor.id).order_by(SavedView.name)
        )
    )


def save_view(tx: Tx, actor: Actor, name: str, query: str) -> SavedView:
    actor.require_agent()
    name = check_text(name, "name", max_length=100).strip()
    if not name:
        raise Invalid("name", "must not be empty")
    view = SavedView(
        agent_id=actor.id,
        name=name,
        query=clean_query(check_text(query, "query", max_length=2000)),
        created_at=tx.now(),
    )
    try:
        with tx.session.begin_nested():
            tx.session.add(view)
    except IntegrityError:
        raise Conflict(f"you already have a view named {name!r}") from None
    return view


def delete_view(tx: Tx, actor: Actor, view_id: int) -> None:
    actor.require_agent()
    view = tx.session.get(SavedView, view_id)
    if view is None or view.agent_id != actor.id:
        raise NotFound(f"view {view_id} not found")
    tx.session.delete(view)


def needs_mark(session: Session, actor: Actor, ticket: Ticket) -> bool:
    """Whether the ticket changed since the agent last opened it (a read, so that opening
    an unchanged ticket writes nothing)."""
    if not actor.is_agent or actor.id is None:
        return False
    mark = session.get(TicketRead, (actor.id, ticket.id))
    return mark is None or mark.read_at < ticket.updated_at


def mark_read(tx: Tx, actor: Actor, ticket_id: int) -> None:
    """Remember that the agent saw the ticket as it is now."""
    if not actor.is_agent or actor.id is None:
        return
    mark = tx.session.get(TicketRead, (actor.id, ticket_id))
    if mark is None:
        tx.session.add(TicketRead(agent_id=actor.id, ticket_id=ticket_id, read_at=tx.now()))
    else:
        mark.read_at = tx.now()


def read_marks(session: Session, actor: Actor, ticket_ids: list[int]) -> dict[int, datetime]:
    """When the agent last opened each of these tickets (one query for a page)."""
    if not ticket_ids or actor.id is None:
        return {}
    rows = session.execute(
        select(TicketRead.ticket_id, TicketRead.read_at).where(
            TicketRead.agent_id == actor.id, TicketRead.ticket_id.in_(ticket_ids)
        )
    )
    return {ticket_id: read_at for ticket_id, read_at in rows}
