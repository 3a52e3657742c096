"""Read stored mail for `frontdesk mail import`: a folder of `.eml` files (or one), a
Maildir (`cur/`, `new/`, `tmp/`) or an mbox file, and feed every message to `ingest()`.

Ingest is idempotent on the Message-ID (and on the raw bytes' hash for mail without one),
so importing the same mailbox twice stores nothing the second time. One message that
cannot be read or stored is counted as failed and the import goes on.
"""

from __future__ import annotations

import logging
import mailbox
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal

from frontdesk.channels.email.intake import (
    IngestResult,
    UnknownInbox,
    load_config,
    store_read,
)
from frontdesk.channels.email.readers import MailReaders, Pending, Read
from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)

SourceKind = Literal["eml folder", "maildir", "mbox"]


class NotAMailbox(Exception):
    """The path is none of the formats we read."""


@dataclass
class MailSource:
    """Where the messages are, and how many; `messages()` reads them one at a time."""

    path: Path
    kind: SourceKind
    keys: list[str]

    def __len__(self) -> int:
        return len(self.keys)

    def messages(self) -> Iterator[tuple[str, bytes | Exception]]:
        """(label, raw bytes) per message, or (label, the error) when one cannot be read."""
        if self.kind == "eml folder":
            for key in self.keys:
                try:
                    yield key, (self.path / key).read_bytes()
                except OSError as exc:
                    yield key, exc
            return
        box: mailbox.Mailbox[mailbox.Message]
        if self.kind == "maildir":
            box = mailbox.Maildir(self.path, factory=None, create=False)
        else:
            box = mailbox.mbox(self.path, create=False)
        try:
            for number, key in enumerate(self.keys, 1):
                label = key if self.kind == "maildir" else f"message {number}"
                try:
                    if isinstance(box, mailbox.mbox):
                        # mbox keys are ints at run time; typeshed says str
                        raw = box.get_bytes(int(key))  # type: ignore[arg-type]
                        yield label, unescape_from_lines(raw)
                    else:
                        yield label, box.get_bytes(key)
                except Exception as exc:  # a file removed meanwhile, a truncated mbox
                    yield label, exc
        finally:
            box.close()


_ESCAPED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def unescape_from_lines(raw: bytes) -> bytes:
    """Undo the mbox escaping of body lines that begin with "From " (mboxrd: one ">" less
    on every ">…>From " line; Python's `mailbox` and most mailers write it so)."""
    end = re.search(rb"\r?\n\r?\n", raw)
    if end is None:
        return raw
    head, body = raw[: end.end()], raw[end.end() :]
    return head + _ESCAPED_FROM.sub(rb"\1", body)


def open_source(path: Path) -> MailSource:
    """Recognise what `path` is. Raises NotAMailbox (with the reason) if it is nothing we
    read, or OSError if it cannot be read at all."""
    if path.is_dir():
        if any((path / sub).is_dir() for sub in ("cur", "new")):
            maildir = mailbox.Maildir(path, factory=None, create=False)
            try:
                keys = sorted(maildir.keys())
            finally:
                maildir.close()
            return MailSource(path, "maildir", keys)
        files = sorted(
            str(p.relative_to(path))
            for p in path.rglob("*")
            if p.suffix.lower() == ".eml" and p.is_file()
        )
        if not files:
            raise NotAMailbox(f"{path} has no .eml files and is not a Maildir (no cur/ or new/)")
        return MailSource(path, "eml folder", files)
    if path.is_file() and path.suffix.lower() == ".eml":
        return MailSource(path.parent, "eml folder", [path.name])
    if path.is_file():
        with path.open("rb") as head:
            first = head.read(5)
        if first and first != b"From ":
            raise NotAMailbox(f"{path} is not an mbox file (it does not begin with 'From ')")
        box = mailbox.mbox(path, create=False)
        try:
            keys = [str(k) for k in box.iterkeys()]
        finally:
            box.close()
        return MailSource(path, "mbox", keys)
    if not path.exists():
        raise NotAMailbox(f"{path} does not exist")
    raise NotAMailbox(f"{path} is neither a folder nor a file")


@dataclass
class ImportSummary:
    stored: int = 0
    duplicates: int = 0
    bounces: int = 0
    ignored: int = 0
    refused: int = 0
    failed: int = 0
    tickets_created: int = 0
    problems: list[str] = field(default_factory=list)  # the first few, for the report
    seconds: float = 0.0  # the whole import: readers started, every message read and stored

    @property
    def total(self) -> int:
        return (
            self.stored + self.duplicates + self.bounces + self.ignored + self.refused + self.failed
        )

    def count(self, result: IngestResult) -> None:
        if result.outcome == "stored":
            self.stored += 1
            if result.reason == "new ticket":
                self.tickets_created += 1
        elif result.outcome == "duplicate":
            self.duplicates += 1
        elif result.outcome == "bounce":
            self.bounces += 1
        elif result.outcome == "ignored":
            self.ignored += 1
        else:
            self.refused += 1

    def note(self, problem: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(problem)


def import_source(
    fd: Frontdesk,
    inbox_id: int,
    source: MailSource,
    progress: Callable[[int], None] = lambda done: None,
    readers: int = 0,
) -> ImportSummary:
    """Ingest every message of `source` into the inbox, in the source's order; `progress(1)`
    after each. Raises UnknownInbox if the inbox is not an active email inbox (before
    reading anything).

    With `readers`, that many other processes parse the messages ahead while this one
    stores them in order: a reply still finds the message it answers.
    """
    with fd.reading() as tx:
        config = load_config(tx, inbox_id)
    summary = ImportSummary()
    started = time.perf_counter()
    # Stored through the group-commit writer, many messages a transaction, in order (the
    # writer runs them one after another, so a reply still finds the mail it answers);
    # the results are counted in that same order as their commits come back.
    storing: deque[tuple[str, Future[IngestResult]]] = deque()
    with MailReaders(readers, fd.storage.root) as reading:
        for label, raw, email in read_in_order(
            reading, source.messages(), config.max_message_bytes
        ):
            # What failed to read is never handed to the writer: a failing action rolls
            # back its whole batch.
            if isinstance(raw, Exception):
                summary.failed += 1
                summary.note(f"{label}: could not be read: {raw}")
                progress(1)
                continue
            if isinstance(email, Exception):
                log.warning("import: %s failed", label, exc_info=email)
                summary.failed += 1
                summary.note(f"{label}: {email.__class__.__name__}: {email}")
                progress(1)
                continue
            storing.append(
                (label, fd.writes.submit(partial(store_read, fd, inbox_id, config, raw, email)))
            )
            if len(storing) > STORE_AHEAD:
                _stored(storing.popleft(), summary)
                progress(1)
        while storing:
            _stored(storing.popleft(), summary)
            progress(1)
    summary.seconds = time.perf_counter() - started
    return summary


def _stored(item: tuple[str, Future[IngestResult]], summary: ImportSummary) -> None:
    label, storing = item
    try:
        result = storing.result()
    except UnknownInbox:
        raise
    except Exception as exc:  # one bad message never stops the import
        log.warning("import: %s failed", label, exc_info=exc)
        summary.failed += 1
        summary.note(f"{label}: {exc.__class__.__name__}: {exc}")
    else:
        summary.count(result)
        if result.outcome == "refused":
            summary.note(f"{label}: refused: {result.reason}")


# Messages handed to the writer and not yet committed: a few batches' worth.
STORE_AHEAD = 128
# Messages read ahead of the one being stored: enough to keep the readers busy, few enough
# that a mailbox of large mails does not fill the memory.
READ_AHEAD = 64
# Messages a reader is handed at once: one at a time, a reader would wait on this process
# for each (which runs the writer too), and every hand-over wakes a process.
READ_CHUNK = 16

Labelled = tuple[str, bytes | Exception]  # what MailSource.messages() yields


def read_in_order(
    readers: MailReaders, messages: Iterable[Labelled], max_bytes: int
) -> Iterator[tuple[str, bytes | Exception, Read]]:
    """Each message with what reading it gave, in the order they came, READ_AHEAD of them
    being read at once."""
    ahead: deque[tuple[list[Labelled], Pending]] = deque()
    for chunk in batched(messages, READ_CHUNK):
        raws = [raw for _, raw in chunk if not isinstance(raw, Exception)]
        ahead.append((chunk, readers.submit_many(raws, max_bytes)))
        if len(ahead) * READ_CHUNK > READ_AHEAD:
            yield from _finished(*ahead.popleft())
    while ahead:
        yield from _finished(*ahead.popleft())


def _finished(chunk: list[Labelled], job: Pending) -> Iterator[tuple[str, bytes | Exception, Read]]:
    reads = iter(job.result())
    for label, raw in chunk:
        yield label, raw, None if isinstance(raw, Exception) else next(reads)


def batched(items: Iterable[Labelled], size: int) -> Iterator[list[Labelled]]:
    chunk: list[Labelled] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
