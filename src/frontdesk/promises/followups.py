"""Tickets waiting for the customer are not forgotten: after N days pending the customer
gets a follow-up, after M more days without an answer the ticket is solved (both per
inbox). A snoozed ticket comes back on its date. A customer's message clears all of it
(and reopens a solved ticket, in receive())."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.errors import Conflict, Invalid, NotFound
from frontdesk.domain.text import check_text
from frontdesk.domain.tickets import get_ticket, update_ticket
from frontdesk.domain.tx import Tx
from frontdesk.models import Inbox, InboxFollowUpPolicy, Ticket, TicketFollowUp
from frontdesk.routing.notify import notify

MAX_DAYS = 365
BATCH = 500


def set_policy(
    tx: Tx,
    actor: Actor,
    inbox_id: int,
    *,
    follow_up_after_days: int,
    solve_after_days: int,
    follow_up_text: str,
) -> InboxFollowUpPolicy:
    actor.require_agent("admin")
    if tx.session.get(Inbox, inbox_id) is None:
        raise NotFound(f"inbox {inbox_id} not found")
    for name, value in (
        ("follow_up_after_days", follow_up_after_days),
        ("solve_after_days", solve_after_days),
    ):
        if not 1 <= value <= MAX_DAYS:
            raise Invalid(name, f"must be from 1 to {MAX_DAYS} days")
    from frontdesk.automation.replies import check_placeholders

    text = check_placeholders(
        check_text(follow_up_text, "follow_up_text", max_length=5000), "follow_up_text"
    ).strip()
    if not text:
        raise Invalid("follow_up_text", "must not be empty")
    policy = tx.session.get(InboxFollowUpPolicy, inbox_id)
    if policy is None:
        policy = InboxFollowUpPolicy(inbox_id=inbox_id)
        tx.session.add(policy)
    policy.follow_up_after_days = follow_up_after_days
    policy.solve_after_days = solve_after_days
    policy.follow_up_text = text
    tx.audit(
        actor,
        "inbox.follow_up_set",
        "inbox",
        inbox_id,
        {
            "follow_up_after_days": [None, follow_up_after_days],
            "solve_after_days": [None, solve_after_days],
        },
    )
    return policy


def get_policy(tx: Tx, inbox_id: int) -> InboxFollowUpPolicy | None:
    return tx.session.get(InboxFollowUpPolicy, inbox_id)


def status_changed(tx: Tx, ticket: Ticket) -> None:
    row = tx.session.get(TicketFollowUp, ticket.id)
    if ticket.status != "pending":
        if row is not None:
            tx.session.delete(row)
        return
    if row is None:
        row = TicketFollowUp(ticket_id=ticket.id, pending_since=tx.now())
        tx.session.add(row)
        tx.session.flush()  # snooze() reads it back in the same action
    policy = tx.session.get(InboxFollowUpPolicy, ticket.inbox_id)
    _schedule(row, policy)


def customer_wrote(tx: Tx, ticket: Ticket) -> None:
    # Called inside receive(), whose rows are written without the unit of work: a delete
    # here must not make the session flush them.
    if ticket.id is not None:
        with tx.session.no_autoflush:
            tx.session.execute(delete(TicketFollowUp).where(TicketFollowUp.ticket_id == ticket.id))


def snooze(tx: Tx, actor: Actor, ticket_id: int, until: datetime) -> Ticket:
    """Put the ticket aside (pending) until a date; it comes back open then."""
    actor.require_agent("admin", "agent")
    ticket = get_ticket(tx, actor, ticket_id)
    if until.tzinfo is None:
        raise Invalid("until", "needs a time zone offset")
    if until <= tx.now():
        raise Invalid("until", "must be in the future")
    if ticket.status in ("solved", "closed"):
        raise Conflict(f"ticket {ticket.id} is {ticket.status}; reopen it first")
    if ticket.status != "pending":
        update_ticket(tx, actor, ticket.id, {"status": "pending"})
    row = tx.session.get(TicketFollowUp, ticket.id)
    assert row is not None  # status_changed made it
    row.snoozed_until = until
    _schedule(row, tx.session.get(InboxFollowUpPolicy, ticket.inbox_id))
    tx.audit(
        actor,
        "ticket.snoozed",
        "ticket",
        ticket.id,
        {"snoozed_until": [None, until.isoformat()]},
        ticket=ticket.id,
    )
    return ticket


def _schedule(row: TicketFollowUp, policy: InboxFollowUpPolicy | None) -> None:
    times: list[datetime] = []
    if row.snoozed_until is not None:
        times.append(row.snoozed_until)
    if policy is not None:
        if row.followed_up_at is None:
            times.append(row.pending_since + timedelta(days=policy.follow_up_after_days))
        else:
            times.append(row.followed_up_at + timedelta(days=policy.solve_after_days))
    row.wake_at = min(times, default=None)


def sweep(tx: Tx, limit: int = BATCH) -> int:
    from frontdesk.automation.replies import send_automatic_reply

    now = tx.now()
    rows = tx.session.scalars(
        select(TicketFollowUp)
        .where(TicketFollowUp.wake_at <= now)
        .order_by(TicketFollowUp.wake_at)
        .limit(limit)
    ).all()
    done = 0
    for row in rows:
        ticket = tx.session.get(Ticket, row.ticket_id)
        if ticket is None or ticket.status != "pending":
            tx.session.delete(row)
            continue
        done += 1
        if row.snoozed_until is not None and row.snoozed_until <= now:
            update_ticket(tx, SYSTEM, ticket.id, {"status": "open"})  # drops the row
            notify(
                tx,
                [ticket.assignee_id] if ticket.assignee_id else [],
                ticket,
                "ticket.snooze_ended",
                "the snooze is over",
            )
            continue
        policy = tx.session.get(InboxFollowUpPolicy, ticket.inbox_id)
        if policy is None:
            row.wake_at = None
            continue
        if row.followed_up_at is None:
            send_automatic_reply(tx, ticket, policy.follow_up_text)
            row.followed_up_at = now
            tx.audit(SYSTEM, "ticket.followed_up", "ticket", ticket.id, {}, ticket=ticket.id)
            _schedule(row, policy)
        else:
            update_ticket(tx, SYSTEM, ticket.id, {"status": "solved"})
            tx.audit(
                SYSTEM,
                "ticket.auto_solved",
                "ticket",
                ticket.id,
                {"reason": [None, f"no answer {policy.solve_after_days} days after the follow-up"]},
                ticket=ticket.id,
            )
    return done
