"""A promise is a record: what was promised on which ticket, by whom, due when. Its owner
is reminded before it is due; one not kept by then is flagged and counted as broken."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.errors import Conflict, Invalid, NotFound
from frontdesk.domain.text import check_text
from frontdesk.domain.tickets import get_ticket
from frontdesk.domain.tx import Tx
from frontdesk.models import Agent, Promise, Ticket
from frontdesk.routing.notify import notify

DEFAULT_REMIND_BEFORE = timedelta(minutes=30)
BATCH = 500


def make_promise(
    tx: Tx,
    actor: Actor,
    ticket_id: int,
    *,
    text: str,
    due_at: datetime,
    owner_id: int | None = None,
    remind_before: timedelta = DEFAULT_REMIND_BEFORE,
) -> Promise:
    actor.require_agent("admin", "agent")
    ticket = get_ticket(tx, actor, ticket_id)
    text = check_text(text, "text", max_length=2000).strip()
    if not text:
        raise Invalid("text", "say what was promised")
    if due_at.tzinfo is None:
        raise Invalid("due_at", "needs a time zone offset, such as 2026-03-03T10:00:00+02:00")
    now = tx.now()
    if due_at <= now:
        raise Invalid("due_at", "a promise is due in the future")
    owner = owner_id if owner_id is not None else actor.id
    agent = tx.session.get(Agent, owner) if owner is not None else None
    if agent is None or not agent.is_active or agent.role == "light_agent":
        raise Invalid("owner_id", f"agent {owner} cannot own a promise")
    promise = Promise(
        ticket_id=ticket.id,
        owner_id=agent.id,
        text=text,
        due_at=due_at,
        remind_at=max(now, due_at - remind_before),
        status="open",
        created_by_id=actor.id,
        created_at=now,
    )
    tx.session.add(promise)
    tx.session.flush()
    tx.audit(
        actor,
        "promise.made",
        "promise",
        promise.id,
        {"text": [None, text], "due_at": [None, due_at.isoformat()], "owner_id": [None, agent.id]},
        ticket=ticket.id,
    )
    tx.emit("promise.made", ticket=ticket, promise_id=promise.id)
    return promise


def resolve_promise(tx: Tx, actor: Actor, promise_id: int, outcome: str) -> Promise:
    """Mark a promise kept or cancelled. A broken promise stays broken in the count even
    when kept late."""
    actor.require_agent("admin", "agent")
    promise = tx.session.get(Promise, promise_id)
    if promise is None:
        raise NotFound(f"promise {promise_id} not found")
    get_ticket(tx, actor, promise.ticket_id)
    if promise.status != "open":
        raise Conflict(f"promise {promise_id} is already {promise.status}")
    promise.status = outcome
    promise.resolved_at = tx.now()
    tx.audit(
        actor,
        f"promise.{outcome}",
        "promise",
        promise.id,
        {"status": ["open", outcome]},
        ticket=promise.ticket_id,
    )
    return promise


def promises_of_ticket(tx: Tx, actor: Actor, ticket_id: int) -> list[Promise]:
    get_ticket(tx, actor, ticket_id)
    return list(
        tx.session.scalars(
            select(Promise).where(Promise.ticket_id == ticket_id).order_by(Promise.id)
        )
    )


def list_promises(
    tx: Tx, owner_id: int | None, status: str | None, limit: int = 200
) -> list[Promise]:
    query = select(Promise)
    if owner_id is not None:
        query = query.where(Promise.owner_id == owner_id)
    if status is not None:
        query = query.where(Promise.status == status)
    return list(tx.session.scalars(query.order_by(Promise.due_at, Promise.id).limit(limit)))


def overdue_among(session: Session, ticket_ids: list[int], now: datetime) -> set[int]:
    """Which of these tickets hold a promise that is past due and was not kept: the inbox
    flags them."""
    if not ticket_ids:
        return set()
    late = or_(Promise.status == "broken", and_(Promise.status == "open", Promise.due_at <= now))
    query = select(Promise.ticket_id).where(Promise.ticket_id.in_(ticket_ids), late).distinct()
    return set(session.scalars(query))


def broken_counts(tx: Tx) -> dict[int, int]:
    """Broken promises per owner: the figure a team lead watches."""
    rows = tx.session.execute(
        select(Promise.owner_id, func.count())
        .where(Promise.status == "broken")
        .group_by(Promise.owner_id)
    )
    return {owner: count for owner, count in rows}


def sweep(tx: Tx, limit: int = BATCH) -> int:
    """Remind owners of promises coming due; flag the ones whose time passed. Returns how
    many promises changed."""
    now = tx.now()
    changed = 0
    due = tx.session.scalars(
        select(Promise)
        .where(Promise.status == "open", Promise.due_at <= now)
        .order_by(Promise.due_at)
        .limit(limit)
    ).all()
    for promise in due:
        promise.status = "broken"
        promise.resolved_at = now
        ticket = tx.session.get_one(Ticket, promise.ticket_id)
        tx.audit(
            SYSTEM,
            "promise.broken",
            "promise",
            promise.id,
            {"status": ["open", "broken"]},
            ticket=ticket.id,
        )
        notify(tx, [promise.owner_id], ticket, "promise.overdue", promise.text)
        changed += 1
    remind = tx.session.scalars(
        select(Promise)
        .where(Promise.status == "open", Promise.remind_at <= now, Promise.reminded_at.is_(None))
        .order_by(Promise.remind_at)
        .limit(limit)
    ).all()
    for promise in remind:
        promise.reminded_at = now
        ticket = tx.session.get_one(Ticket, promise.ticket_id)
        notify(
            tx,
            [promise.owner_id],
            ticket,
            "promise.reminder",
            f"due {promise.due_at.isoformat()}: {promise.text}",
        )
        changed += 1
    return changed
