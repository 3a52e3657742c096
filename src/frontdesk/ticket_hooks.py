"""What service levels, routing, follow-ups and automation do when a ticket changes.

The core actions (domain/inbound.py, domain/tickets.py, domain/agents.py) call these, one
line each, so that the core stays readable and all the logic lives in the packages
`sla`, `routing`, `promises` and `automation`. Each hook is cheap when nothing is
configured: settings come from per-process caches, and no query runs for a feature that
is not in use.

Imports are inside the functions: these packages use the core actions themselves (an
escalation reassigns, a trigger replies), so importing them at module level would be
circular.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from frontdesk.domain.actors import Actor
    from frontdesk.domain.tx import Tx
    from frontdesk.models import Agent, Message, Ticket


def before_message_stored(tx: Tx, ticket: Ticket) -> None:
    """In receive(), before the ticket's new state is written: the SLA columns go out in
    the same UPDATE."""
    # `import a.b as b`, not `from a import b`: the latter runs importlib's Python code
    # for packages on every call, and this runs for every message.
    import frontdesk.promises.followups as followups
    import frontdesk.sla.tracking as tracking

    if ticket.sla_paused_at is not None and ticket.status == "open":
        # It was waiting on the customer (pending, on hold, solved) and they wrote.
        followups.customer_wrote(tx, ticket)
    tracking.sync(tx, ticket)


def message_received(tx: Tx, ticket: Ticket, message: Message, *, created: bool) -> None:
    """At the end of receive(): route a new ticket, run the triggers."""
    import frontdesk.automation.engine as engine  # see before_message_stored
    import frontdesk.routing.assignment as assignment

    if created:
        assignment.route_ticket(tx, ticket)
        engine.fire(tx, ticket, "ticket.created", message=message)
    if not message.is_auto:
        engine.fire(tx, ticket, "message.received", message=message)


def ticket_updated(tx: Tx, actor: Actor, ticket: Ticket, changes: dict[str, Any]) -> None:
    """After update_ticket() changed fields (status, priority, tags, team …)."""
    from frontdesk.automation import engine
    from frontdesk.domain import satisfaction
    from frontdesk.promises import followups
    from frontdesk.routing import assignment, transfers
    from frontdesk.sla import tracking

    if "team_id" in changes:
        transfers.record(tx, actor, ticket, changes)
    if "status" in changes:
        followups.status_changed(tx, ticket)
        if ticket.status == "solved":
            satisfaction.ticket_solved(tx, ticket)  # "how did we do?"
    tracking.sync(tx, ticket)
    assignment.capacity_may_have_freed(tx, ticket, changes)
    engine.fire(tx, ticket, "ticket.updated", changes=changes)


def ticket_assigned(tx: Tx, actor: Actor, ticket: Ticket, changes: dict[str, Any]) -> None:
    """After assign() gave the ticket a new owner or team."""
    from frontdesk.automation import engine
    from frontdesk.routing import assignment, transfers
    from frontdesk.sla import tracking

    transfers.record(tx, actor, ticket, changes)
    tracking.sync(tx, ticket)
    assignment.capacity_may_have_freed(tx, ticket, changes)
    engine.fire(tx, ticket, "ticket.updated", changes=changes)


def agent_replied(tx: Tx, ticket: Ticket, message: Message) -> None:
    """After reply() stored a public answer: the response clocks stop."""
    from frontdesk.sla import tracking

    tracking.sync(tx, ticket)


def agent_updated(tx: Tx, agent: Agent, changes: dict[str, Any]) -> None:
    """After update_agent(): an agent coming online or going offline moves the queue."""
    from frontdesk.routing import assignment

    if "availability" in changes:
        assignment.agent_availability_changed(tx, agent, changes["availability"][0])
