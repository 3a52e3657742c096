"""Group commit: write actions from many callers share one transaction.

Every transaction pays a fixed price however little it writes: a session, BEGIN, the
write lock (on SQLite shared by every process of the host), the flush, COMMIT. On the
inbound path that price was as large as the work itself (a new ticket cost 2.1 ms of CPU
alone, 0.9 ms when 32 shared a transaction). So busy paths (tickets opened through the
API, chat messages, mail) hand their action to one writer thread per process, which runs
whatever is waiting in one transaction and answers every caller after the commit.

An action is a plain function that opens its transactions with `fd.transaction()` as
usual; run by the writer, those join the batch's transaction instead of committing alone.
So an action must not act outside the database after its transaction block (publish,
flag a mail on the server): in a batch its commit comes later. Its caller does that once
the future resolves, which happens only after the commit.

If any action of a batch fails, even one that caught its own exception, the batch is
rolled back and each action runs again alone: a failure stays with its own caller, and
nothing of a failed action is ever committed beside the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from frontdesk import metrics

if TYPE_CHECKING:
    from frontdesk.domain.tx import Tx
    from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)
T = TypeVar("T")

# A batch answers all its callers at once: larger batches save less and keep the first
# caller waiting longer.
MAX_BATCH = 32
# After a batch of several actions, writes count as busy this long (see `busy`).
BUSY_SECONDS = 1.0
# While busy, how long a batch waits for more actions after its first arrived.
LINGER_SECONDS = 0.002


@dataclass
class Batch:
    """The transaction a batch's actions share; `Frontdesk.transaction()` joins it."""

    session: Session
    txs: list[Tx] = field(default_factory=list)
    failed: bool = False


@dataclass
class _Unit:
    action: Callable[[], Any]
    future: Future[Any]


class GroupCommit:
    """One writer thread per process, started when the first action arrives."""

    def __init__(self, fd: Frontdesk, max_batch: int = MAX_BATCH) -> None:
        self.fd = fd
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Unit | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._busy_until = 0.0

    @property
    def busy(self) -> bool:
        """Whether actions have been queueing up for the writer lately (a burst of new
        tickets or messages): background work such as indexing then steps further back."""
        return time.monotonic() < self._busy_until

    def submit(self, action: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put(_Unit(action, future))
        if self._thread is None:
            self._start()
        return future

    async def run(self, action: Callable[[], T]) -> T:
        """Run `action` in a shared transaction; returns after its commit."""
        return await asyncio.wrap_future(self.submit(action))

    def call(self, action: Callable[[], T]) -> T:
        """Run `action` in a shared transaction and wait for its commit (from a thread)."""
        if threading.current_thread() is self._thread:
            return action()  # already inside a batch: join it rather than wait on ourselves
        return self.submit(action).result()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="frontdesk-group-commit", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            units = [first]
            # While busy, wait a moment for more: a transaction of one costs about twice
            # as much per action as one of eight (each commit writes its pages to the WAL).
            linger_until = time.monotonic() + LINGER_SECONDS if self.busy else 0.0
            while len(units) < self.max_batch:
                try:
                    wait = linger_until - time.monotonic()
                    unit = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if unit is None:
                    self._queue.put(None)  # stop after this batch
                    break
                units.append(unit)
            metrics.WRITE_BATCH_SIZE.observe(len(units))
            if len(units) > 1:
                self._busy_until = time.monotonic() + BUSY_SECONDS
            if len(units) == 1 or not self._together(units):
                for unit in units:
                    _alone(unit)

    def _together(self, units: list[_Unit]) -> bool:
        """Run all in one transaction and answer them; False (nothing committed, nobody
        answered) if any failed."""
        results: list[Any] = []
        try:
            with self.fd.write_session() as session:
                batch = Batch(session)
                self.fd.join_batch(batch)
                try:
                    for unit in units:
                        results.append(unit.action())
                        if batch.failed:
                            break
                finally:
                    self.fd.join_batch(None)
                if batch.failed:
                    raise _RollBack
        except _RollBack:
            return False
        except Exception:
            log.debug("a batch of %d failed; each runs alone", len(units), exc_info=True)
            return False
        # Callers first, then events: a chat connection then has its own message in hand
        # (sent with the ack) before the event about it arrives, and need not read it back.
        for unit, result in zip(units, results, strict=True):
            unit.future.set_result(result)
        self.fd.publish(batch.txs)
        return True


class _RollBack(Exception):
    pass


def _alone(unit: _Unit) -> None:
    try:
        result = unit.action()
    except BaseException as error:  # the caller gets it, whatever it is
        unit.future.set_exception(error)
    else:
        unit.future.set_result(result)
