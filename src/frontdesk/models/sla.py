"""Business calendars, service-level policies, and the warnings and breaches they record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, JSONType

SLA_TARGETS = ("first_response", "next_response", "resolution")


class BusinessCalendar(Base):
    """Opening hours and holidays in one time zone; `definition` is the JSON that
    `frontdesk.calendars.parse_calendar` reads."""

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SlaPolicy(Base):
    """Targets for the tickets its conditions match. Policies are ordered by `position`;
    the first active one that matches a ticket applies."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(unique=True)
    # {"channels": [...], "priorities": [...], "inbox_ids": [...], "organization_ids": [...],
    #  "tiers": [...], "tags": [...]}: every listed condition must hold; a missing one is "any".
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # None: calendar time (24/7).
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_calendars.id", ondelete="RESTRICT")
    )
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    warn_percents: Mapped[list[int]] = mapped_column(JSONType, default=list)
    # {"notify": ["team_lead", "assignee", 7], "raise_priority": true,
    #  "reassign_agent_id": 3, "reassign_team_id": 2}
    escalation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SlaEvent(Base):
    """A warning or a breach, recorded once per ticket, target, kind, percent and due instant."""

    __tablename__ = "sla_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target", "kind", "percent", "due_at"),
        Index("ix_sla_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    policy_id: Mapped[int | None]
    target: Mapped[str] = mapped_column(String(32))  # one of SLA_TARGETS
    kind: Mapped[str] = mapped_column(String(16))  # "warning" or "breach"
    percent: Mapped[int]
    due_at: Mapped[datetime]
    at: Mapped[datetime]
