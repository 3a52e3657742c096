"""Limits per visitor address, beside the per-connection ones (protocol.Limits): how many
chat connections one address holds open, and how many messages it sends a minute. One
script opening a thousand sockets, each polite on its own, is stopped here.

Counted in this process's memory, so with several processes each allows the limits; with
`FRONTDESK_REDIS_URL` set, the counts live in Redis and hold across processes. A process
that dies with sockets open leaves its connection count in Redis until the address has
opened no connection for `CONNECTION_TTL` seconds. When Redis cannot be reached, chats
go on unlimited by address (logged) rather than stop.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any, Protocol

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
CONNECTION_TTL = 600
MAX_ADDRESSES = 100_000


class IpLimits(Protocol):
    async def connect(self, address: str) -> bool:
        """Count a new connection; False (and not counted) when the address has too many."""
        ...

    async def disconnect(self, address: str) -> None: ...

    async def message(self, address: str) -> float:
        """Count a message: 0 when allowed, else the seconds until the window turns."""
        ...

    async def close(self) -> None: ...


def _window() -> tuple[int, float]:
    now = time.time()
    start = int(now // WINDOW_SECONDS)
    return start, (start + 1) * WINDOW_SECONDS - now


class MemoryIpLimits:
    def __init__(self, connections: int, messages_per_minute: int) -> None:
        self.max_connections = connections
        self.max_messages = messages_per_minute
        self._open: dict[str, int] = {}
        self._sent: dict[str, tuple[int, int]] = {}  # address → (window, messages in it)
        self._lock = threading.Lock()

    async def connect(self, address: str) -> bool:
        with self._lock:
            held = self._open.get(address, 0)
            if held >= self.max_connections:
                return False
            self._open[address] = held + 1
            return True

    async def disconnect(self, address: str) -> None:
        with self._lock:
            held = self._open.get(address, 0) - 1
            if held > 0:
                self._open[address] = held
            else:
                self._open.pop(address, None)

    async def message(self, address: str) -> float:
        window, left = _window()
        with self._lock:
            if len(self._sent) > MAX_ADDRESSES:
                # Only old windows are worth forgetting; a flood of addresses costs memory.
                self._sent = {a: c for a, c in self._sent.items() if c[0] == window}
            seen, count = self._sent.get(address, (window, 0))
            if seen != window:
                count = 0
            if count >= self.max_messages:
                return round(left, 2)
            self._sent[address] = (window, count + 1)
            return 0.0

    async def close(self) -> None:
        return None


class RedisIpLimits:
    def __init__(
        self, url: str, namespace: str, connections: int, messages_per_minute: int
    ) -> None:
        self.url = url
        self.prefix = f"frontdesk:chat-ip:{namespace}:"
        self.max_connections = connections
        self.max_messages = messages_per_minute
        self._client: Any = None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _redis(self) -> Any:
        if self._client is None:
            import redis.asyncio as aredis

            self._client = aredis.Redis.from_url(self.url)
        return self._client

    async def connect(self, address: str) -> bool:
        key = f"{self.prefix}open:{address}"
        try:
            async with self._redis().pipeline(transaction=True) as pipe:
                held, _ = await pipe.incr(key).expire(key, CONNECTION_TTL).execute()
            if int(held) > self.max_connections:
                await self._redis().decr(key)
                return False
        except Exception:
            log.exception("chat limits per address: Redis failed; allowing")
        return True

    async def disconnect(self, address: str) -> None:
        key = f"{self.prefix}open:{address}"
        try:
            if int(await self._redis().decr(key)) <= 0:
                await self._redis().delete(key)
        except Exception:
            log.exception("chat limits per address: Redis failed")

    async def message(self, address: str) -> float:
        window, left = _window()
        key = f"{self.prefix}sent:{window}:{address}"
        try:
            async with self._redis().pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(key).expire(key, WINDOW_SECONDS * 2).execute()
        except Exception:
            log.exception("chat limits per address: Redis failed; allowing")
            return 0.0
        return round(left, 2) if int(count) > self.max_messages else 0.0


def make_ip_limits(
    redis_url: str | None, database_url: str, connections: int, messages_per_minute: int
) -> IpLimits:
    if not redis_url:
        return MemoryIpLimits(connections, messages_per_minute)
    # Named after the database, as the event bus is: installations sharing a Redis server
    # count apart.
    namespace = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return RedisIpLimits(redis_url, namespace, connections, messages_per_minute)
