"""Settings read on every message (SLA policies, calendars, routing, triggers), kept per
process and per database so that the inbound path does not query them each time.

A change made in this process drops the entry when its transaction commits; changes made
by other processes show once the entry is older than `ttl` seconds.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

T = TypeVar("T")
DEFAULT_TTL_SECONDS = 10.0


class ConfigCache(Generic[T]):
    def __init__(self, load: Callable[[Session], T], ttl: float = DEFAULT_TTL_SECONDS) -> None:
        self._load = load
        self._ttl = ttl
        # Keyed by the connection pool: one per database per Frontdesk, gone with it.
        self._entries: weakref.WeakKeyDictionary[Any, tuple[float, T]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, session: Session) -> T:
        key = _pool(session)
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and time.monotonic() - hit[0] < self._ttl:
            return hit[1]
        loaded_at = time.monotonic()
        value = self._load(session)
        with self._lock:
            self._entries[key] = (loaded_at, value)
        return value

    def changed(self, session: Session) -> None:
        """Drop the entry now, and again when this transaction commits, so that no reader
        keeps what was loaded between the two."""
        key = _pool(session)
        self._forget(key)
        event.listen(session, "after_commit", lambda _s: self._forget(key), once=True)

    def _forget(self, key: Any) -> None:
        with self._lock:
            self._entries.pop(key, None)


def _pool(session: Session) -> Any:
    bind = session.get_bind()
    return bind.pool if isinstance(bind, Engine) else bind.engine.pool
