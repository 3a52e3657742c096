"""Time rules, checked every minute: each active rule against the unsolved tickets, once
per ticket (a rule that solved or changed a ticket does not come back to it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, select

from frontdesk.automation.rules import Context, apply, matches
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.tx import Tx
from frontdesk.models import Ticket, TimeRule, TimeRuleRun
from frontdesk.models.tickets import UNSOLVED_PREDICATE

BATCH = 200
_COLUMNS = {
    "hours_since_created": Ticket.created_at,
    "hours_since_updated": Ticket.updated_at,
    "hours_since_customer_message": Ticket.last_customer_message_at,
    "hours_since_agent_message": Ticket.last_agent_message_at,
}


def run_time_rules(tx: Tx, limit: int = BATCH) -> int:
    from frontdesk.sla.tracking import inbox_kind

    fired = 0
    now = tx.now()
    rules = tx.session.scalars(
        select(TimeRule).where(TimeRule.is_active.is_(True)).order_by(TimeRule.id)
    ).all()
    for rule in rules:
        query = (
            select(Ticket)
            .where(UNSOLVED_PREDICATE, *_prefilter(rule.conditions, now))
            .where(
                ~exists().where(TimeRuleRun.rule_id == rule.id, TimeRuleRun.ticket_id == Ticket.id)
            )
            .order_by(Ticket.id)
            .limit(limit)
        )
        for ticket in tx.session.scalars(query).all():
            ctx = Context(ticket=ticket, channel=inbox_kind(tx.session, ticket.inbox_id), now=now)
            if not matches(rule.conditions, ctx):
                continue
            tx.session.add(TimeRuleRun(rule_id=rule.id, ticket_id=ticket.id, at=now))
            tx.audit(
                SYSTEM,
                "time_rule.fired",
                "time_rule",
                rule.id,
                {"name": [None, rule.name], "actions": [None, [a["type"] for a in rule.actions]]},
                ticket=ticket.id,
            )
            apply(tx, SYSTEM, ticket, rule.actions, source=f"time rule {rule.name}")
            fired += 1
    return fired


def _prefilter(conditions: list[dict[str, Any]], now: Any) -> list[ColumnElement[bool]]:
    """The conditions SQL can check, so the rule reads only candidate tickets; the rest
    are checked in Python."""
    clauses: list[ColumnElement[bool]] = []
    for c in conditions:
        name, op, value = c["field"], c["op"], c["value"]
        if name in _COLUMNS and op == "greater_than":
            clauses.append(_COLUMNS[name] <= now - timedelta(hours=value))
        elif name in ("status", "priority") and op == "is":
            clauses.append(getattr(Ticket, name) == value)
    return clauses
