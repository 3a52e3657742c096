"""Reader processes: parse, classify and trim raw mail on the other cores.

Reading a message (MIME tree, charsets, sanitised HTML, quote trimming) is about half of
an ingest's CPU, and none of it needs the database. Done on threads it would share one
core with the writer; `frontdesk mail import` and `frontdesk mail listen` hand it to
these processes instead, so the process that stores only stores. Each reader keeps the
raw message in the attachment store itself and sends back a `portable` copy of what it
read.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from frontdesk.channels.email.intake import ReadEmail, portable, read_email
from frontdesk.domain.attachments import AttachmentStore

# What reading gives: what the message says, None when it is over the size limit (not
# parsed), or the exception that reading it raised.
Read = ReadEmail | None | Exception


def read_within(raw: bytes, max_bytes: int, store: AttachmentStore) -> Read:
    if len(raw) > max_bytes:
        return None
    try:
        return read_email(raw, store)
    except Exception as exc:
        return exc


class MailReaders:
    """`count` reader processes (none: read on the calling thread)."""

    def __init__(self, count: int, storage_root: Path) -> None:
        self.count = count
        self._store = AttachmentStore(storage_root)
        self._pool: ProcessPoolExecutor | None = None
        self._ready: list[Future[Read]] = []
        if count > 0:
            self._pool = ProcessPoolExecutor(
                count,
                # Not fork: the caller may run threads (a database pool, a bus).
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_start_reader,
                initargs=(str(storage_root),),
            )
            # Start them now: each imports the parser first, which takes a moment.
            self._ready = [self._pool.submit(_read_in_reader, b"", 0) for _ in range(count)]

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until every reader process has started (and raise if one could not)."""
        for started in self._ready:
            started.result(timeout)

    def __enter__(self) -> MailReaders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def submit(self, raw: bytes, max_bytes: int) -> Future[Read]:
        """Read `raw` in a reader process, or now when there are none."""
        if self._pool is None:
            done: Future[Read] = Future()
            done.set_result(read_within(raw, max_bytes, self._store))
            return done
        return self._pool.submit(_read_in_reader, raw, max_bytes)

    def submit_many(self, raws: list[bytes], max_bytes: int) -> Future[list[Read]]:
        """`submit` for several messages, handed to one reader at once."""
        if self._pool is None:
            done: Future[list[Read]] = Future()
            done.set_result([read_within(raw, max_bytes, self._store) for raw in raws])
            return done
        return self._pool.submit(_read_many_in_reader, raws, max_bytes)

    async def read(self, raw: bytes, max_bytes: int) -> Read:
        """`submit` for the event loop: without reader processes, a thread reads."""
        if self._pool is None:
            return await asyncio.to_thread(read_within, raw, max_bytes, self._store)
        return await asyncio.wrap_future(self.submit(raw, max_bytes))


_reader_store: AttachmentStore | None = None


def _start_reader(storage_root: str) -> None:
    global _reader_store
    _reader_store = AttachmentStore(Path(storage_root))


def _read_in_reader(raw: bytes, max_bytes: int) -> Read:
    assert _reader_store is not None
    read = read_within(raw, max_bytes, _reader_store)
    return portable(read) if isinstance(read, ReadEmail) else read


def _read_many_in_reader(raws: list[bytes], max_bytes: int) -> list[Read]:
    return [_read_in_reader(raw, max_bytes) for raw in raws]
