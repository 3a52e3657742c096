"""The event bus of the processes that share one data directory on one host, without Redis.

Each process binds a Unix datagram socket in Linux's abstract namespace (no file to clean
up: it goes with the process) and, while it listens, leaves a marker file named after it in
`<data_dir>/run/bus/`.
publish() hands the event to this process's subscribers directly and sends one datagram
to every other process listed there. So `frontdesk serve --processes 2`, or `serve`
beside `frontdesk worker`, show every change live whichever process made it.

Across hosts, use Redis (FRONTDESK_REDIS_URL).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
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
        self._outbox.setblocking(False)
        self._send_lock = threading.Lock()
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
        with self._send_lock:
            for peer in self._other_processes():
                self._send(peer, payload)

    def _send(self, peer: str, payload: bytes) -> None:
        try:
            self._outbox.sendto(payload, _address(peer))
        except ConnectionRefusedError:  # nobody bound: the process is gone
            (self._directory / peer).unlink(missing_ok=True)
            self._peers_read = 0.0
        except BlockingIOError:
            log.warning("process %s reads no events; one was dropped for it", peer)

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
                event = json.loads(payload)
            except ValueError:
                log.warning("an event from another process was not JSON; dropped")
                continue
            self.fan_out(event)

    async def stop(self) -> None:
        if self._loop is not None:
            (self._directory / self._name).unlink(missing_ok=True)
            self._loop.remove_reader(self._inbox.fileno())
            self._loop = None

    def close(self) -> None:
        (self._directory / self._name).unlink(missing_ok=True)
        self._inbox.close()
        self._outbox.close()


def _address(name: str) -> str:
    # A leading NUL puts the socket in Linux's abstract namespace.
    return f"\0frontdesk-bus-{name}"


def host_bus_supported() -> bool:
    return hasattr(socket, "AF_UNIX") and os.uname().sysname == "Linux"
