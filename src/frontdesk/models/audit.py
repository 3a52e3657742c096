"""Who changed what, when, from which value to which."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_entity", "entity_type", "entity_id", "id"),
        Index("ix_audit_entries_ticket", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_type: Mapped[str] = mapped_column(String(16))  # agent, contact, system
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    # Set for anything that belongs on a ticket's timeline.
    ticket_id: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
