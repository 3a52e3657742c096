"""Every change of owner or team is a transfer, recorded with who moved it and why, and
counted on the ticket. Escalation to a supervisor is one action for any agent."""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.errors import Conflict, Invalid
from frontdesk.domain.tx import Tx
from frontdesk.models import Agent, Ticket, TicketTransfer
from frontdesk.routing.notify import lead_for, notify

TRANSFER_KINDS = ("transfer", "escalation", "reroute")


def record(tx: Tx, actor: Actor, ticket: Ticket, changes: dict[str, Any]) -> None:
    """Called by the assignment hook. Giving an unowned ticket its first owner within its
    team is not a transfer; moving it from someone, or from one team to another, is."""
    agent_before, agent_after = changes.get("assignee_id", [ticket.assignee_id] * 2)
    team_before, team_after = changes.get("team_id", [ticket.team_id] * 2)
    moved_owner = agent_before is not None and agent_before != agent_after
    moved_team = team_before is not None and team_before != team_after
    if not (moved_owner or moved_team):
        return
    ticket.transfer_count = (ticket.transfer_count or 0) + 1
    row = TicketTransfer(
        ticket_id=ticket.id,
        kind="transfer",
        from_agent_id=agent_before,
        to_agent_id=agent_after,
        from_team_id=team_before,
        to_team_id=team_after,
        actor_type=actor.type,
        actor_id=actor.id,
        at=tx.now(),
    )
    tx.session.add(row)
    _latest[tx.session] = row


# The row the assignment hook wrote last in a session, so transfer() can add its reason.
_latest: weakref.WeakKeyDictionary[Session, TicketTransfer] = weakref.WeakKeyDictionary()


def _recorded(tx: Tx, ticket_id: int) -> TicketTransfer | None:
    row = _latest.pop(tx.session, None)
    return row if row is not None and row.ticket_id == ticket_id else None


def transfer(
    tx: Tx,
    actor: Actor,
    ticket_id: int,
    agent_id: int | None,
    *,
    team_id: Any = ...,
    reason: str | None,
    kind: str = "transfer",
    acting: Actor | None = None,
) -> Ticket:
    """Move the ticket and say why. `acting` does the assignment when the requester may
    not assign (a light agent escalating); the record names the requester."""
    from frontdesk.domain import tickets

    _latest.pop(tx.session, None)
    ticket = tickets.assign(tx, acting or actor, ticket_id, agent_id, team_id=team_id)
    row = _recorded(tx, ticket.id)
    if row is not None:
        row.kind = kind
        row.reason = reason
        row.actor_type, row.actor_id = actor.type, actor.id
    return ticket


def escalate(tx: Tx, actor: Actor, ticket_id: int, reason: str) -> Ticket:
    """ "Connect me to someone with authority": the ticket goes to the supervisor of its
    team (the routing settings' lead), or to an admin when no lead is named."""
    from frontdesk.domain import tickets

    actor.require_agent()
    ticket = tickets.get_ticket(tx, actor, ticket_id)
    supervisor = lead_for(tx, ticket) or _an_admin(tx, actor)
    if supervisor is None:
        raise Conflict("there is no supervisor to escalate to: name a team lead or an admin")
    if supervisor == ticket.assignee_id:
        raise Conflict(f"ticket {ticket.id} is already with its supervisor")
    if not reason.strip():
        raise Invalid("reason", "say why the ticket needs someone with authority")
    ticket = transfer(
        tx, actor, ticket.id, supervisor, reason=reason, kind="escalation", acting=SYSTEM
    )
    notify(tx, [supervisor], ticket, "ticket.escalated", reason)
    tx.audit(
        actor, "ticket.escalated", "ticket", ticket.id, {"to": [None, supervisor]}, ticket=ticket.id
    )
    return ticket


def _an_admin(tx: Tx, actor: Actor) -> int | None:
    admins = tx.session.execute(
        select(Agent.id, Agent.availability)
        .where(Agent.role == "admin", Agent.is_active.is_(True))
        .order_by(Agent.id)
    ).all()
    others = [a for a in admins if a.id != actor.id] or list(admins)
    online = [a for a in others if a.availability == "online"]
    chosen = online or others
    return int(chosen[0].id) if chosen else None


def transfers_of(tx: Tx, ticket_id: int) -> list[TicketTransfer]:
    return list(
        tx.session.scalars(
            select(TicketTransfer)
            .where(TicketTransfer.ticket_id == ticket_id)
            .order_by(TicketTransfer.id)
        )
    )
