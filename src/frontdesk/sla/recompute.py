"""Recompute the SLA columns of every unsolved ticket, after a policy or calendar changed.

Reads plain rows in keyset batches and writes them back with one executemany per batch,
so a million tickets do not become a million ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from frontdesk.models import Contact, Ticket, TicketTag
from frontdesk.models.tickets import UNSOLVED_PREDICATE
from frontdesk.runtime import Frontdesk
from frontdesk.sla.clock import ClockFacts, compute
from frontdesk.sla.policies import POLICIES, TicketFacts
from frontdesk.sla.tracking import INBOX_KINDS

TICKETS = cast(Table, Ticket.__table__)


def recompute_open_tickets(fd: Frontdesk, batch_size: int = 5000) -> int:
    """Returns how many tickets were recomputed. Each batch is its own transaction, so a
    large recompute never holds the write lock for long."""
    after = 0
    done = 0
    while True:
        with fd.write_session() as session:
            written, after = recompute_batch(session, after, batch_size)
        done += written
        if written < batch_size:
            return done


def recompute_batch(session: Session, after: int, limit: int) -> tuple[int, int]:
    policies = POLICIES.get(session)
    kinds = INBOX_KINDS.get(session)
    columns: list[Any] = [
        Ticket.id,
        Ticket.status,
        Ticket.priority,
        Ticket.inbox_id,
        Ticket.created_at,
        Ticket.first_response_at,
        Ticket.last_customer_message_at,
        Ticket.last_agent_message_at,
        Ticket.sla_paused_seconds,
    ]
    query = select(*columns).where(UNSOLVED_PREDICATE, Ticket.id > after)
    if policies.needs_contact:
        query = query.add_columns(Contact.organization_id, Contact.tier).join(
            Contact, Contact.id == Ticket.contact_id
        )
    rows = session.execute(query.order_by(Ticket.id).limit(limit)).all()
    if not rows:
        return 0, after
    tags: dict[int, set[str]] = defaultdict(set)
    for ticket_id, tag in session.execute(
        select(TicketTag.ticket_id, TicketTag.tag).where(
            TicketTag.ticket_id.between(rows[0].id, rows[-1].id)
        )
    ):
        tags[ticket_id].add(tag)
    changes = []
    contact = policies.needs_contact
    for row in rows:
        facts = TicketFacts(
            channel=kinds.get(row.inbox_id, ""),
            priority=row.priority,
            inbox_id=row.inbox_id,
            tags=frozenset(tags.get(row.id, ())),
            organization_id=row.organization_id if contact else None,
            tier=row.tier if contact else None,
        )
        policy = policies.for_ticket(facts)
        clocks = compute(
            policy,
            ClockFacts(
                status=row.status,
                created_at=row.created_at,
                first_response_at=row.first_response_at,
                last_customer_message_at=row.last_customer_message_at,
                last_agent_message_at=row.last_agent_message_at,
                paused_seconds=row.sla_paused_seconds,
            ),
        )
        changes.append(
            {
                "b_id": row.id,
                "sla_policy_id": policy.id if policy else None,
                "first_response_due_at": clocks.first_response_due,
                "next_response_due_at": clocks.next_response_due,
                "resolution_due_at": clocks.resolution_due,
                "sla_next_alert_at": clocks.next_alert_at,
            }
        )
    session.connection().execute(update(TICKETS).where(TICKETS.c.id == bindparam("b_id")), changes)
    return len(rows), rows[-1].id
