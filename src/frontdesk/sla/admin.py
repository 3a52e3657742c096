"""Admin actions on calendars and SLA policies. A change is checked against the whole set
(no policy may hide another), drops the per-process cache and schedules a recompute of
every unsolved ticket's due times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from frontdesk.calendars import (
    Calendar,
    CalendarError,
    add_business_time,
    business_time_between,
    parse_calendar,
)
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Conflict, Invalid, NotFound
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import PRIORITIES, Agent, BusinessCalendar, SlaPolicy, Team
from frontdesk.sla.policies import CONDITIONS, ID_CONDITIONS, POLICIES, load_calendar, view_of

if TYPE_CHECKING:
    from frontdesk.jobs.queue import ClaimedJob
    from frontdesk.runtime import Frontdesk

MAX_TARGET_MINUTES = 366 * 24 * 60
POLICY_FIELDS = (
    "name",
    "position",
    "conditions",
    "calendar_id",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "warn_percents",
    "escalation",
    "is_active",
)


def checked_calendar(definition: Any) -> Calendar:
    try:
        return parse_calendar(definition)
    except CalendarError as exc:
        raise Invalid(
            f"definition.{exc.field}" if exc.field != "calendar" else "definition", exc.reason
        ) from None


def save_calendar(
    tx: Tx, actor: Actor, fields: dict[str, Any], calendar_id: int | None = None
) -> BusinessCalendar:
    actor.require_agent("admin")
    now = tx.now()
    row = _calendar(tx, calendar_id) if calendar_id is not None else None
    name = fields.get("name", row.name if row else "")
    name = check_text(name or "", "name", max_length=100).strip()
    if not name:
        raise Invalid("name", "must not be empty")
    definition = checked_calendar(
        fields.get("definition", row.definition if row else None)
    ).as_json()
    if row is None:
        row = BusinessCalendar(name=name, definition=definition, created_at=now, updated_at=now)
        tx.session.add(row)
        action = "calendar.created"
    else:
        row.name, row.definition, row.updated_at = name, definition, now
        action = "calendar.updated"
    try:
        with tx.session.begin_nested():
            tx.session.flush()
    except IntegrityError:
        raise Conflict(f"a calendar named {name!r} exists") from None
    tx.audit(actor, action, "calendar", row.id, {"name": [None, name]})
    _changed(tx)
    return row


def delete_calendar(tx: Tx, actor: Actor, calendar_id: int) -> None:
    actor.require_agent("admin")
    row = _calendar(tx, calendar_id)
    users = list(tx.session.scalars(select(SlaPolicy.name).where(SlaPolicy.calendar_id == row.id)))
    if users:
        raise Conflict(f"calendar {row.name!r} is used by policy {users[0]!r}")
    tx.session.delete(row)
    tx.audit(actor, "calendar.deleted", "calendar", calendar_id, {"name": [row.name, None]})
    _changed(tx)


def _calendar(tx: Tx, calendar_id: int) -> BusinessCalendar:
    row = tx.session.get(BusinessCalendar, calendar_id)
    if row is None:
        raise NotFound(f"calendar {calendar_id} not found")
    return row


def preview(
    tx: Tx, definition: Any, calendar_id: int | None, start: datetime, minutes: int
) -> dict[str, Any]:
    """When N business minutes after `start` fall due, with the instant in the calendar's
    own time zone, so an admin can check "a chat at Friday 17:55 in Riga is due when?"."""
    if (definition is None) == (calendar_id is None):
        raise Invalid("calendar", "give either a calendar definition or a calendar_id")
    calendar = (
        load_calendar(_calendar(tx, calendar_id))
        if calendar_id is not None
        else checked_calendar(definition)
    )
    if start.tzinfo is None:
        raise Invalid("start", "needs a time zone offset, such as 2026-11-20T17:55:00+02:00")
    try:
        due = add_business_time(calendar, start, timedelta(minutes=minutes))
    except CalendarError as exc:
        raise Invalid(f"definition.{exc.field}", exc.reason) from None
    local = due.astimezone(calendar.zone)
    return {
        "due_at": due,
        "due_local": local.isoformat(),
        "time_zone": calendar.time_zone,
        "calendar_minutes": int((due - start).total_seconds() // 60),
        "business_minutes": int(business_time_between(calendar, start, due).total_seconds() // 60),
    }


# ---- policies -------------------------------------------------------------------------


def save_policy(
    tx: Tx, actor: Actor, fields: dict[str, Any], policy_id: int | None = None
) -> SlaPolicy:
    actor.require_agent("admin")
    row = tx.session.get(SlaPolicy, policy_id) if policy_id is not None else None
    if policy_id is not None and row is None:
        raise NotFound(f"SLA policy {policy_id} not found")
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise Invalid(sorted(unknown)[0], "is not part of an SLA policy")
    current = {k: getattr(row, k) for k in POLICY_FIELDS} if row else {}
    data = _checked_policy(tx, {**current, **fields})
    now = tx.now()
    if row is None:
        row = SlaPolicy(created_at=now, updated_at=now, **data)
        tx.session.add(row)
    else:
        for key, value in data.items():
            setattr(row, key, value)
        row.updated_at = now
    _check_order(tx, row)
    try:
        with tx.session.begin_nested():
            tx.session.flush()
    except IntegrityError:
        raise Conflict(
            f"another policy is named {data['name']!r} or holds position {data['position']}"
        ) from None
    changes = {k: [current.get(k), v] for k, v in data.items() if current.get(k) != v}
    tx.audit(
        actor,
        "sla_policy.updated" if current else "sla_policy.created",
        "sla_policy",
        row.id,
        changes,
    )
    _changed(tx)
    return row


def delete_policy(tx: Tx, actor: Actor, policy_id: int) -> None:
    actor.require_agent("admin")
    row = tx.session.get(SlaPolicy, policy_id)
    if row is None:
        raise NotFound(f"SLA policy {policy_id} not found")
    tx.session.delete(row)
    tx.audit(actor, "sla_policy.deleted", "sla_policy", policy_id, {"name": [row.name, None]})
    _changed(tx)


def _checked_policy(tx: Tx, fields: dict[str, Any]) -> dict[str, Any]:
    name = check_text(fields.get("name") or "", "name", max_length=100).strip()
    if not name:
        raise Invalid("name", "must not be empty")
    position = fields.get("position")
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise Invalid("position", "must be a whole number, 0 or more (lower runs first)")
    conditions = _conditions(fields.get("conditions") or {})
    calendar_id = fields.get("calendar_id")
    if calendar_id is not None:
        _calendar(tx, calendar_id)
    targets = {}
    for key in ("first_response_minutes", "next_response_minutes", "resolution_minutes"):
        value = fields.get(key)
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= MAX_TARGET_MINUTES
        ):
            raise Invalid(key, f"must be from 1 to {MAX_TARGET_MINUTES} minutes")
        targets[key] = value
    if all(v is None for v in targets.values()):
        raise Invalid("first_response_minutes", "a policy needs at least one target")
    warn = fields.get("warn_percents")
    warn = [75, 90] if warn is None else warn
    if (
        not isinstance(warn, list)
        or any(isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= 99 for p in warn)
        or warn != sorted(set(warn))
    ):
        raise Invalid("warn_percents", "must be increasing whole percentages from 1 to 99")
    return {
        "name": name,
        "position": position,
        "conditions": conditions,
        "calendar_id": calendar_id,
        **targets,
        "warn_percents": warn,
        "escalation": _escalation(tx, fields.get("escalation") or {}),
        "is_active": bool(fields.get("is_active", True)),
    }


def _conditions(raw: Any) -> dict[str, list[Any]]:
    if not isinstance(raw, dict):
        raise Invalid("conditions", "must be an object")
    result: dict[str, list[Any]] = {}
    for key, values in raw.items():
        where = f"conditions.{key}"
        if key not in CONDITIONS:
            raise Invalid(where, f"unknown condition; known: {', '.join(CONDITIONS)}")
        if not isinstance(values, list) or not values:
            raise Invalid(where, "must be a non-empty list (leave the condition out to match any)")
        if key in ID_CONDITIONS:
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                raise Invalid(where, "must list ids")
        else:
            if not all(isinstance(v, str) and v.strip() for v in values):
                raise Invalid(where, "must list names")
            values = sorted(
                {check_text(v, where, max_length=64).strip().casefold() for v in values}
            )
        if key == "priorities" and set(values) - set(PRIORITIES):
            raise Invalid(where, f"priorities are {', '.join(PRIORITIES)}")
        result[key] = sorted(set(values))
    return result


def _escalation(tx: Tx, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or set(raw) - {
        "notify",
        "raise_priority",
        "reassign_agent_id",
        "reassign_team_id",
    }:
        raise Invalid(
            "escalation", "takes notify, raise_priority, reassign_agent_id, reassign_team_id"
        )
    notify = raw.get("notify", [])
    if not isinstance(notify, list) or not all(
        v in ("assignee", "team_lead") or (isinstance(v, int) and not isinstance(v, bool))
        for v in notify
    ):
        raise Invalid("escalation.notify", 'must list "assignee", "team_lead" or agent ids')
    agent_id = raw.get("reassign_agent_id")
    if agent_id is not None:
        agent = tx.session.get(Agent, agent_id) if isinstance(agent_id, int) else None
        if agent is None or not agent.is_active or agent.role == "light_agent":
            raise Invalid("escalation.reassign_agent_id", f"agent {agent_id!r} cannot own tickets")
    team_id = raw.get("reassign_team_id")
    if team_id is not None and (
        not isinstance(team_id, int) or tx.session.get(Team, team_id) is None
    ):
        raise Invalid("escalation.reassign_team_id", f"team {team_id!r} does not exist")
    return {k: v for k, v in raw.items() if v is not None}


def _check_order(tx: Tx, changed: SlaPolicy) -> None:
    """Refuse a set of active policies in which one can never apply, because an earlier
    one matches every ticket it would match (first match wins)."""
    with tx.session.no_autoflush:  # `changed` is checked before it is written
        rows = [r for r in tx.session.scalars(select(SlaPolicy)) if r is not changed]
    rows = sorted((r for r in [*rows, changed] if r.is_active), key=lambda r: r.position)
    same = [r for r in rows if r is not changed and r.position == changed.position]
    if same:
        raise Conflict(f"position {changed.position} is taken by policy {same[0].name!r}")
    from frontdesk.calendars import ALWAYS_OPEN

    views = [(r, view_of(r, ALWAYS_OPEN)) for r in rows]
    for i, (early, early_view) in enumerate(views):
        for late, late_view in views[i + 1 :]:
            if (early is changed or late is changed) and early_view.covers(late_view):
                raise Conflict(
                    f"policy {late.name!r} (position {late.position}) could never apply: "
                    f"policy {early.name!r} (position {early.position}) comes first and "
                    f"matches every ticket it matches"
                )


def _changed(tx: Tx) -> None:
    POLICIES.changed(tx.session)
    tx.enqueue("sla_recompute", {})


def recompute_job(fd: Frontdesk, job: ClaimedJob) -> None:
    from frontdesk.sla.recompute import recompute_open_tickets

    recompute_open_tickets(fd)
