"""The indexer beside the job workers (in `frontdesk serve` and `frontdesk worker`): every
search_index_seconds it indexes what changed, a batch at a time. Several processes may run
it; each batch's write transaction re-reads what is indexed, so two indexers never write a
document twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)
STARTUP_DELAY = 5.0
# Pause after a batch, as a multiple of the time it took, while writes queue up.
BUSY_PAUSE = 9
# Documents a batch while writes queue up (else indexer.BATCH).
BUSY_BATCH = 25


def start_indexer(fd: Frontdesk, *, delay: float = STARTUP_DELAY) -> Callable[[], None]:
    stopping = threading.Event()

    def run() -> None:
        # A process starting up (workers claiming their first jobs) comes first.
        if stopping.wait(delay):
            return
        # Imported here, in this thread: the stemmers, lemma tables and language models take
        # a moment to load, and the process that starts us (a worker answering SIGTERM, a
        # server starting up) should not wait for them.
        from frontdesk.language import configure
        from frontdesk.search.indexer import BATCH, index_pending

        configure(fd.settings.languages.split(","))
        while not stopping.is_set():
            started = time.monotonic()
            written = 0
            try:
                # Small batches while writes queue up: each batch's write transaction
                # holds the database's write lock, and the writer waits for it.
                batch = BUSY_BATCH if fd.writes.busy else BATCH
                written = index_pending(fd, batch=batch, max_batches=1)
            except Exception:
                log.exception("search indexing failed; trying again shortly")
            spent = time.monotonic() - started
            # With work left, rest as long as the batch took: the indexer never takes more
            # than half of a core from the channels and workers of its process; during a
            # burst of writes, a tenth (search lags a little and catches up after).
            pause = (
                spent * (BUSY_PAUSE if fd.writes.busy else 1)
                if written
                else fd.settings.search_index_seconds
            )
            stopping.wait(max(pause, 0.01))

    thread = threading.Thread(target=run, name="search-indexer", daemon=True)
    thread.start()

    def stop() -> None:
        # Not joined: a batch cut short by the process ending is a transaction rolled back,
        # done again by the next run; waiting for it would delay the workers' drain.
        stopping.set()

    return stop
