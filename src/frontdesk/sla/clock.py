"""The due times a ticket's facts give under a policy. No I/O: the same function serves
the inbound hook, the minute sweep and the bulk recompute.

Three clocks, each started and stopped by what happens on the ticket:
- first response: from creation until the first public agent reply;
- next response: from a customer message that follows an agent reply, until the next one;
- resolution: from creation until solved.
Time spent pending, on hold or solved does not count (`sla_paused_seconds`, in the policy's
business time); while paused no clock runs and no due time is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from frontdesk.calendars import add_business_time
from frontdesk.sla.policies import PolicyView

# The clock stops in these states; the customer writing (or an agent reopening) restarts it.
PAUSED_STATUSES = ("pending", "on_hold", "solved", "closed")


@dataclass(frozen=True)
class ClockFacts:
    status: str
    created_at: datetime
    first_response_at: datetime | None
    last_customer_message_at: datetime | None
    last_agent_message_at: datetime | None
    paused_seconds: int


@dataclass(frozen=True)
class Alert:
    at: datetime
    target: str  # first_response, next_response, resolution
    kind: str  # warning, breach
    percent: int
    due_at: datetime


@dataclass(frozen=True)
class Clocks:
    first_response_due: datetime | None = None
    next_response_due: datetime | None = None
    resolution_due: datetime | None = None
    alerts: tuple[Alert, ...] = ()

    @property
    def next_alert_at(self) -> datetime | None:
        return min((a.at for a in self.alerts), default=None)


STOPPED = Clocks()


def compute(policy: PolicyView | None, facts: ClockFacts) -> Clocks:
    if policy is None or facts.status in PAUSED_STATUSES:
        return STOPPED
    paused = timedelta(seconds=facts.paused_seconds)
    running: list[tuple[str, datetime, timedelta, timedelta]] = []
    if policy.first_response is not None and facts.first_response_at is None:
        running.append(("first_response", facts.created_at, paused, policy.first_response))
    if (
        policy.next_response is not None
        and facts.first_response_at is not None
        and facts.last_customer_message_at is not None
        and (
            facts.last_agent_message_at is None
            or facts.last_customer_message_at > facts.last_agent_message_at
        )
    ):
        start = facts.last_customer_message_at
        running.append(("next_response", start, timedelta(0), policy.next_response))
    if policy.resolution is not None:
        running.append(("resolution", facts.created_at, paused, policy.resolution))
    dues: dict[str, datetime] = {}
    alerts: list[Alert] = []
    calendar = policy.calendar
    for target, start, extra, budget in running:
        due = add_business_time(calendar, start, extra + budget)
        dues[target] = due
        for percent in policy.warn_percents:
            at = add_business_time(calendar, start, extra + budget * percent / 100)
            alerts.append(Alert(at, target, "warning", percent, due))
        alerts.append(Alert(due, target, "breach", 100, due))
    return Clocks(
        first_response_due=dues.get("first_response"),
        next_response_due=dues.get("next_response"),
        resolution_due=dues.get("resolution"),
        alerts=tuple(sorted(alerts, key=lambda a: a.at)),
    )
