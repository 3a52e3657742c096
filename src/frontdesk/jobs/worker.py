"""Workers run jobs: in threads inside `frontdesk serve`, or alone as `frontdesk worker`."""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid

from frontdesk import metrics
from frontdesk.jobs import queue
from frontdesk.jobs.handlers import PermanentFailure, handler_for
from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, fd: Frontdesk, name: str | None = None) -> None:
        self.fd = fd
        self.id = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()

    def run_once(self) -> bool:
        """Run one due job if there is one; returns whether a job ran."""
        job = queue.claim(self.fd, self.id)
        if job is None:
            return False
        try:
            handler_for(job.kind)(self.fd, job)
        except Exception as exc:
            permanent = isinstance(exc, PermanentFailure)
            status = queue.fail(
                self.fd,
                job,
                self.id,
                "".join(traceback.format_exception_only(exc)).strip(),
                permanent=permanent,
            )
            metrics.JOBS.labels(job.kind, "dead" if status == "dead" else "retry").inc()
            log.warning("job %s (%s) failed, now %s: %s", job.id, job.kind, status, exc)
        else:
            queue.complete(self.fd, job, self.id)
            metrics.JOBS.labels(job.kind, "done").inc()
        return True

    def run_until_idle(self, limit: int = 10_000) -> int:
        """Run due jobs until none is left (tests and the CLI's one-shot mode)."""
        ran = 0
        while ran < limit and self.run_once():
            ran += 1
        return ran

    def run_forever(self) -> None:
        while not self.stopping.is_set():
            try:
                if self.run_once():
                    continue
            except Exception:
                log.exception("worker %s could not reach the job queue", self.id)
            # Sleep until the poll interval passes or this process enqueues something.
            self.fd.jobs_ready.wait(self.fd.settings.job_poll_seconds)
            self.fd.jobs_ready.clear()

    def stop(self) -> None:
        """Finish the job in hand, then return (graceful drain on SIGTERM)."""
        self.stopping.set()
        self.fd.jobs_ready.set()


class WorkerPool:
    def __init__(self, fd: Frontdesk, size: int) -> None:
        self.workers = [Worker(fd) for _ in range(size)]
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for worker in self.workers:
            thread = threading.Thread(
                target=worker.run_forever, name=f"worker-{worker.id}", daemon=True
            )
            thread.start()
            self.threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        for worker in self.workers:
            worker.stop()
        for thread in self.threads:
            thread.join(timeout)
