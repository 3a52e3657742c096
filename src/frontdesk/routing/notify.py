"""Telling agents about something on a ticket: a live `agent.notified` event (shown to the
agent if they may see the ticket) and a line in the ticket's audit trail."""

from __future__ import annotations

from typing import Any

from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.tx import Tx
from frontdesk.models import Agent, Ticket


def lead_for(tx: Tx, ticket: Ticket) -> int | None:
    """The supervisor named by the ticket's routing settings (inbox, then team)."""
    from frontdesk.routing.settings import ROUTING

    settings = ROUTING.get(tx.session)
    rule = settings.rule_for(ticket)
    if (rule is None or rule.lead_agent_id is None) and ticket.team_id is not None:
        rule = settings.by_team.get(ticket.team_id)
    return rule.lead_agent_id if rule else None


def resolve_recipients(tx: Tx, ticket: Ticket, spec: list[Any]) -> list[int]:
    """ "assignee", "team_lead" or agent ids → the active agents they name, once each."""
    found: list[int] = []
    for item in spec:
        if item == "assignee":
            agent_id = ticket.assignee_id
        elif item == "team_lead":
            agent_id = lead_for(tx, ticket)
        else:
            agent_id = int(item)
        if agent_id is None or agent_id in found:
            continue
        agent = tx.session.get(Agent, agent_id)
        if agent is not None and agent.is_active:
            found.append(agent_id)
    return found


def notify(tx: Tx, agent_ids: list[int], ticket: Ticket, kind: str, text: str) -> None:
    for agent_id in agent_ids:
        tx.emit("agent.notified", ticket=ticket, agent_id=agent_id, kind=kind, text=text)
        tx.audit(
            SYSTEM,
            "notification.sent",
            "agent",
            agent_id,
            {"kind": [None, kind], "text": [None, text]},
            ticket=ticket.id,
        )
