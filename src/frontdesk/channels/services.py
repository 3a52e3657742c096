"""Long-running parts of channels (an IMAP poller, an SMTP listener) that run beside the
job workers: inside `frontdesk serve`, and in `frontdesk worker`.

Each entry is "module:function"; the function takes the runtime and returns a callable
that stops what it started (or None when there is nothing to run, e.g. no inbox uses it).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)

Stop = Callable[[], None]

SERVICES: list[str] = [
    "frontdesk.channels.email.imap:start_pollers",
    "frontdesk.channels.email.listener:start_listener",
    "frontdesk.search.background:start_indexer",
]


def start_services(fd: Frontdesk) -> list[Stop]:
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
