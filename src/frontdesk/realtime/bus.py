"""The event bus. publish() is synchronous and thread-safe (domain actions run in worker
threads); subscribers are asyncio queues (WebSocket handlers)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any, Protocol

from frontdesk.domain.tx import Event

log = logging.getLogger(__name__)
REDIS_CHANNEL = "frontdesk:events"
SUBSCRIBER_BUFFER = 1000


class Subscription:
    def __init__(self, bus: LocalFanout) -> None:
        self._bus = bus
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(SUBSCRIBER_BUFFER)

    def deliver(self, event: dict[str, Any]) -> None:
        # Called on the subscriber's loop. A subscriber that stopped reading loses events
        # rather than holding memory without bound; clients refetch on reconnect.
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(event)

    async def get(self) -> dict[str, Any]:
        return await self.queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)


class EventBus(Protocol):
    def publish(self, event: Event) -> None: ...
    def subscribe(self) -> Subscription: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def close(self) -> None: ...


class LocalFanout:
    """Hands each event to every subscriber of this process, on the subscriber's own loop."""

    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> Subscription:
        subscription = Subscription(self)
        with self._lock:
            self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    def fan_out(self, event: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for sub in subscribers:
            try:
                sub.loop.call_soon_threadsafe(sub.deliver, event)
            except RuntimeError:  # the subscriber's loop has closed
                self.unsubscribe(sub)


class MemoryBus(LocalFanout):
    def publish(self, event: Event) -> None:
        self.fan_out(event.as_json())

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def close(self) -> None:
        return None


class RedisBus(LocalFanout):
    """Publishes to a Redis channel; one listener task per process fans events out locally.
    Every process, the publisher included, receives each event once through Redis."""

    def __init__(self, url: str, channel: str = REDIS_CHANNEL) -> None:
        super().__init__()
        import redis

        self.url = url
        self.channel = channel
        self._client = redis.Redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def publish(self, event: Event) -> None:
        self._client.publish(self.channel, json.dumps(event.as_json(), ensure_ascii=False))

    async def start(self) -> None:
        if self._listener is None:
            self._ready = asyncio.Event()
            self._listener = asyncio.create_task(self._listen())
            await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def _listen(self) -> None:
        import redis.asyncio as aredis

        while True:
            client = aredis.Redis.from_url(self.url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._ready.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.fan_out(json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("lost the Redis event bus; reconnecting")
                await asyncio.sleep(1)
            finally:
                await client.aclose()

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    def close(self) -> None:
        self._client.close()


def make_bus(
    redis_url: str | None, database_url: str = "", run_dir: Path | None = None
) -> EventBus:
    """Redis when configured, else the processes sharing `run_dir` on this host (Linux),
    else this process alone. On Redis, the channel is named after the database, so two
    installations sharing a Redis server never see each other's events."""
    if not redis_url:
        from frontdesk.realtime.hostbus import HostBus, host_bus_supported

        if run_dir is not None and host_bus_supported():
            return HostBus(run_dir / "bus")
        return MemoryBus()
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return RedisBus(redis_url, f"{REDIS_CHANNEL}:{digest}")
