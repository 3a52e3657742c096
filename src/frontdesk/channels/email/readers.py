"""Reader processes: parse, classify and trim raw mail on the other cores.

Reading a message (MIME tree, charsets, sanitised HTML, quote trimming) is about half of
an ingest's CPU, and none of it needs the database. Done on threads it would share one
core with the writer; `frontdesk mail import` and `frontdesk mail listen` hand it to
these processes instead, so the process that stores only stores. Each reader keeps the
raw message in the attachment store itself and sends back a `portable` copy of what it
read.

Each reader is spoken to over a socket pair: a request is a list of raw messages, the
answer the list of what was read, in the same order, each a length-prefixed pickle. The
import writes and reads its sockets directly; the SMTP listener reads them from its event
loop. A process pool would put two threads of its own between this process and the
readers, and waking a thread costs more than reading a small mail on a virtual machine
(measured: 0.2–0.3 ms of this process's CPU per message through a pool, 0.02–0.09 ms
over a socket).
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import pickle
import queue
import signal
import socket
import struct
import threading
from collections import deque
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Self

from frontdesk.channels.email.intake import ReadEmail, portable, read_email
from frontdesk.domain.attachments import AttachmentStore

log = logging.getLogger(__name__)

# What reading gives: what the message says, None when it is over the size limit (not
# parsed), or the exception that reading it raised.
Read = ReadEmail | None | Exception

_SIZE = struct.Struct("!I")
_READY = b"R"
# How long a reader may take to start (it imports the parser) before the caller gives up.
START_SECONDS = 60.0


class ReaderGone(Exception):
    """A reader process did not start, or stopped with messages in hand (not read)."""


def read_within(raw: bytes, max_bytes: int, store: AttachmentStore) -> Read:
    if len(raw) > max_bytes:
        return None
    try:
        return read_email(raw, store)
    except Exception as exc:
        return exc


class _ReaderProcesses:
    """Starts `count` readers and stops them; the subclasses speak to them."""

    def __init__(self, count: int, storage_root: Path) -> None:
        self._store = AttachmentStore(storage_root)
        self._processes: list[BaseProcess] = []
        self._sockets: list[socket.socket] = []
        # Not fork: the caller may run threads (a database pool, a bus).
        context = multiprocessing.get_context("forkserver")
        for number in range(count):
            ours, theirs = socket.socketpair()
            process = context.Process(
                target=_serve,
                args=(theirs, str(storage_root)),
                name=f"frontdesk-mail-reader-{number + 1}",
                daemon=True,
            )
            process.start()
            theirs.close()
            self._processes.append(process)
            self._sockets.append(ours)
        try:
            self._wait_ready(START_SECONDS)
        except BaseException:
            self.close()
            raise

    def _wait_ready(self, timeout: float) -> None:
        for sock in self._sockets:
            sock.settimeout(timeout)
            try:
                ready = sock.recv(1)
            except OSError as exc:
                raise ReaderGone(f"a mail reader did not start: {exc}") from exc
            if ready != _READY:
                raise ReaderGone("a mail reader did not start")
            sock.settimeout(None)

    def close(self) -> None:
        """Stop the readers: each exits when its socket closes."""
        for sock in self._sockets:
            sock.close()
        for process in self._processes:
            process.join(5)
            if process.is_alive():
                process.kill()
        self._sockets, self._processes = [], []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MailReaders(_ReaderProcesses):
    """Readers for a caller on a thread (`frontdesk mail import`): hand over messages,
    collect the answers later, in the order handed over. Without readers, messages are
    read on the spot.

    Requests are written by a thread of their own: a reader blocks writing a large
    answer until it is collected, so a caller that wrote its next large request itself
    would wait on the reader while the reader waits on it."""

    def __init__(self, count: int, storage_root: Path) -> None:
        super().__init__(count, storage_root)
        self._streams = [sock.makefile("rwb") for sock in self._sockets]
        self._next = 0
        self._requests: queue.SimpleQueue[tuple[io.BufferedIOBase, object] | None] = (
            queue.SimpleQueue()
        )
        self._sender: threading.Thread | None = None
        if self._streams:
            self._sender = threading.Thread(
                target=self._send_all, name="frontdesk-mail-readers", daemon=True
            )
            self._sender.start()

    def submit_many(self, raws: list[bytes], max_bytes: int) -> Pending:
        if not self._streams:
            return Pending([read_within(raw, max_bytes, self._store) for raw in raws])
        stream = self._streams[self._next % len(self._streams)]
        self._next += 1
        self._requests.put((stream, (raws, max_bytes)))
        return Pending(stream)

    def _send_all(self) -> None:
        while (request := self._requests.get()) is not None:
            stream, value = request
            try:
                _write_frame(stream, value)
            except (OSError, ValueError):  # ValueError: closed meanwhile
                log.exception("could not hand messages to a mail reader")  # result() says so

    def close(self) -> None:
        if self._sender is not None:
            self._requests.put(None)
            # A sender stuck on a reader that no longer reads is let go: it is a daemon,
            # and closing the streams below ends its write.
            self._sender.join(5)
            self._sender = None
        for stream in self._streams:
            stream.close()
        self._streams = []
        super().close()


class Pending:
    """What a reader will answer: `result()` waits for it. Answers of one reader come in
    the order asked, so they must be collected in that order."""

    def __init__(self, source: list[Read] | io.BufferedIOBase) -> None:
        self._source = source

    def result(self) -> list[Read]:
        if isinstance(self._source, list):
            return self._source
        answer: list[Read] = _read_frame(self._source)
        return answer


class LoopReaders(_ReaderProcesses):
    """Readers for an event loop (the SMTP listener): `await read(raw)` sends the message
    to the reader with the fewest in hand. Without readers, or when they have stopped, a
    thread reads."""

    def __init__(self, count: int, storage_root: Path) -> None:
        super().__init__(count, storage_root)
        self._channels: asyncio.Future[list[_Channel]] | None = None

    async def read(self, raw: bytes, max_bytes: int) -> Read:
        if self._channels is None:  # the loop's first message: connect to the readers
            self._channels = asyncio.ensure_future(_Channel.open_all(self._sockets))
        live = [channel for channel in await self._channels if channel.alive]
        if not live:
            return await asyncio.to_thread(read_within, raw, max_bytes, self._store)
        channel = min(live, key=lambda c: len(c.waiting))
        return await channel.ask(raw, max_bytes)

    async def disconnect(self) -> None:
        """Close the loop's side of the sockets (on the loop, before it stops)."""
        if self._channels is not None:
            for channel in await self._channels:
                channel.writer.close()


class _Channel:
    """One reader's socket on the event loop; answers resolve the requests in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.waiting: deque[asyncio.Future[Read]] = deque()
        self.alive = True
        # Held: the loop keeps only a weak reference to a task.
        self._receiving = asyncio.ensure_future(self._receive())

    @classmethod
    async def open_all(cls, sockets: list[socket.socket]) -> list[_Channel]:
        channels = []
        for sock in sockets:
            reader, writer = await asyncio.open_connection(sock=sock)
            channels.append(cls(reader, writer))
        return channels

    async def ask(self, raw: bytes, max_bytes: int) -> Read:
        answer: asyncio.Future[Read] = asyncio.get_running_loop().create_future()
        self.waiting.append(answer)
        data = pickle.dumps(([raw], max_bytes), protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(_SIZE.pack(len(data)) + data)
        await self.writer.drain()
        return await answer

    async def _receive(self) -> None:
        try:
            while True:
                (size,) = _SIZE.unpack(await self.reader.readexactly(_SIZE.size))
                [read] = _loads(await self.reader.readexactly(size))
                answer = self.waiting.popleft()
                if not answer.done():  # its SMTP session may have gone meanwhile
                    answer.set_result(read)
        except (asyncio.IncompleteReadError, OSError) as exc:
            self.alive = False
            if self.waiting:
                log.error("a mail reader stopped with %d message(s) in hand", len(self.waiting))
            while self.waiting:
                answer = self.waiting.popleft()
                if not answer.done():
                    answer.set_exception(ReaderGone(f"the mail reader stopped: {exc!r}"))


def _loads(data: bytes) -> Any:
    # Only ever what the other end of a socket pair between our own processes wrote.
    return pickle.loads(data)  # noqa: S301


def _write_frame(stream: io.BufferedIOBase, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_SIZE.pack(len(data)) + data)
    stream.flush()


def _read_frame(stream: io.BufferedIOBase) -> list[Read]:
    head = stream.read(_SIZE.size)
    if len(head) < _SIZE.size:
        raise ReaderGone("the mail reader stopped")
    (size,) = _SIZE.unpack(head)
    answer: list[Read] = _loads(stream.read(size))
    return answer


def _serve(sock: socket.socket, storage_root: str) -> None:
    """A reader process: answer requests until the socket closes."""
    # Ctrl-C reaches the whole process group; the listener then still answers the
    # messages in hand, which need their reader.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store = AttachmentStore(Path(storage_root))
    stream = sock.makefile("rwb")
    stream.write(_READY)
    stream.flush()
    while True:
        head = stream.read(_SIZE.size)
        if len(head) < _SIZE.size:
            return
        (size,) = _SIZE.unpack(head)
        raws, max_bytes = _loads(stream.read(size))
        reads = [read_within(raw, max_bytes, store) for raw in raws]
        answer = [portable(read) if isinstance(read, ReadEmail) else read for read in reads]
        try:
            _write_frame(stream, answer)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            # An exception that does not pickle: send what it said instead.
            _write_frame(stream, [_picklable(read, exc) for read in answer])


def _picklable(read: Read, problem: Exception) -> Read:
    try:
        pickle.dumps(read)
    except Exception:
        return RuntimeError(f"{read!r} (could not be sent back: {problem!r})")
    return read
