"""The minute tick: one job that runs every scheduled sweep and enqueues its successor.

Each sweep is its own transaction, so one failing does not hold back the others, and each
reads only rows whose time has come (indexed `…_at <= now` ranges). `ensure_minute_tick`
is called where workers start; a tick that finds another one already queued does not add
a third, so several processes starting together settle on one chain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from frontdesk.domain.tx import Tx
from frontdesk.models import Job

if TYPE_CHECKING:
    from frontdesk.jobs.queue import ClaimedJob
    from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)
KIND = "minute_tick"
INTERVAL = timedelta(minutes=1)


def _sweeps() -> list[tuple[str, Callable[[Tx], int]]]:
    from frontdesk.automation.time_rules import run_time_rules
    from frontdesk.promises import followups, records
    from frontdesk.routing.assignment import drain_queue
    from frontdesk.sla.sweep import sweep as sla_sweep

    return [
        ("sla", sla_sweep),
        ("promises", records.sweep),
        ("follow-ups", followups.sweep),
        ("time rules", run_time_rules),
        ("routing queue", drain_queue),
    ]


def run_sweeps(fd: Frontdesk) -> dict[str, int]:
    """Every sweep once, now. Tests call this after moving the clock."""
    done: dict[str, int] = {}
    for name, sweep in _sweeps():
        try:
            with fd.transaction() as tx:
                done[name] = sweep(tx)
        except Exception:
            log.exception("the %s sweep failed; the next tick tries again", name)
            done[name] = -1
    return done


def minute_tick(fd: Frontdesk, job: ClaimedJob) -> None:
    run_sweeps(fd)
    ensure_minute_tick(fd, exclude=job.id)


def ensure_minute_tick(fd: Frontdesk, exclude: int | None = None) -> None:
    with fd.transaction() as tx:
        query = select(Job.id).where(Job.kind == KIND, Job.status.in_(("queued", "running")))
        if exclude is not None:
            query = query.where(Job.id != exclude)
        if tx.session.scalar(query.limit(1)) is None:
            tx.enqueue(KIND, {}, run_at=tx.now() + INTERVAL, max_attempts=3)
