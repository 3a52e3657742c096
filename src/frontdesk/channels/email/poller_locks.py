"""Which host polls which IMAP inbox, when several share one PostgreSQL database.

On one host the channel services run in one process (channels/services.py, a file lock),
so each inbox has one poller there. Hosts do not share that file: on PostgreSQL each
poller also holds a session-level advisory lock on its inbox. Only the holder polls; the
others try again every `STANDBY_SECONDS`. A host that dies loses its database session and
with it its locks, so another takes the inbox over.

All of a process's inbox locks live on one dedicated connection (outside the pool, so a
lock can never ride along with a pooled connection into other work). When that
connection breaks, every poller of the process stops polling until it holds its lock
again; `holds()` notices within `CHECK_SECONDS`.

On SQLite nothing more is needed: the database is a file on one host (SQLite's locking
cannot be trusted on network file systems), so the file lock already covers every
process that can reach it.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

STANDBY_SECONDS = 5.0  # how often a poller without its inbox's lock tries again
CHECK_SECONDS = 1.0  # how stale the "this connection is alive" answer may be
# pg_try_advisory_lock(namespace, inbox id): the first key keeps our locks apart from
# others' on the same database ("FDIM").
NAMESPACE = 0x4644494D


class InboxLocks:
    """The inbox locks of one process. Thread-safe; every poller thread uses the same."""

    def __init__(self, engine: Engine) -> None:
        self.postgres = engine.dialect.name == "postgresql"
        self._engine = (
            create_engine(engine.url, poolclass=NullPool, pool_pre_ping=False)
            if self.postgres
            else None
        )
        self._mutex = threading.Lock()
        self._connection: Connection | None = None
        self._held: dict[int, object] = {}  # inbox id → the poller holding it
        self._checked_at = 0.0

    def take(self, inbox_id: int, owner: object) -> bool:
        """Whether `owner` (a poller) now holds the inbox (False: another poller polls it,
        here or on another host, or the database cannot be asked)."""
        if self._engine is None:
            return True
        with self._mutex:
            if inbox_id in self._held and self._alive():
                # PostgreSQL would grant the same session the lock again: decide here.
                return self._held[inbox_id] is owner
            try:
                connection = self._connect()
                got = connection.scalar(
                    text("SELECT pg_try_advisory_lock(:namespace, :inbox)"),
                    {"namespace": NAMESPACE, "inbox": inbox_id},
                )
            except Exception as exc:
                log.warning("IMAP inbox %s: cannot take its polling lock: %r", inbox_id, exc)
                self._drop()
                return False
            if got:
                self._held[inbox_id] = owner
            return bool(got)

    def holds(self, inbox_id: int, owner: object) -> bool:
        """Whether the lock `owner` took is still held (its connection alive)."""
        if self._engine is None:
            return True
        with self._mutex:
            return self._held.get(inbox_id) is owner and self._alive()

    def give_back(self, inbox_id: int, owner: object) -> None:
        if self._engine is None:
            return
        with self._mutex:
            if self._held.get(inbox_id) is not owner or self._connection is None:
                return
            del self._held[inbox_id]
            try:
                self._connection.scalar(
                    text("SELECT pg_advisory_unlock(:namespace, :inbox)"),
                    {"namespace": NAMESPACE, "inbox": inbox_id},
                )
            except Exception:
                self._drop()  # closing the session gives back every lock on it

    def close(self) -> None:
        if self._engine is None:
            return
        with self._mutex:
            self._drop()
        self._engine.dispose()

    def _connect(self) -> Connection:
        if self._connection is None:
            assert self._engine is not None
            self._connection = self._engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
            self._held.clear()
            self._checked_at = time.monotonic()
        return self._connection

    def _alive(self) -> bool:
        if self._connection is None:
            return False
        if time.monotonic() - self._checked_at < CHECK_SECONDS:
            return True
        try:
            self._connection.scalar(text("SELECT 1"))
        except Exception as exc:
            log.warning("IMAP pollers: the connection holding the polling locks broke: %r", exc)
            self._drop()
            return False
        self._checked_at = time.monotonic()
        return True

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except Exception:
                log.debug("closing the polling lock connection failed", exc_info=True)
        self._connection = None
        self._held.clear()
