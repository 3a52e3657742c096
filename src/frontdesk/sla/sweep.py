"""Warnings, breaches and escalations, from the minute sweep.

Tickets carry `sla_next_alert_at`, the earliest warning or breach instant of their running
clocks; the sweep reads only those whose instant has come (an index range), records each
warning or breach once (unique per ticket, target, kind and due time), tells the people
the policy names, and escalates on a breach.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.tx import Tx
from frontdesk.models import PRIORITIES, SlaEvent, Ticket
from frontdesk.sla.clock import Alert, compute
from frontdesk.sla.tracking import clock_facts, policy_for, store

BATCH = 500


def sweep(tx: Tx, limit: int = BATCH) -> int:
    """Handle the tickets whose next alert is due; returns how many alerts were recorded."""
    now = tx.now()
    tickets = tx.session.scalars(
        select(Ticket)
        .where(Ticket.sla_next_alert_at <= now)
        .order_by(Ticket.sla_next_alert_at)
        .limit(limit)
    ).all()
    recorded = 0
    for ticket in tickets:
        policy = policy_for(tx.session, ticket)
        clocks = compute(policy, clock_facts(ticket))
        store(ticket, clocks)
        ticket.sla_next_alert_at = min((a.at for a in clocks.alerts if a.at > now), default=None)
        due = [a for a in clocks.alerts if a.at <= now]
        if not due or policy is None:
            continue
        seen = {
            (e.target, e.kind, e.percent, e.due_at)
            for e in tx.session.scalars(select(SlaEvent).where(SlaEvent.ticket_id == ticket.id))
        }
        for alert in due:
            if (alert.target, alert.kind, alert.percent, alert.due_at) in seen:
                continue
            _record(tx, ticket, policy.id, alert)
            recorded += 1
            if alert.kind == "breach":
                escalate(tx, ticket, dict(policy.escalation), alert)
    return recorded


def _record(tx: Tx, ticket: Ticket, policy_id: int | None, alert: Alert) -> None:
    tx.session.add(
        SlaEvent(
            ticket_id=ticket.id,
            policy_id=policy_id,
            target=alert.target,
            kind=alert.kind,
            percent=alert.percent,
            due_at=alert.due_at,
            at=tx.now(),
        )
    )
    action = "sla.breached" if alert.kind == "breach" else "sla.warning"
    details = {"target": alert.target, "percent": alert.percent, "due_at": alert.due_at.isoformat()}
    tx.audit(
        SYSTEM,
        action,
        "ticket",
        ticket.id,
        {k: [None, v] for k, v in details.items()},
        ticket=ticket.id,
    )
    tx.emit(action, ticket=ticket, **details)


def escalate(tx: Tx, ticket: Ticket, escalation: dict[str, Any], alert: Alert) -> None:
    """What a policy asks for on a breach: notify people, raise the priority, reassign."""
    from frontdesk.domain import tickets
    from frontdesk.routing.notify import notify, resolve_recipients

    recipients = resolve_recipients(tx, ticket, escalation.get("notify", []))
    if recipients:
        notify(tx, recipients, ticket, "sla.breached", f"{alert.target} is overdue")
    if escalation.get("raise_priority"):
        index = PRIORITIES.index(ticket.priority)
        if index < len(PRIORITIES) - 1:
            tickets.update_ticket(tx, SYSTEM, ticket.id, {"priority": PRIORITIES[index + 1]})
    agent_id = escalation.get("reassign_agent_id")
    team_id = escalation.get("reassign_team_id")
    if agent_id is not None or team_id is not None:
        from frontdesk.routing.transfers import transfer

        transfer(
            tx,
            SYSTEM,
            ticket.id,
            agent_id,
            team_id=team_id if team_id is not None else ticket.team_id,
            reason=f"SLA breach: {alert.target}",
            kind="escalation",
        )
