"""The durable job queue lives in the application's own database.

A job is written in the same transaction as the change that causes it, so either both
exist or neither does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base

JOB_STATES = ("queued", "running", "done", "dead")
_PENDING = text("status IN ('queued', 'running')")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # Only unfinished jobs are indexed for claiming; finished ones cost the claim nothing.
        Index(
            "ix_jobs_claimable",
            "run_at",
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        ),
        Index("ix_jobs_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=10)
    run_at: Mapped[datetime]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
