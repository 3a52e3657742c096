"""Claiming, finishing and retrying jobs.

A claim is one UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) … RETURNING: on
PostgreSQL several workers never take the same job; on SQLite the write lock serialises
claims. A claimed job holds a lease: if its worker dies (even by SIGKILL) the lease runs
out and another worker runs it again, so handlers must be safe to repeat.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.orm import Session

from frontdesk.models import Job
from frontdesk.runtime import Frontdesk

_UNFINISHED = text("status IN ('queued', 'running')")  # matches the partial index
RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 3600.0


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int

    @property
    def is_last_attempt(self) -> bool:
        return self.attempts >= self.max_attempts


def claim(fd: Frontdesk, worker_id: str) -> ClaimedJob | None:
    now = fd.clock.now()
    due = (
        select(Job.id)
        .where(
            _UNFINISHED,
            or_(
                and_(Job.status == "queued", Job.run_at <= now),
                and_(Job.status == "running", Job.locked_until < now),
            ),
        )
        .order_by(Job.run_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    with fd.write_session() as session:
        row = session.execute(
            update(Job)
            .where(Job.id == due)
            .values(
                status="running",
                attempts=Job.attempts + 1,
                locked_by=worker_id,
                locked_until=now + timedelta(seconds=fd.settings.job_lease_seconds),
            )
            .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
            .execution_options(synchronize_session=False)
        ).first()
    if row is None:
        return None
    return ClaimedJob(row.id, row.kind, row.payload, row.attempts, row.max_attempts)


def complete(fd: Frontdesk, job: ClaimedJob, worker_id: str) -> None:
    with fd.write_session() as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id, Job.locked_by == worker_id, Job.status == "running")
            .values(status="done", finished_at=fd.clock.now(), locked_by=None, locked_until=None)
        )


def fail(fd: Frontdesk, job: ClaimedJob, worker_id: str, error: str, *, permanent: bool) -> str:
    """Record a failure; returns the job's new status (queued for a retry, or dead)."""
    now = fd.clock.now()
    dead = permanent or job.is_last_attempt
    values: dict[str, Any] = {"last_error": error[:4000], "locked_by": None, "locked_until": None}
    if dead:
        values.update(status="dead", finished_at=now)
    else:
        values.update(status="queued", run_at=now + retry_delay(job.attempts))
    with fd.write_session() as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id, Job.locked_by == worker_id, Job.status == "running")
            .values(**values)
        )
    return "dead" if dead else "queued"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter, so a receiver that comes back is not stampeded."""
    seconds = min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_CAP_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def retry_dead(fd: Frontdesk, job_id: int) -> bool:
    """Give a dead job a fresh set of attempts; an admin does this once the cause is fixed."""
    with fd.write_session() as session:
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "dead")
            .values(status="queued", attempts=0, run_at=fd.clock.now(), finished_at=None)
        )
    fd.jobs_ready.set()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
    found = {status: count for status, count in rows}
    return {status: found.get(status, 0) for status in ("queued", "running", "done", "dead")}
