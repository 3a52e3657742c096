"""Which tickets an actor may see.

Admins see every ticket. Agents and light agents see tickets of their teams, tickets with
no team, and tickets assigned to them. Customers see their own tickets only. A ticket out
of sight answers "not found", exactly like one that does not exist.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import NotFound
from frontdesk.models import Ticket


def ticket_filter(actor: Actor) -> ColumnElement[bool]:
    if actor.type == "system" or actor.is_admin:
        return true()
    if actor.type == "contact":
        return Ticket.contact_id == actor.id
    if actor.type == "agent":
        clauses: list[ColumnElement[bool]] = [
            Ticket.team_id.is_(None),
            Ticket.assignee_id == actor.id,
        ]
        if actor.team_ids:
            clauses.append(Ticket.team_id.in_(sorted(actor.team_ids)))
        return or_(*clauses)
    return false()


def can_see(actor: Actor, ticket: Ticket) -> bool:
    if actor.type == "system" or actor.is_admin:
        return True
    if actor.type == "contact":
        return ticket.contact_id == actor.id
    return (
        ticket.team_id is None or ticket.assignee_id == actor.id or ticket.team_id in actor.team_ids
    )


def check_visible(actor: Actor, ticket: Ticket | None, ticket_id: int) -> Ticket:
    if ticket is None or not can_see(actor, ticket):
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket
