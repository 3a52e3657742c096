"""Routing in motion: new tickets get an owner or wait in the queue; the queue drains the
moment capacity frees up; an agent going offline hands back their active tickets when the
rule says so."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.tx import Tx
from frontdesk.models import Agent, RoutingQueueEntry, Ticket
from frontdesk.models.tickets import ACTIVE_PREDICATE
from frontdesk.routing.decide import choose
from frontdesk.routing.settings import ROUTING
from frontdesk.sla.tracking import inbox_kind

ACTIVE = ("new", "open")
DRAIN_BATCH = 50


def route_ticket(tx: Tx, ticket: Ticket) -> int | None:
    """Give an unowned active ticket an agent by its rule; queue it when nobody has room.
    Returns the agent chosen, if any."""
    settings = ROUTING.get(tx.session)
    rule = settings.rule_for(ticket)
    if rule is None or rule.mode == "manual":
        return None
    if ticket.assignee_id is not None or ticket.status not in ACTIVE:
        return None
    agent_id = choose(tx.session, settings, rule, ticket, inbox_kind(tx.session, ticket.inbox_id))
    entry = tx.session.get(RoutingQueueEntry, ticket.id)
    if agent_id is None:
        if entry is None:
            tx.session.add(
                RoutingQueueEntry(ticket_id=ticket.id, team_id=ticket.team_id, queued_at=tx.now())
            )
            tx.audit(
                SYSTEM,
                "ticket.queued",
                "ticket",
                ticket.id,
                {"mode": [None, rule.mode]},
                ticket=ticket.id,
            )
            tx.emit("ticket.queued", ticket=ticket)
        return None
    if entry is not None:
        tx.session.delete(entry)
    from frontdesk.domain import tickets

    tickets.assign(tx, SYSTEM, ticket.id, agent_id)
    tx.audit(
        SYSTEM,
        "ticket.routed",
        "ticket",
        ticket.id,
        {"assignee_id": [None, agent_id], "mode": [None, rule.mode]},
        ticket=ticket.id,
    )
    return agent_id


def drain_queue(tx: Tx, team_id: Any = ..., limit: int = DRAIN_BATCH) -> int:
    """Assign waiting tickets, oldest first, while agents have room. `team_id` limits the
    drain to one team's queue (None: tickets without a team); by default all queues."""
    query = select(RoutingQueueEntry).order_by(
        RoutingQueueEntry.queued_at, RoutingQueueEntry.ticket_id
    )
    if team_id is not ...:
        query = query.where(
            RoutingQueueEntry.team_id.is_(None)
            if team_id is None
            else RoutingQueueEntry.team_id == team_id
        )
    assigned = 0
    for entry in tx.session.scalars(query.limit(limit)).all():
        ticket = tx.session.get(Ticket, entry.ticket_id)
        if ticket is None or ticket.assignee_id is not None or ticket.status not in ACTIVE:
            tx.session.delete(entry)
            continue
        if route_ticket(tx, ticket) is not None:
            assigned += 1
    return assigned


def capacity_may_have_freed(tx: Tx, ticket: Ticket, changes: dict[str, Any]) -> None:
    """After a ticket stopped being active for someone (solved, pending, reassigned), the
    queue of its team may move. Also drops a waiting ticket that got an owner by hand."""
    settings = ROUTING.get(tx.session)
    if not settings.any_automatic:
        return
    if ticket.assignee_id is not None or ticket.status not in ACTIVE:
        entry = tx.session.get(RoutingQueueEntry, ticket.id)
        if entry is not None:
            tx.session.delete(entry)
    # Giving an unowned ticket an owner frees nothing; taking one away, or a ticket
    # leaving the active states while owned, does.
    freed = ("assignee_id" in changes and changes["assignee_id"][0] is not None) or (
        "status" in changes
        and changes["status"][0] in ACTIVE
        and ticket.status not in ACTIVE
        and ticket.assignee_id is not None
    )
    if freed:
        drain_queue(tx, ticket.team_id)
    if "team_id" in changes and ticket.assignee_id is None:
        route_ticket(tx, ticket)


def agent_availability_changed(tx: Tx, agent: Agent, before: str) -> None:
    settings = ROUTING.get(tx.session)
    if not settings.any_automatic:
        return
    if agent.availability == "online":
        for team_id in agent.team_ids:
            drain_queue(tx, team_id)
        drain_queue(tx, None)
        return
    if agent.availability != "offline":
        return  # away: keeps what they have, gets nothing new
    from frontdesk.routing.transfers import transfer

    mine = tx.session.scalars(
        select(Ticket).where(ACTIVE_PREDICATE, Ticket.assignee_id == agent.id).order_by(Ticket.id)
    ).all()
    for ticket in mine:
        rule = settings.rule_for(ticket)
        if rule is None or rule.on_offline != "reroute":
            continue
        transfer(tx, SYSTEM, ticket.id, None, reason=f"{agent.name} went offline", kind="reroute")
        route_ticket(tx, ticket)
