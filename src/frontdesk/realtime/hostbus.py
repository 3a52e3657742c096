"""The event bus of the processes that share one data directory on one host, without Redis.

Each process binds a Unix datagram socket in Linux's abstract namespace (no file to clean
up: it goes with the process) and, while it listens, leaves a marker file named after it in
`<data_dir>/run/bus/`.
publish() hands the event to this process's subscribers directly, and a sender thread
sends it on to every other process listed there, with the events published at the same
time in one datagram. So `frontdesk serve --processes 2`, or `serve`
beside `frontdesk worker`, show every change live whichever process made it.

Across hosts, use Redis (FRONTDESK_REDIS_URL).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import secrets
import socket
import threading
import time
from pathlib import Path

from frontdesk.domain.tx import Event
from frontdesk.realtime.bus import LocalFanout

log = logging.getLogger(__name__)

# Datagrams on a Unix socket arrive whole or not at all; an event larger than this is
# sent to other processes with its type and ids only (its listeners refetch the rest).
MAX_DATAGRAM = 60_000
# How long the list of other processes may be stale: a new process misses at most this
# much of the others' events after it starts.
PEERS_TTL = 0.5
# How long the sender waits for another process whose queue of events is full.
SEND_WAIT = 2.0


class HostBus(LocalFanout):
    def __init__(self, directory: Path) -> None:
        super().__init__()
        directory.mkdir(parents=True, exist_ok=True)
        self._directory = directory
        self._name = f"{os.getpid()}-{secrets.token_hex(6)}"
        self._inbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._inbox.bind(_address(self._name))
        self._inbox.setblocking(False)
        self._outbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        # A full reader is waited for, up to a point: a process that is stuck must not
        # hold up the others' events.
        self._outbox.settimeout(SEND_WAIT)
        self._send_lock = threading.Lock()
        self._pending: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._peers: list[str] = []
        self._peers_read = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None

    def publish(self, event: Event) -> None:
        data = event.as_json()
        self.fan_out(data)
        payload = json.dumps(data, ensure_ascii=False).encode()
        if len(payload) > MAX_DATAGRAM:
            brief = {k: v for k, v in data.items() if k == "type" or k.endswith("_id")}
            payload = json.dumps({**brief, "truncated": True}).encode()
        # Sent by a thread of its own: the caller (often the writer, just after a commit)
        # never waits for a slow reader, and a reader that is behind is waited for rather
        # than skipped.
        with self._send_lock:
            if self._sender is None:
                self._sender = threading.Thread(target=self._send_all, name="host-bus", daemon=True)
                self._sender.start()
        self._pending.put(payload)

    def _send_all(self) -> None:
        carried: bytes | None = None  # the event that did not fit the last datagram
        while True:
            first = carried if carried is not None else self._pending.get()
            carried = None
            if first is None:
                return
            # Events published together travel together, as one JSON list per datagram:
            # a burst of a thousand events is a few datagrams, not a thousand.
            batch, size, last = [first], len(first), False
            while size < MAX_DATAGRAM:
                try:
                    more = self._pending.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    last = True
                    break
                if size + len(more) + 1 > MAX_DATAGRAM:
                    carried = more
                    break
                batch.append(more)
                size += len(more) + 1
            datagram = b"[" + b",".join(batch) + b"]"
            for peer in self._other_processes():
                self._send(peer, datagram)
            if last:
                return

    def _send(self, peer: str, payload: bytes) -> None:
        try:
            self._outbox.sendto(payload, _address(peer))
        except ConnectionRefusedError:  # nobody bound: the process is gone
            (self._directory / peer).unlink(missing_ok=True)
            self._peers_read = 0.0
        except TimeoutError:
            log.warning(
                "process %s read no events for %s s; some were dropped for it", peer, SEND_WAIT
            )
        except OSError:
            # Whatever else the socket says, the sender goes on with the next events.
            log.exception("events could not be sent to process %s", peer)

    def _other_processes(self) -> list[str]:
        now = time.monotonic()
        if now - self._peers_read > PEERS_TTL:
            self._peers = [
                entry.name for entry in os.scandir(self._directory) if entry.name != self._name
            ]
            self._peers_read = now
        return self._peers

    async def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop.add_reader(self._inbox.fileno(), self._on_datagrams)
            # Listed only while listening: a process that only publishes (a CLI command,
            # `frontdesk worker`) is sent nothing.
            (self._directory / self._name).touch()

    def _on_datagrams(self) -> None:
        while True:
            try:
                payload = self._inbox.recv(MAX_DATAGRAM + 1024)
            except (BlockingIOError, OSError):
                return
            try:
                events = json.loads(payload)
            except ValueError:
                log.warning("events from another process were not JSON; dropped")
                continue
            for event in events if isinstance(events, list) else [events]:
                self.fan_out(event)

    async def stop(self) -> None:
        if self._loop is not None:
            (self._directory / self._name).unlink(missing_ok=True)
            self._loop.remove_reader(self._inbox.fileno())
            self._loop = None

    def close(self) -> None:
        (self._directory / self._name).unlink(missing_ok=True)
        if self._sender is not None:
            # What was published before closing still goes out (a CLI command's events).
            self._pending.put(None)
            self._sender.join(SEND_WAIT * 2)
        self._inbox.close()
        self._outbox.close()


def _address(name: str) -> str:
    # A leading NUL puts the socket in Linux's abstract namespace.
    return f"\0frontdesk-bus-{name}"


def host_bus_supported() -> bool:
    return hasattr(socket, "AF_UNIX") and os.uname().sysname == "Linux"
