"""Triggers (on events), time rules (every minute) and macros (one click, several actions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, JSONType

TRIGGER_EVENTS = ("ticket.created", "ticket.updated", "message.received")


class Trigger(Base):
    __tablename__ = "triggers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    event: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
    conditions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    actions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TimeRule(Base):
    """Checked every minute against unsolved tickets; fires once per ticket."""

    __tablename__ = "time_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    conditions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    actions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TimeRuleRun(Base):
    __tablename__ = "time_rule_runs"

    rule_id: Mapped[int] = mapped_column(
        ForeignKey("time_rules.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[datetime]


class Macro(Base):
    __tablename__ = "macros"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    actions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
