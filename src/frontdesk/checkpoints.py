"""Copy SQLite's write-ahead log into the database in the background.

By default SQLite checkpoints inside the commit that lets the log pass 1,000 pages: that
one commit copies the pages and syncs the file, and every request waiting on it waits
too (under a burst of new tickets, several in a hundred). A passive checkpoint every half
second from a thread of the process running the services keeps the log short, so commits
rarely do it themselves. Passive means it never waits for or blocks a writer or reader;
what it cannot copy yet, the next round does. The automatic checkpoint stays on as the
fallback, e.g. for `frontdesk mail import` running alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 0.5


def start_checkpointer(fd: Frontdesk) -> Callable[[], None] | None:
    if not fd.settings.is_sqlite:
        return None  # PostgreSQL checkpoints on its own
    stopping = threading.Event()

    def run() -> None:
        while not stopping.wait(INTERVAL_SECONDS):
            try:
                with fd.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:
                log.exception("WAL checkpoint failed; SQLite's own checkpoint still runs")

    thread = threading.Thread(target=run, name="wal-checkpoint", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join()

    return stop
