"""Long-running parts of channels (an IMAP poller, an SMTP listener) that run beside the
job workers: inside `frontdesk serve`, and in `frontdesk worker`.

Each entry is "module:function"; the function takes the runtime and returns a callable
that stops what it started (or None when there is nothing to run, e.g. no inbox uses it).

One process per data directory runs them (the one holding `run/services.lock`), so that
`serve --processes 2`, or `serve` beside `worker`, poll each mailbox once and bind the
SMTP port once. The others stand by and take over within seconds when that one exits.
The file lock covers one host; on PostgreSQL, hosts sharing the database also poll each
mailbox once, by an advisory lock per inbox (channels/email/poller_locks.py).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable

from frontdesk.locks import try_lock
from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)

Stop = Callable[[], None]

SERVICES: list[str] = [
    "frontdesk.channels.email.imap:start_pollers",
    "frontdesk.channels.email.listener:start_listener",
    "frontdesk.search.background:start_indexer",
    "frontdesk.checkpoints:start_checkpointer",
]


# How often a standing-by process checks whether the one running the services is gone.
STANDBY_SECONDS = 2.0


def start_services(fd: Frontdesk) -> list[Stop]:
    """Run the services here now if no other process does, else stand by for them."""
    lock_path = fd.settings.data_dir / "run" / "services.lock"
    held = try_lock(lock_path)
    if held is not None:
        # Stopped in reverse: the services first, then the lock goes.
        return [held.release, *_start_all(fd)]
    stopping = threading.Event()
    running: list[Stop] = []

    def stand_by() -> None:
        while not stopping.wait(STANDBY_SECONDS):
            lock = try_lock(lock_path)
            if lock is not None:
                log.info("took over the channel services")
                running.extend([lock.release, *_start_all(fd)])
                return

    watcher = threading.Thread(target=stand_by, name="services-standby", daemon=True)
    watcher.start()

    def stop() -> None:
        stopping.set()
        watcher.join()
        stop_services(running)

    return [stop]


def _start_all(fd: Frontdesk) -> list[Stop]:
    stops: list[Stop] = []
    for path in SERVICES:
        module_name, _, name = path.partition(":")
        start: Callable[[Frontdesk], Stop | None] = getattr(
            importlib.import_module(module_name), name
        )
        stop = start(fd)
        if stop is not None:
            stops.append(stop)
    return stops


def stop_services(stops: list[Stop]) -> None:
    for stop in reversed(stops):
        try:
            stop()
        except Exception:
            log.exception("a channel service did not stop cleanly")
