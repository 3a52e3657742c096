"""Which targets apply to a ticket: ordered policies, first match wins, per-channel defaults
when none matches. Policies and their calendars are read once per process (ConfigCache)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.calendars import ALWAYS_OPEN, Calendar, CalendarError, parse_calendar
from frontdesk.config_cache import ConfigCache
from frontdesk.models import BusinessCalendar, SlaPolicy
from frontdesk.sla.defaults import DEFAULT_FIRST_RESPONSE, DEFAULT_WARN_PERCENTS

TEXT_CONDITIONS = ("channels", "priorities", "tiers", "tags")
ID_CONDITIONS = ("inbox_ids", "organization_ids")
CONDITIONS = (*TEXT_CONDITIONS, *ID_CONDITIONS)


@dataclass(frozen=True)
class TicketFacts:
    """What policies look at. organization_id and tier are None when no policy asks."""

    channel: str
    priority: str
    inbox_id: int
    tags: frozenset[str]
    organization_id: int | None = None
    tier: str | None = None


@dataclass(frozen=True)
class PolicyView:
    id: int | None  # None: the built-in default for a channel
    name: str
    position: int
    conditions: Mapping[str, frozenset[Any]]
    calendar: Calendar
    first_response: timedelta | None
    next_response: timedelta | None
    resolution: timedelta | None
    warn_percents: tuple[int, ...]
    escalation: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, facts: TicketFacts) -> bool:
        for name, allowed in self.conditions.items():
            if name == "tags":
                if not (allowed & facts.tags):
                    return False
                continue
            if _fact(facts, name) not in allowed:
                return False
        return True

    def covers(self, other: PolicyView) -> bool:
        """Whether every ticket `other` matches is matched by this one too, so `other`
        placed after this one could never apply."""
        for name, allowed in self.conditions.items():
            theirs = other.conditions.get(name)
            if theirs is None or not theirs <= allowed:
                return False
        return True


def _fact(facts: TicketFacts, condition: str) -> Any:
    return {
        "channels": facts.channel,
        "priorities": facts.priority,
        "tiers": facts.tier,
        "inbox_ids": facts.inbox_id,
        "organization_ids": facts.organization_id,
    }[condition]


@dataclass(frozen=True)
class PolicySet:
    policies: tuple[PolicyView, ...]
    by_id: Mapping[int, PolicyView]
    # Only then must the ticket's contact be read (an extra query on some paths).
    needs_contact: bool

    def for_ticket(self, facts: TicketFacts) -> PolicyView | None:
        for policy in self.policies:
            if policy.matches(facts):
                return policy
        return default_policy(facts.channel)


@lru_cache(maxsize=64)
def default_policy(channel: str) -> PolicyView | None:
    target = DEFAULT_FIRST_RESPONSE.get(channel)
    if target is None:
        return None
    return PolicyView(
        id=None,
        name=f"default for {channel}",
        position=-1,
        conditions={"channels": frozenset({channel})},
        calendar=ALWAYS_OPEN,
        first_response=target,
        next_response=None,
        resolution=None,
        warn_percents=DEFAULT_WARN_PERCENTS,
    )


def view_of(row: SlaPolicy, calendar: Calendar) -> PolicyView:
    return PolicyView(
        id=row.id,
        name=row.name,
        position=row.position,
        conditions={k: frozenset(v) for k, v in row.conditions.items()},
        calendar=calendar,
        first_response=_minutes(row.first_response_minutes),
        next_response=_minutes(row.next_response_minutes),
        resolution=_minutes(row.resolution_minutes),
        warn_percents=tuple(row.warn_percents),
        escalation=dict(row.escalation),
    )


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


def load_calendar(row: BusinessCalendar) -> Calendar:
    try:
        return parse_calendar(row.definition)
    except CalendarError:  # stored definitions were checked on the way in
        return ALWAYS_OPEN


def _load(session: Session) -> PolicySet:
    calendars = {row.id: load_calendar(row) for row in session.scalars(select(BusinessCalendar))}
    rows = session.scalars(
        select(SlaPolicy).where(SlaPolicy.is_active.is_(True)).order_by(SlaPolicy.position)
    )
    views = tuple(
        view_of(
            row, calendars.get(row.calendar_id, ALWAYS_OPEN) if row.calendar_id else ALWAYS_OPEN
        )
        for row in rows
    )
    return PolicySet(
        policies=views,
        by_id={v.id: v for v in views if v.id is not None},
        needs_contact=any(
            "organization_ids" in v.conditions or "tiers" in v.conditions for v in views
        ),
    )


POLICIES: ConfigCache[PolicySet] = ConfigCache(_load)
