"""The running help desk: settings, database, clock, event bus and attachment store, and
the transaction boundary every domain action runs inside."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from sqlalchemy.orm import Session

from frontdesk import language, metrics
from frontdesk.clock import Clock, SystemClock
from frontdesk.config import Settings
from frontdesk.db.engine import make_engine, writer
from frontdesk.domain.attachments import AttachmentStore
from frontdesk.domain.tx import Tx
from frontdesk.group_commit import Batch, GroupCommit
from frontdesk.locks import WriteLock
from frontdesk.realtime.bus import EventBus, make_bus


class Frontdesk:
    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, bus: EventBus | None = None
    ) -> None:
        self.settings = settings
        self.engine = make_engine(settings.resolved_database_url, pool_size=settings.db_pool_size)
        self.write_engine = writer(self.engine)
        self.clock: Clock = clock or SystemClock()
        self.bus = bus or make_bus(
            settings.redis_url, settings.resolved_database_url, settings.data_dir / "run"
        )
        self.storage = AttachmentStore(settings.data_dir / "attachments")
        language.configure(settings.languages.split(","))
        self.secret_key = settings.resolved_secret_key()
        # Set after a commit that enqueued jobs, so in-process workers start at once.
        self.jobs_ready = threading.Event()
        self._write_lock = _write_lock(settings.resolved_database_url)
        # Busy write paths share transactions through this (see group_commit.py).
        self.writes = GroupCommit(self)
        self._batch = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Run one domain action: commit everything or nothing, then publish its events.

        Inside an action the group-commit writer runs, it joins that batch's transaction,
        which commits and publishes later, for the whole batch."""
        batch: Batch | None = getattr(self._batch, "current", None)
        if batch is not None:
            tx = Tx(session=batch.session, clock=self.clock, storage=self.storage)
            try:
                yield tx
                tx.write_audit()
            except BaseException:
                batch.failed = True  # even if the action catches it: see group_commit.py
                raise
            batch.txs.append(tx)
            return
        with self.write_session() as session:
            tx = Tx(session=session, clock=self.clock, storage=self.storage)
            yield tx
            tx.write_audit()
        self.publish([tx])

    def join_batch(self, batch: Batch | None) -> None:
        """Make this thread's `transaction()` calls join `batch` (None: stop)."""
        self._batch.current = batch

    def publish(self, txs: list[Tx]) -> None:
        """Publish committed transactions' events, and wake the workers for their jobs."""
        for tx in txs:
            for event in tx.events:
                metrics.EVENTS_PUBLISHED.labels(event.type).inc()
                self.bus.publish(event)
        if any(tx.jobs_enqueued for tx in txs):
            self.jobs_ready.set()

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A session in a write transaction, committed on success.

        On SQLite, writers of every process on the database queue on a lock here rather
        than in SQLite's busy handler (see locks.WriteLock).
        """
        with (
            self._write_lock,
            Session(self.write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """Run read-only domain functions; nothing is committed, nothing is published."""
        # Closing the session rolls back whatever it began.
        with Session(self.engine) as session:
            yield Tx(session=session, clock=self.clock, storage=self.storage)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session: on SQLite it never takes the write lock."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def close(self) -> None:
        self.writes.close()
        self.bus.close()
        self.engine.dispose()


def _write_lock(database_url: str) -> AbstractContextManager[object]:
    if not database_url.startswith("sqlite"):
        return nullcontext()
    path = database_url.partition(":///")[2]
    if not path or path == ":memory:":
        return threading.RLock()
    return WriteLock(Path(path + "-writelock"))
