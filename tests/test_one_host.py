"""Several processes of one installation on one host, without Redis: they share events
through the host bus, queue their SQLite writes on one file lock, and run the channel
services (IMAP pollers, SMTP listener) in one process at a time."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from frontdesk.channels import services
from frontdesk.config import Settings
from frontdesk.domain.tx import Event
from frontdesk.locks import WriteLock, try_lock
from frontdesk.realtime.hostbus import MAX_DATAGRAM, HostBus
from frontdesk.runtime import Frontdesk
from tests.conftest import World
from tests.servers import PATIENCE_SECONDS, env_for, serving_several, wait_until
from tests.test_bus import create_ticket, event_socket, next_ticket_created

# --- the host bus ------------------------------------------------------------------------


async def _next(subscription: Any) -> dict[str, Any]:
    return dict(await asyncio.wait_for(subscription.get(), PATIENCE_SECONDS))


def test_two_host_buses_on_one_directory_see_each_others_events_once(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first, second = HostBus(tmp_path), HostBus(tmp_path)
        await first.start()
        await second.start()
        try:
            on_first, on_second = first.subscribe(), second.subscribe()
            first.publish(Event("test.ping", {"by": "first", "text": "Բարև 🙏"}))
            second.publish(Event("test.ping", {"by": "second"}))
            first.publish(Event("test.ping", {"by": "end"}))
            return (
                [await _next(on_first) for _ in range(3)],
                [await _next(on_second) for _ in range(3)],
            )
        finally:
            for bus in (first, second):
                await bus.stop()
                bus.close()

    seen_by_first, seen_by_second = asyncio.run(scenario())
    # Each publisher's events keep their order; between processes there is no order to keep.
    for seen in (seen_by_first, seen_by_second):
        assert sorted(e["by"] for e in seen) == ["end", "first", "second"]
        assert [e["by"] for e in seen if e["by"] != "second"] == ["first", "end"]
    from_first = next(e for e in seen_by_second if e["by"] == "first")
    assert from_first == {"type": "test.ping", "by": "first", "text": "Բարև 🙏"}
    assert list(tmp_path.iterdir()) == []  # no process left listed


def test_a_burst_of_events_reaches_the_other_process_whole_and_in_order(tmp_path: Path) -> None:
    """Far more events than a datagram queue holds (ten, by Linux's default), published
    before the other process reads any, and too many bytes for a few datagrams (the
    sender waits for the reader): none is dropped. (Fewer than a subscriber buffers.)"""
    count = 900

    async def scenario() -> list[int]:
        first, second = HostBus(tmp_path), HostBus(tmp_path)
        await first.start()
        await second.start()
        try:
            on_second = second.subscribe()
            for n in range(count):
                first.publish(Event("test.ping", {"n": n, "text": "Ողջույն " * 150}))
            return [(await _next(on_second))["n"] for _ in range(count)]
        finally:
            for bus in (first, second):
                await bus.stop()
                bus.close()

    assert asyncio.run(scenario()) == list(range(count))


def test_a_process_gone_without_goodbye_is_struck_off_at_the_next_event(tmp_path: Path) -> None:
    (tmp_path / "4242-deadbeef0000").touch()  # listed, but nobody listens there

    async def scenario() -> dict[str, Any]:
        bus = HostBus(tmp_path)
        await bus.start()
        try:
            mine = bus.subscribe()
            bus.publish(Event("test.ping", {"n": 1}))
            return await _next(mine)
        finally:
            await bus.stop()
            bus.close()

    assert asyncio.run(scenario()) == {"type": "test.ping", "n": 1}
    assert not (tmp_path / "4242-deadbeef0000").exists()


def test_an_event_too_big_for_a_datagram_reaches_other_processes_as_its_ids(
    tmp_path: Path,
) -> None:
    big = "Ω" * MAX_DATAGRAM

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        first, second = HostBus(tmp_path), HostBus(tmp_path)
        await first.start()
        await second.start()
        try:
            on_first, on_second = first.subscribe(), second.subscribe()
            first.publish(Event("message.received", {"message_id": 7, "text": big}))
            return await _next(on_first), await _next(on_second)
        finally:
            for bus in (first, second):
                await bus.stop()
                bus.close()

    here, there = asyncio.run(scenario())
    assert here["text"] == big
    assert there == {"type": "message.received", "message_id": 7, "truncated": True}


@pytest.fixture
def two_servers_no_redis(world: World, settings: Settings, tmp_path: Path) -> Iterator[Any]:
    env = env_for(settings, embedded_workers=0)
    with serving_several(2, env, tmp_path) as servers:
        yield servers


@pytest.mark.slow
def test_without_redis_a_ticket_created_on_one_process_is_announced_on_another(
    world: World, two_servers_no_redis: Any
) -> None:
    a, b = two_servers_no_redis
    b_events = b.url.replace("http://", "ws://") + "/api/v1/events"
    nonce = uuid.uuid4().hex[:8]
    with a.client(world.agent.token) as agent, event_socket(b_events, world.admin.token) as admin:
        ticket = create_ticket(agent, f"Ζητώ βοήθεια {nonce}")
        event = next_ticket_created(admin, nonce)
        assert (event["ticket_id"], event["subject"]) == (ticket, f"Ζητώ βοήθεια {nonce}")


# --- the write lock ----------------------------------------------------------------------

HOLD_LOCK = """
import sys, time
from pathlib import Path
from frontdesk.locks import WriteLock
with WriteLock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_the_write_lock_is_held_across_processes_and_freed_when_its_holder_dies(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db-writelock"
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert try_lock(path) is None
        waited = threading.Event()

        def write() -> None:
            with WriteLock(path):
                waited.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not waited.wait(0.3)  # queued behind the other process
        holder.kill()  # no clean exit: the kernel drops the lock with the process
        assert waited.wait(PATIENCE_SECONDS)
        writer.join()


def test_the_write_lock_is_reentrant_in_a_thread_and_excludes_other_threads(
    tmp_path: Path,
) -> None:
    lock = WriteLock(tmp_path / "db-writelock")
    entered = threading.Event()

    def other() -> None:
        with lock:
            entered.set()

    with lock:
        with lock:
            pass
        # Leaving the inner block must not free the lock for other threads or processes.
        thread = threading.Thread(target=other)
        thread.start()
        assert not entered.wait(0.2)
        assert try_lock(tmp_path / "db-writelock") is None
    assert entered.wait(PATIENCE_SECONDS)
    thread.join()


# --- channel services: one process at a time ----------------------------------------------

STARTED: list[str] = []


def start_recorder(fd: Frontdesk) -> services.Stop:
    name = f"runtime-{id(fd)}"
    STARTED.append(name)
    return lambda: STARTED.append(f"stopped {name}")


def test_channel_services_run_in_one_process_and_another_takes_over_when_it_stops(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "SERVICES", [f"{__name__}:start_recorder"])
    monkeypatch.setattr(services, "STANDBY_SECONDS", 0.05)
    STARTED.clear()
    first, second = Frontdesk(settings), Frontdesk(settings)
    try:
        first_stops = services.start_services(first)
        second_stops = services.start_services(second)
        assert [f"runtime-{id(first)}"] == STARTED
        services.stop_services(first_stops)
        wait_until(lambda: len(STARTED) == 3, "the standing-by process to take over")
        assert STARTED[1:] == [f"stopped runtime-{id(first)}", f"runtime-{id(second)}"]
        services.stop_services(second_stops)
        assert STARTED[-1] == f"stopped runtime-{id(second)}"
        assert try_lock(settings.data_dir / "run" / "services.lock") is not None
    finally:
        first.close()
        second.close()


def test_a_standing_by_process_stops_without_ever_running_the_services(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "SERVICES", [f"{__name__}:start_recorder"])
    monkeypatch.setattr(services, "STANDBY_SECONDS", 0.05)
    STARTED.clear()
    first, second = Frontdesk(settings), Frontdesk(settings)
    try:
        first_stops = services.start_services(first)
        services.stop_services(services.start_services(second))
        services.stop_services(first_stops)
        assert [f"runtime-{id(first)}", f"stopped runtime-{id(first)}"] == STARTED
    finally:
        first.close()
        second.close()


# --- serve --processes ---------------------------------------------------------------------


@pytest.mark.slow
def test_serve_with_two_processes_answers_and_streams_events(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    env = env_for(settings, embedded_workers=0)
    with serving_several(1, env, tmp_path, "--processes", "2") as (server,):
        events = server.url.replace("http://", "ws://") + "/api/v1/events"
        nonce = uuid.uuid4().hex[:8]
        with event_socket(events, world.admin.token) as admin:
            # New connections land on either process; each ticket is announced whichever
            # one created it.
            for n in range(6):
                with server.client(world.agent.token) as agent:
                    ticket = create_ticket(agent, f"Pieprasījums {n} {nonce}")
                assert next_ticket_created(admin, nonce)["ticket_id"] == ticket
