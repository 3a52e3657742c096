"""What `frontdesk mail parse` and `frontdesk mail import` do; `frontdesk.cli` only declares
the commands and their options."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import typer

from frontdesk.channels.email.auto import classify
from frontdesk.channels.email.parse import Address, ParsedEmail, parse_email
from frontdesk.channels.email.quotes import trim_reply
from frontdesk.language import detect
from frontdesk.runtime import Frontdesk

# ------------------------------------------------------------------------ mail parse


def describe(file: str, raw: bytes | None, errors: list[str]) -> dict[str, Any]:
    """The JSON object `mail parse` prints for one file. `raw` is None when the file could
    not be read; the object then has every field, empty, and the reason in `errors`."""
    parsed = parse_email(raw) if raw is not None else ParsedEmail()
    errors = [*errors, *parsed.errors]
    auto: str | None = None
    bounced: list[dict[str, Any]] = []
    visible = ""
    if raw is not None:
        try:
            verdict = classify(parsed.headers)
            auto = verdict.kind
            bounced = [
                {"address": r.address, "status": r.status, "permanent": r.permanent}
                for r in verdict.bounced_recipients
            ]
        except Exception as exc:  # classify() guards itself; this is belt and braces
            errors.append(f"auto: {exc.__class__.__name__}: {exc}")
        try:
            visible = trim_reply(parsed.text).visible
        except Exception as exc:
            visible = parsed.text
            errors.append(f"visible_text: {exc.__class__.__name__}: {exc}")
    return {
        "file": file,
        "from": _address(parsed.from_),
        "to": [_address(a) for a in parsed.to],
        "cc": [_address(a) for a in parsed.cc],
        "reply_to": [_address(a) for a in parsed.reply_to],
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": parsed.references,
        "date": parsed.date.isoformat() if parsed.date else None,
        "text": parsed.text,
        "visible_text": visible,
        "html": parsed.html,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "inline": a.inline,
            }
            for a in parsed.attachments
        ],
        "auto": auto,
        "bounced_recipients": bounced,
        # What the customer wrote decides; a subject may be an old one replied to.
        "language": (detect(visible) or detect(parsed.subject or "")) if raw else None,
        "errors": errors,
    }


def _address(address: Address | None) -> dict[str, str] | None:
    return None if address is None else {"name": address.name, "address": address.address}


# Characters that some readers (Python's str.splitlines, JavaScript) take for line ends;
# json.dumps leaves them raw when ensure_ascii is off.
_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def json_line(record: dict[str, Any]) -> bytes:
    """One line of UTF-8 JSON with non-ASCII text as it is. Text that cannot be UTF-8 (a
    lone surrogate from undecodable bytes) is written as a JSON escape instead."""
    line = json.dumps(record, ensure_ascii=False)
    if _LINE_BREAKS.search(line):  # inside strings only: keep one record on one line
        line = _LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    try:
        return line.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return json.dumps(record, ensure_ascii=True).encode("ascii") + b"\n"


def parse_files(files: list[Path]) -> int:
    """Print one JSON object per file; 0 if every file could be read, else 1."""
    out = sys.stdout.buffer
    unreadable = 0
    for path in files:
        try:
            raw: bytes | None = _read_file(path)
            errors: list[str] = []
        except OSError as exc:
            raw, errors = None, [f"cannot read the file: {exc.strerror or exc}"]
            unreadable += 1
        try:
            record = describe(str(path), raw, errors)
        except Exception as exc:  # never stop at one file
            record = describe(str(path), None, [f"{exc.__class__.__name__}: {exc}"])
        out.write(json_line(record))
        out.flush()
    return 1 if unreadable else 0


MAX_FILE_BYTES = 200 * 1024 * 1024  # the largest message an inbox may be set to accept


def _read_file(path: Path) -> bytes:
    """The bytes of a regular file; a device, pipe or oversized file is an OSError."""
    with path.open("rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise OSError(errno.EFBIG, f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
        return file.read()


# ------------------------------------------------------------------------ mail import


def import_mailbox(fd: Frontdesk, path: Path, inbox_id: int, readers: int = 0) -> int:
    """Import a folder of .eml files, a Maildir or an mbox file; print a summary. Returns
    the exit code: 0 when every message was read and handled, 1 when some failed, 2 when
    nothing could be imported (not a mailbox, no such inbox)."""
    from frontdesk.channels.email.intake import UnknownInbox
    from frontdesk.channels.email.mailbox_import import NotAMailbox, import_source, open_source

    try:
        source = open_source(path)
    except (NotAMailbox, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    typer.echo(f"{path}: {source.kind}, {len(source)} message(s)", err=True)
    try:
        with typer.progressbar(
            length=len(source), label="importing", file=sys.stderr, show_pos=True
        ) as bar:
            summary = import_source(fd, inbox_id, source, bar.update, readers)
    except UnknownInbox as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    for problem in summary.problems:
        typer.echo(f"  {problem}", err=True)
    typer.echo(
        f"stored {summary.stored} ({summary.tickets_created} new tickets), "
        f"duplicates {summary.duplicates}, bounces {summary.bounces}, "
        f"ignored {summary.ignored}, refused {summary.refused}, failed {summary.failed}; "
        f"{summary.total} in {summary.seconds:.1f} s "
        f"({summary.total / max(summary.seconds, 1e-9):.0f} messages/s)"
    )
    return 1 if summary.failed else 0
