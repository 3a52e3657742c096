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

from frontdesk.language import configure
from frontdesk.runtime import Frontdesk
from frontdesk.search.indexer import index_pending

log = logging.getLogger(__name__)


def start_indexer(fd: Frontdesk) -> Callable[[], None]:
    configure(fd.settings.languages.split(","))
    stopping = threading.Event()

    def run() -> None:
        while not stopping.is_set():
            started = time.monotonic()
            written = 0
            try:
                written = index_pending(fd, max_batches=1)
            except Exception:
                log.exception("search indexing failed; trying again shortly")
            spent = time.monotonic() - started
            # With work left, rest as long as the batch took: the indexer never takes more
            # than half of a core from the channels and workers of its process.
            pause = spent if written else fd.settings.search_index_seconds
            stopping.wait(max(pause, 0.01))

    thread = threading.Thread(target=run, name="search-indexer", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        thread.join(30)

    return stop
