"""Creating, changing and deleting triggers, time rules and macros; applying a macro."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from frontdesk.automation.engine import TRIGGERS
from frontdesk.automation.rules import (
    HOUR_FIELDS,
    apply,
    check_actions,
    check_conditions,
    check_no_self_trigger,
)
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Conflict, Invalid, NotFound
from frontdesk.domain.text import check_text
from frontdesk.domain.tickets import get_ticket
from frontdesk.domain.tx import Tx
from frontdesk.models import Macro, Ticket, TimeRule, Trigger
from frontdesk.models.automation import TRIGGER_EVENTS

Rule = TypeVar("Rule", Trigger, TimeRule, Macro)
KINDS: dict[str, type[Trigger] | type[TimeRule] | type[Macro]] = {
    "trigger": Trigger,
    "time_rule": TimeRule,
    "macro": Macro,
}


def save(
    tx: Tx, actor: Actor, kind: str, fields: dict[str, Any], rule_id: int | None = None
) -> Any:
    """Create (rule_id None) or change a trigger, time rule or macro, checked as a whole."""
    actor.require_agent("admin")
    model = KINDS[kind]
    row: Any = None
    if rule_id is not None:
        row = tx.session.get(model, rule_id)
        if row is None:
            raise NotFound(f"{kind.replace('_', ' ')} {rule_id} not found")
        current = {
            k: getattr(row, k)
            for k in ("name", "event", "position", "conditions", "actions", "is_active")
            if hasattr(row, k)
        }
        fields = {**current, **fields}
    data = _checked(tx, kind, fields)
    now = tx.now()
    before = {} if row is None else {k: getattr(row, k) for k in data}
    if row is None:
        row = model(created_at=now, updated_at=now, **data)
        tx.session.add(row)
    else:
        for key, value in data.items():
            setattr(row, key, value)
        row.updated_at = now
    try:
        with tx.session.begin_nested():
            tx.session.flush()
    except IntegrityError:
        raise Conflict(f"a {kind.replace('_', ' ')} named {data['name']!r} exists") from None
    changes = {k: [before.get(k), v] for k, v in data.items() if before.get(k) != v}
    tx.audit(actor, f"{kind}.{'updated' if before else 'created'}", kind, row.id, changes)
    if kind == "trigger":
        TRIGGERS.changed(tx.session)
    return row


def _checked(tx: Tx, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    allowed = {
        "trigger": {"name", "event", "position", "conditions", "actions", "is_active"},
        "time_rule": {"name", "conditions", "actions", "is_active"},
        "macro": {"name", "actions"},
    }[kind]
    unknown = set(fields) - allowed
    if unknown:
        raise Invalid(sorted(unknown)[0], f"is not part of a {kind.replace('_', ' ')}")
    name = check_text(fields.get("name") or "", "name", max_length=100).strip()
    if not name:
        raise Invalid("name", "must not be empty")
    data: dict[str, Any] = {"name": name, "actions": check_actions(tx, fields.get("actions"))}
    if kind == "trigger":
        event = fields.get("event")
        if event not in TRIGGER_EVENTS:
            raise Invalid("event", f"must be one of {', '.join(TRIGGER_EVENTS)}")
        conditions = check_conditions(
            fields.get("conditions") or [],
            allow_changes=event == "ticket.updated",
            allow_hours=False,
        )
        check_no_self_trigger(name, event, conditions, data["actions"])
        position = fields.get("position", 0)
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise Invalid("position", "must be a whole number, 0 or more")
        data.update(
            event=event,
            conditions=conditions,
            position=position,
            is_active=bool(fields.get("is_active", True)),
        )
    elif kind == "time_rule":
        conditions = check_conditions(
            fields.get("conditions") or [], allow_changes=False, allow_hours=True
        )
        if not any(c["field"] in HOUR_FIELDS for c in conditions):
            raise Invalid(
                "conditions",
                "a time rule needs a time condition (such as hours_since_updated greater_than 72), "
                "or it would act on every ticket at once",
            )
        data.update(conditions=conditions, is_active=bool(fields.get("is_active", True)))
    return data


def delete(tx: Tx, actor: Actor, kind: str, rule_id: int) -> None:
    actor.require_agent("admin")
    row = tx.session.get(KINDS[kind], rule_id)
    if row is None:
        raise NotFound(f"{kind.replace('_', ' ')} {rule_id} not found")
    tx.session.delete(row)
    tx.audit(actor, f"{kind}.deleted", kind, rule_id, {"name": [getattr(row, "name", None), None]})
    if kind == "trigger":
        TRIGGERS.changed(tx.session)


def list_rules(tx: Tx, kind: str) -> list[Any]:
    model = KINDS[kind]
    return list(tx.session.scalars(select(model).order_by(model.id)))


def get_rule(tx: Tx, kind: str, rule_id: int) -> Any:
    row = tx.session.get(KINDS[kind], rule_id)
    if row is None:
        raise NotFound(f"{kind.replace('_', ' ')} {rule_id} not found")
    return row


def apply_macro(tx: Tx, actor: Actor, macro_id: int, ticket_id: int) -> Ticket:
    """Several actions in one click, as the agent who clicked (their name in the audit
    trail, their reply counting as a response)."""
    actor.require_agent("admin", "agent")
    macro = get_rule(tx, "macro", macro_id)
    ticket = get_ticket(tx, actor, ticket_id)
    tx.audit(
        actor, "macro.applied", "macro", macro.id, {"name": [None, macro.name]}, ticket=ticket.id
    )
    apply(tx, actor, ticket, list(macro.actions), source=f"macro {macro.name}")
    return ticket
