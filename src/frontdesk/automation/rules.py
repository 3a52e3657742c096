"""The little language of triggers, time rules and macros: conditions and actions as JSON,
checked on the way in, evaluated against a ticket, applied through the core actions (so
every change lands in the audit trail like an agent's would).

Conditions: [{"field": "priority", "op": "is", "value": "urgent"}, …], all must hold.
Actions:    [{"type": "set_priority", "priority": "high"}, {"type": "send_reply", "text": …}].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.errors import Invalid
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import PRIORITIES, STATUSES, Agent, Message, Team, Ticket

TEXT_FIELDS = (
    "status",
    "priority",
    "channel",
    "language",
    "subject",
    "contact.tier",
    "message.text",
)
ID_FIELDS = ("inbox_id", "team_id", "assignee_id", "contact.organization_id")
HOUR_FIELDS = (
    "hours_since_created",
    "hours_since_updated",
    "hours_since_customer_message",
    "hours_since_agent_message",
)
FIELDS = (*TEXT_FIELDS, *ID_FIELDS, "tags", *HOUR_FIELDS)
OPS = {
    **{f: ("is", "is_not", "in", "not_in", "contains", "not_contains") for f in TEXT_FIELDS},
    **{f: ("is", "is_not", "in", "not_in") for f in ID_FIELDS},
    "tags": ("includes", "excludes"),
    **{f: ("greater_than", "less_than") for f in HOUR_FIELDS},
}
CHANGE_OPS = ("changed", "changed_to")
# Which ticket fields each action may change: what the loop check compares against.
WRITES: dict[str, frozenset[str]] = {
    "assign": frozenset({"assignee_id", "status"}),
    "set_team": frozenset({"team_id"}),
    "set_priority": frozenset({"priority"}),
    "set_status": frozenset({"status"}),
    "add_tags": frozenset({"tags"}),
    "remove_tags": frozenset({"tags"}),
    "send_reply": frozenset(),
    "add_note": frozenset(),
    "notify": frozenset(),
    "webhook": frozenset(),
}
MAX_ITEMS = 20


# ---- checking -------------------------------------------------------------------------


def check_conditions(raw: Any, *, allow_changes: bool, allow_hours: bool) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) > MAX_ITEMS:
        raise Invalid("conditions", f"must be a list of at most {MAX_ITEMS} conditions")
    result = []
    for i, item in enumerate(raw):
        where = f"conditions.{i}"
        if not isinstance(item, dict) or set(item) - {"field", "op", "value"}:
            raise Invalid(where, 'must be {"field": …, "op": …, "value": …}')
        name, op, value = item.get("field"), item.get("op"), item.get("value")
        if name not in FIELDS:
            raise Invalid(f"{where}.field", f"unknown field {name!r}; known: {', '.join(FIELDS)}")
        if name in HOUR_FIELDS and not allow_hours:
            raise Invalid(f"{where}.field", f"{name} is for time rules only")
        if op in CHANGE_OPS:
            if not allow_changes:
                raise Invalid(f"{where}.op", f"{op} is for triggers on ticket.updated only")
        elif op not in OPS[name]:
            raise Invalid(f"{where}.op", f"{name} takes {', '.join(OPS[name])}")
        result.append({"field": name, "op": op, "value": _check_value(where, name, op, value)})
    return result


def _check_value(where: str, name: str, op: Any, value: Any) -> Any:
    if op == "changed":
        return None
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise Invalid(f"{where}.value", "must be a non-empty list")
        return [_scalar(where, name, v) for v in value]
    if name == "tags":
        items = value if isinstance(value, list) else [value]
        from frontdesk.domain.tickets import normalize_tags

        return normalize_tags(items)
    if name in HOUR_FIELDS:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (0 <= value <= 24 * 3650 and math.isfinite(value))
        ):
            raise Invalid(f"{where}.value", "must be a number of hours")
        return value
    return _scalar(where, name, value)


def _scalar(where: str, name: str, value: Any) -> Any:
    if name in ID_FIELDS:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise Invalid(f"{where}.value", "must be an id or null")
        return value
    if not isinstance(value, str):
        raise Invalid(f"{where}.value", "must be text")
    if name == "status" and value not in STATUSES:
        raise Invalid(f"{where}.value", f"must be one of {', '.join(STATUSES)}")
    if name == "priority" and value not in PRIORITIES:
        raise Invalid(f"{where}.value", f"must be one of {', '.join(PRIORITIES)}")
    return check_text(value, f"{where}.value", max_length=500)


def check_actions(tx: Tx, raw: Any) -> list[dict[str, Any]]:
    from frontdesk.automation.replies import check_placeholders

    if not isinstance(raw, list) or not raw or len(raw) > MAX_ITEMS:
        raise Invalid("actions", f"must be a list of 1 to {MAX_ITEMS} actions")
    result = []
    for i, item in enumerate(raw):
        where = f"actions.{i}"
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in WRITES:
            raise Invalid(f"{where}.type", f"must be one of {', '.join(WRITES)}")
        assert isinstance(item, dict)
        needs = {
            "assign": "agent_id",
            "set_team": "team_id",
            "set_priority": "priority",
            "set_status": "status",
            "add_tags": "tags",
            "remove_tags": "tags",
            "send_reply": "text",
            "add_note": "text",
            "notify": "to",
            "webhook": "url",
        }[kind]
        if set(item) != {"type", needs}:
            raise Invalid(where, f"{kind} takes exactly one more key: {needs}")
        value = item[needs]
        if kind == "assign" and value is not None:
            agent = tx.session.get(Agent, value) if isinstance(value, int) else None
            if agent is None or not agent.is_active or agent.role == "light_agent":
                raise Invalid(f"{where}.agent_id", f"agent {value!r} cannot own tickets")
        elif (
            kind == "set_team"
            and value is not None
            and (not isinstance(value, int) or tx.session.get(Team, value) is None)
        ):
            raise Invalid(f"{where}.team_id", f"team {value!r} does not exist")
        elif kind == "set_priority" and value not in PRIORITIES:
            raise Invalid(f"{where}.priority", f"must be one of {', '.join(PRIORITIES)}")
        elif kind == "set_status" and value not in STATUSES:
            raise Invalid(f"{where}.status", f"must be one of {', '.join(STATUSES)}")
        elif kind in ("add_tags", "remove_tags"):
            from frontdesk.domain.tickets import normalize_tags

            if not isinstance(value, list) or not value:
                raise Invalid(f"{where}.tags", "must be a non-empty list")
            value = normalize_tags(value)
        elif kind in ("send_reply", "add_note"):
            if not isinstance(value, str) or not value.strip():
                raise Invalid(f"{where}.text", "must not be empty")
            value = check_placeholders(
                check_text(value, f"{where}.text", max_length=10_000), f"{where}.text"
            )
        elif kind == "notify":
            if (
                not isinstance(value, list)
                or not value
                or not all(
                    v in ("assignee", "team_lead")
                    or (isinstance(v, int) and not isinstance(v, bool))
                    for v in value
                )
            ):
                raise Invalid(f"{where}.to", 'must list "assignee", "team_lead" or agent ids')
        elif kind == "webhook":
            url = value if isinstance(value, str) else ""
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise Invalid(f"{where}.url", "must be an http or https URL")
        result.append({"type": kind, needs: value})
    return result


def writes_of(actions: list[dict[str, Any]]) -> frozenset[str]:
    return frozenset().union(*(WRITES[a["type"]] for a in actions))


def check_no_self_trigger(
    name: str, event: str, conditions: list[dict[str, Any]], actions: list[dict[str, Any]]
) -> None:
    """A trigger on ticket.updated whose actions change the ticket would see its own change
    as a new update. It needs a `changed` condition on a field it does not set itself;
    otherwise it is refused here (and at run time no trigger fires twice on a ticket in one
    transaction, whatever the rules)."""
    if event != "ticket.updated":
        return
    writes = writes_of(actions)
    if not writes:
        return
    guards = [c for c in conditions if c["op"] in CHANGE_OPS]
    if not any(c["field"] not in writes for c in guards):
        sets = ", ".join(sorted(writes))
        raise Invalid(
            "conditions",
            f"trigger {name!r} would fire itself: its actions change {sets}, and an update of "
            f"those matches its own conditions; add a 'changed' or 'changed_to' condition on "
            f"a field it does not set",
        )


# ---- evaluating -----------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    ticket: Ticket
    channel: str
    now: datetime
    message: Message | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)


def matches(conditions: list[dict[str, Any]], ctx: Context) -> bool:
    return all(_holds(c, ctx) for c in conditions)


def _holds(condition: dict[str, Any], ctx: Context) -> bool:
    name, op, value = condition["field"], condition["op"], condition["value"]
    if op == "changed":
        return name in ctx.changes
    actual = _value(name, ctx)
    if op == "changed_to":
        return name in ctx.changes and actual == value
    if name == "tags":
        present = set(value) & set(actual)
        return bool(present) if op == "includes" else not present
    if op == "is":
        return bool(actual == value)
    if op == "is_not":
        return bool(actual != value)
    if op == "in":
        return actual in value
    if op == "not_in":
        return actual not in value
    if op in ("contains", "not_contains"):
        found = str(value).casefold() in str(actual or "").casefold()
        return found if op == "contains" else not found
    if actual is None:
        return False
    return bool(actual > value) if op == "greater_than" else bool(actual < value)


def _value(name: str, ctx: Context) -> Any:
    ticket = ctx.ticket
    if name == "channel":
        return ctx.channel
    if name == "tags":
        return ticket.tags
    if name == "message.text":
        return ctx.message.text if ctx.message else None
    if name == "contact.tier":
        return ticket.contact.tier
    if name == "contact.organization_id":
        return ticket.contact.organization_id
    if name in HOUR_FIELDS:
        since = {
            "hours_since_created": ticket.created_at,
            "hours_since_updated": ticket.updated_at,
            "hours_since_customer_message": ticket.last_customer_message_at,
            "hours_since_agent_message": ticket.last_agent_message_at,
        }[name]
        return None if since is None else (ctx.now - since).total_seconds() / 3600
    return getattr(ticket, name)


# ---- applying -------------------------------------------------------------------------


def apply(
    tx: Tx, actor: Actor, ticket: Ticket, actions: list[dict[str, Any]], *, source: str
) -> None:
    """Run the actions through the core actions. `actor` is the agent applying a macro, or
    SYSTEM for triggers and time rules (replies they send are automatic and leave the
    response clocks alone)."""
    from frontdesk.automation.replies import render, send_automatic_reply
    from frontdesk.domain import tickets
    from frontdesk.routing.notify import notify, resolve_recipients

    agent = tx.session.get(Agent, actor.id) if actor.is_agent and actor.id else None
    for action in actions:
        kind = action["type"]
        if kind == "assign":
            tickets.assign(tx, actor, ticket.id, action["agent_id"])
        elif kind == "set_team":
            tickets.assign(tx, actor, ticket.id, ticket.assignee_id, team_id=action["team_id"])
        elif kind == "set_priority":
            tickets.update_ticket(tx, actor, ticket.id, {"priority": action["priority"]})
        elif kind == "set_status":
            tickets.update_ticket(tx, actor, ticket.id, {"status": action["status"]})
        elif kind in ("add_tags", "remove_tags"):
            current = set(ticket.tags)
            wanted = (
                current | set(action["tags"])
                if kind == "add_tags"
                else current - set(action["tags"])
            )
            tickets.update_ticket(tx, actor, ticket.id, {"tags": sorted(wanted)})
        elif kind == "send_reply":
            if actor == SYSTEM:
                send_automatic_reply(tx, ticket, action["text"])
            elif ticket.status != "closed":
                tickets.reply(tx, actor, ticket.id, render(action["text"], ticket, agent))
        elif kind == "add_note":
            tickets.add_note(tx, actor, ticket.id, render(action["text"], ticket, agent))
        elif kind == "notify":
            notify(tx, resolve_recipients(tx, ticket, action["to"]), ticket, "automation", source)
        elif kind == "webhook":
            tx.enqueue(
                "automation_webhook",
                {"url": action["url"], "ticket_id": ticket.id, "source": source},
                max_attempts=5,
            )
