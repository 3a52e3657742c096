"""Keeps a ticket's SLA columns in step with the ticket: which policy applies, whether the
clock is paused, the due times and the next warning. Called by the hooks on every
relevant change; cheap (cached policies, no query unless a policy reads the contact)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.calendars import business_time_between
from frontdesk.config_cache import ConfigCache
from frontdesk.domain.tx import Tx
from frontdesk.models import Inbox, Ticket
from frontdesk.sla.clock import PAUSED_STATUSES, ClockFacts, Clocks, compute
from frontdesk.sla.policies import POLICIES, PolicySet, PolicyView, TicketFacts


def _load_inbox_kinds(session: Session) -> dict[int, str]:
    return {row.id: row.kind for row in session.execute(select(Inbox.id, Inbox.kind))}


# An inbox's kind never changes, so a new inbox is the only miss (looked up, then kept).
INBOX_KINDS: ConfigCache[dict[int, str]] = ConfigCache(_load_inbox_kinds, ttl=3600.0)


def inbox_kind(session: Session, inbox_id: int) -> str:
    kinds = INBOX_KINDS.get(session)
    kind = kinds.get(inbox_id)
    if kind is None:
        kind = session.get_one(Inbox, inbox_id).kind
        kinds[inbox_id] = kind
    return kind


def facts_of(session: Session, ticket: Ticket, policies: PolicySet) -> TicketFacts:
    contact = ticket.contact if policies.needs_contact else None
    return TicketFacts(
        channel=inbox_kind(session, ticket.inbox_id),
        priority=ticket.priority,
        inbox_id=ticket.inbox_id,
        tags=frozenset(ticket.tags),
        organization_id=contact.organization_id if contact else None,
        tier=contact.tier if contact else None,
    )


def policy_for(session: Session, ticket: Ticket) -> PolicyView | None:
    policies = POLICIES.get(session)
    return policies.for_ticket(facts_of(session, ticket, policies))


def sync(tx: Tx, ticket: Ticket) -> Clocks:
    """Pause or resume the clock as the status says, then store the due times."""
    policy = policy_for(tx.session, ticket)
    ticket.sla_policy_id = policy.id if policy else None
    now = tx.now()
    paused = ticket.status in PAUSED_STATUSES
    if paused and ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
    elif not paused and ticket.sla_paused_at is not None:
        if policy is not None:
            spent = business_time_between(policy.calendar, ticket.sla_paused_at, now)
            ticket.sla_paused_seconds = (ticket.sla_paused_seconds or 0) + int(
                spent.total_seconds()
            )
        ticket.sla_paused_at = None
    clocks = compute(policy, clock_facts(ticket))
    store(ticket, clocks)
    return clocks


def clock_facts(ticket: Ticket) -> ClockFacts:
    return ClockFacts(
        status=ticket.status,
        created_at=ticket.created_at,
        first_response_at=ticket.first_response_at,
        last_customer_message_at=ticket.last_customer_message_at,
        last_agent_message_at=ticket.last_agent_message_at,
        paused_seconds=ticket.sla_paused_seconds or 0,
    )


def store(ticket: Ticket, clocks: Clocks) -> None:
    ticket.first_response_due_at = clocks.first_response_due
    ticket.next_response_due_at = clocks.next_response_due
    ticket.resolution_due_at = clocks.resolution_due
    ticket.sla_next_alert_at = clocks.next_alert_at
