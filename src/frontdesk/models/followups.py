"""Promises agents make, and the follow-up of tickets that wait for the customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base

PROMISE_STATES = ("open", "kept", "broken", "cancelled")
_OPEN = text("status = 'open'")


class Promise(Base):
    """ "I'll call you back tomorrow at 10:00": a record with an owner and a due instant."""

    __tablename__ = "promises"
    __table_args__ = (
        Index("ix_promises_ticket", "ticket_id", "id"),
        Index("ix_promises_open_due", "due_at", sqlite_where=_OPEN, postgresql_where=_OPEN),
        Index("ix_promises_owner_status", "owner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]
    remind_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None]
    created_at: Mapped[datetime]


class InboxFollowUpPolicy(Base):
    """For pending tickets of one inbox: nudge the customer after N days, solve after M more."""

    __tablename__ = "inbox_followup_policies"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    follow_up_after_days: Mapped[int]
    solve_after_days: Mapped[int]
    follow_up_text: Mapped[str] = mapped_column(Text)


class TicketFollowUp(Base):
    """Where a waiting ticket stands: pending since, nudged at, snoozed until."""

    __tablename__ = "ticket_followups"
    __table_args__ = (Index("ix_ticket_followups_wake", "wake_at"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    pending_since: Mapped[datetime]
    followed_up_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    # The next instant something is due for this ticket (nudge, solve, wake); the
    # minute sweep reads only rows whose time has come.
    wake_at: Mapped[datetime | None]
