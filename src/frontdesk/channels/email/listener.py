"""Mail in over SMTP or LMTP: a listener that an MTA (Postfix, Exim, a provider's relay)
delivers to, for the addresses of the active email inboxes.

The listener answers for what happened, so the sending MTA can tell the sender or retry:

- ``RCPT TO`` an address that is no inbox's (nor ``local+anything@domain`` of one):
  ``550 5.1.1 No such mailbox``; a declared ``SIZE`` over that inbox's limit: ``552``.
- ``DATA`` larger than an inbox's ``max_message_bytes``: ``552 5.3.4 Message too big``.
- Otherwise the message goes through ``intake.ingest()`` once per inbox it is for, and
  ``250`` is answered only after that transaction committed; a database or unexpected error
  answers ``451 4.3.0 Try again later`` so the MTA keeps the message and retries. A retry
  is stored once: intake is idempotent on the Message-ID.

In LMTP mode the answer to ``DATA`` is one line per accepted recipient (RFC 2033), so one
inbox failing does not make the MTA deliver twice to another.

There is no TLS and no authentication: the listener is meant for the MTA on the same host
or network, which does spam filtering and TLS towards the internet.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import ValidationError
from sqlalchemy import select

from frontdesk.channels.base import parsed_config
from frontdesk.channels.email.config import EmailInboxConfig
from frontdesk.channels.email.intake import IngestResult, UnknownInbox, store_read
from frontdesk.channels.email.readers import LoopReaders
from frontdesk.db.rows import read, table_of
from frontdesk.models import Inbox
from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)
# How long inboxes read for one message may answer the next RCPT (see InboxHandler.recent).
RECENT_SECONDS = 1.0

Stop = Callable[[], None]

TRY_LATER = "451 4.3.0 Try again later"
NO_SUCH_MAILBOX = "550 5.1.1 No such mailbox"
TOO_BIG = "552 5.3.4 Message too big"
ACCEPTED = "250 2.0.0 Message accepted"
# The session's limit before any inbox was read: EmailInboxConfig's default.
DEFAULT_SESSION_LIMIT = 25 * 1024 * 1024
# How long stopping waits for messages being stored to be answered.
DRAIN_SECONDS = 30.0


@dataclass(frozen=True)
class Mailbox:
    """An active email inbox as the listener sees it."""

    inbox_id: int
    config: EmailInboxConfig

    @property
    def address(self) -> str:
        return self.config.address

    @property
    def max_message_bytes(self) -> int:
        return self.config.max_message_bytes

    def takes(self, address: str) -> bool:
        """Is `address` this inbox's address, or a plus-address of it?"""
        address = address.strip().lower()
        if any(c.isspace() or not c.isprintable() for c in address):
            return False
        local, _, domain = address.rpartition("@")
        own_local, _, own_domain = self.address.rpartition("@")
        if not local or domain != own_domain:
            return False
        return local == own_local or (
            local.startswith(own_local + "+") and len(local) > len(own_local) + 1
        )


_INBOXES = table_of(Inbox)
# Read for every message (at RCPT and DATA): a statement built once.
_ACTIVE_EMAIL_INBOXES = (
    select(_INBOXES.c.id, _INBOXES.c.config)
    .where(_INBOXES.c.kind == "email", _INBOXES.c.is_active.is_(True))
    .order_by(_INBOXES.c.id)
)


def active_mailboxes(fd: Frontdesk) -> list[Mailbox]:
    with fd.read() as session:
        rows = read(session, _ACTIVE_EMAIL_INBOXES, {})
    boxes = []
    for inbox_id, config in rows:
        try:
            valid = parsed_config(EmailInboxConfig, inbox_id, config)
        except ValidationError:
            log.warning("email inbox %s has an invalid config; not listening for it", inbox_id)
            continue
        boxes.append(Mailbox(inbox_id, valid))
    return boxes


def find_mailbox(boxes: list[Mailbox], address: str) -> Mailbox | None:
    """The inbox for an envelope recipient: its own address first, then plus-addresses."""
    wanted = address.strip().lower()
    exact = [box for box in boxes if box.address == wanted]
    if exact:
        return exact[0]
    return next((box for box in boxes if box.takes(wanted)), None)


def declared_size(mail_options: list[str]) -> int | None:
    """The SIZE=n the client declared in MAIL FROM (RFC 1870), if any."""
    for option in mail_options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return None


def with_original_recipients(raw: bytes, box: Mailbox, recipients: list[str]) -> bytes:
    """Prepend X-Original-To for envelope recipients that are plus-addresses of the inbox,
    as MTAs do on local delivery: the reply token in the address then threads the message
    even when the headers do not show it (Bcc, a forward, a list). Other addresses are left
    out, and so is anything that is not one clean address. The case is kept: reply tokens
    are case-sensitive."""
    added = b"".join(
        b"X-Original-To: " + r.strip().encode("utf-8") + b"\r\n"
        for r in recipients
        if box.takes(r) and r.strip().lower() != box.address
    )
    return added + raw


def _status(result: IngestResult | BaseException) -> str:
    if isinstance(result, UnknownInbox):
        return NO_SUCH_MAILBOX
    if isinstance(result, BaseException):
        return TRY_LATER
    if result.outcome == "refused":
        reason = result.reason.encode("ascii", "replace").decode("ascii")
        return f"554 5.6.0 {reason or 'Message refused'}"[:500]
    return ACCEPTED


class InboxHandler:
    """The aiosmtpd handler: recipients checked against the inboxes, messages ingested."""

    def __init__(self, fd: Frontdesk, readers: LoopReaders, *, lmtp: bool = False) -> None:
        self.fd = fd
        self.readers = readers
        self.lmtp = lmtp
        # The largest inbox limit seen last: the SIZE a new session announces and enforces.
        self.session_limit = DEFAULT_SESSION_LIMIT
        self._busy = 0
        self._idle = threading.Condition()
        self._known: tuple[float, list[Mailbox]] = (0.0, [])

    def refresh(self) -> list[Mailbox]:
        """Read the inboxes (blocking) and remember the largest limit among them."""
        boxes = active_mailboxes(self.fd)
        if boxes:
            self.session_limit = max(box.max_message_bytes for box in boxes)
        self._known = (time.monotonic(), boxes)
        return boxes

    def recent(self) -> list[Mailbox] | None:
        """The inboxes read less than a second ago, if they were: an MTA delivers in
        bursts, and reading them for every RCPT and DATA would cost as much as storing.
        An inbox deactivated meanwhile still refuses: storing checks it again."""
        read_at, boxes = self._known
        return boxes if time.monotonic() - read_at < RECENT_SECONDS else None

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        boxes = self.recent()
        box = None if boxes is None else find_mailbox(boxes, address)
        if box is None:  # not known a moment ago: perhaps new since
            try:
                boxes = await asyncio.to_thread(self.refresh)
            except Exception:
                log.exception("could not read the email inboxes for RCPT TO %s", address)
                return TRY_LATER
            box = find_mailbox(boxes, address)
        if box is None:
            log.info("refused mail for %s: no such mailbox", address)
            return NO_SUCH_MAILBOX
        size = declared_size(envelope.mail_options)
        if size is not None and size > box.max_message_bytes:
            return f"{TOO_BIG} for this mailbox"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._working():
            statuses = await self._deliver(envelope)
        if self.lmtp:
            return "\r\n".join(statuses[r] for r in envelope.rcpt_tos)
        # SMTP has one answer for all recipients. A temporary failure anywhere makes the MTA
        # retry (what was stored is then a duplicate); else one inbox taking it is success.
        # An inbox too small for it has already refused at RCPT when SIZE was declared,
        # which MTAs do whenever the server offers it.
        given = set(statuses.values())
        for status in (TRY_LATER, ACCEPTED):
            if status in given:
                return status
        return sorted(given)[0]

    async def _deliver(self, envelope: Envelope) -> dict[str, str]:
        """A status per recipient: every recipient of one inbox gets that inbox's."""
        raw = envelope.original_content or b""
        boxes = self.recent()
        try:
            if boxes is None:
                boxes = await asyncio.to_thread(self.refresh)
        except Exception:
            log.exception("could not read the email inboxes for DATA")
            return dict.fromkeys(envelope.rcpt_tos, TRY_LATER)
        statuses: dict[str, str] = {}
        by_inbox: dict[int, tuple[Mailbox, list[str]]] = {}
        for rcpt in envelope.rcpt_tos:
            box = find_mailbox(boxes, rcpt)
            if box is None:  # deactivated since RCPT
                statuses[rcpt] = NO_SUCH_MAILBOX
            else:
                by_inbox.setdefault(box.inbox_id, (box, []))[1].append(rcpt)
        for box, rcpts in by_inbox.values():
            if len(raw) > box.max_message_bytes:
                status = TOO_BIG
            else:
                message = with_original_recipients(raw, box, rcpts)
                outcome: IngestResult | BaseException
                try:
                    outcome = await self._ingest(box, message)
                except UnknownInbox as exc:
                    outcome = exc
                except Exception as exc:
                    log.exception("could not store mail for inbox %s", box.inbox_id)
                    outcome = exc
                status = _status(outcome)
                if isinstance(outcome, IngestResult):
                    log.info(
                        "mail from %s for inbox %s: %s %s (ticket %s)",
                        envelope.mail_from,
                        box.inbox_id,
                        outcome.outcome,
                        outcome.reason,
                        outcome.ticket_id,
                    )
            statuses.update(dict.fromkeys(rcpts, status))
        return statuses

    async def _ingest(self, box: Mailbox, message: bytes) -> IngestResult:
        """Read the message (in a reader process when there are some), then store it
        through the group-commit writer; returns after the commit."""
        read = await self.readers.read(message, box.max_message_bytes)
        if isinstance(read, Exception):
            raise read
        return await self.fd.writes.run(
            partial(store_read, self.fd, box.inbox_id, box.config, message, read)
        )

    @contextmanager
    def _working(self) -> Iterator[None]:
        with self._idle:
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no message is being stored; False if some still are after `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)


# An envelope address in the form MTAs send: <local@domain>, nothing quoted or escaped.
_PLAIN_PATH = re.compile(
    r"\s*<([^\s<>()\[\]\\,;:@\"]+@[^\s<>()\[\]\\,;:@\"]+)>\s*+(?!\()(.*)", re.DOTALL
)


class _PlainPaths(SMTP):
    """aiosmtpd's session, reading a plain `<local@domain>` in MAIL and RCPT without the
    email package's header parser (which, with a class aiosmtpd builds on every call,
    took a quarter of the listener's event loop). Anything else goes to aiosmtpd's own."""

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        plain = _PLAIN_PATH.fullmatch(arg)
        if plain is None:
            return super()._getaddr(arg)
        address, rest = plain.groups()
        if self.local_part_limit and len(address.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return address, rest


class _PlainPathsLMTP(_PlainPaths, LMTP):
    pass


class _Controller(Controller):
    """aiosmtpd's threaded controller, with SMTP or LMTP, a session size limit read from
    the inboxes, and port 0 (any free port) supported."""

    def __init__(
        self, handler: InboxHandler, host: str, port: int, *, lmtp: bool, server_hostname: str
    ) -> None:
        super().__init__(
            handler, hostname=host, port=port, server_hostname=server_hostname, ready_timeout=10
        )
        self.inbox_handler = handler
        self.lmtp = lmtp

    def factory(self) -> SMTP:
        protocol = _PlainPathsLMTP if self.lmtp else _PlainPaths
        return protocol(
            self.inbox_handler,
            data_size_limit=self.inbox_handler.session_limit,
            **self.SMTP_kwargs,
        )

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = int(self.server.sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]


class MailListener:
    """An SMTP (or LMTP) server for the email inboxes, on its own thread. With `readers`,
    that many processes read the messages while this one answers SMTP and stores."""

    def __init__(
        self, fd: Frontdesk, host: str, port: int, *, lmtp: bool = False, readers: int = 0
    ) -> None:
        self.fd = fd
        self.readers = LoopReaders(readers, fd.storage.root)
        self.handler = InboxHandler(fd, self.readers, lmtp=lmtp)
        server_hostname = fd.settings.base_url.host or "localhost"
        self._controller = _Controller(
            self.handler, host, port, lmtp=lmtp, server_hostname=server_hostname
        )
        self.protocol = "LMTP" if lmtp else "SMTP"

    @property
    def host(self) -> str:
        return str(self._controller.hostname)

    @property
    def port(self) -> int:
        """The port listened on (the one chosen, when started with port 0)."""
        return int(self._controller.port)

    def start(self) -> None:
        try:
            self.handler.refresh()
        except Exception:
            log.exception("could not read the email inboxes; listening anyway")
        try:
            self._controller.start()
        except OSError as exc:
            self.readers.close()
            raise RuntimeError(f"cannot listen for mail on {self.host}:{self.port}: {exc}") from exc
        log.info("listening for mail (%s) on %s:%s", self.protocol, self.host, self.port)

    def stop(self) -> None:
        """Stop taking connections, let messages being stored be answered, then stop."""
        server = self._controller.server
        if server is not None:
            self._controller.loop.call_soon_threadsafe(server.close)
        if not self.handler.wait_idle(DRAIN_SECONDS):
            log.warning("stopping the mail listener while messages are still being stored")
        loop = self._controller.loop
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(self.readers.disconnect(), loop).result(5)
        self._controller.stop()
        self.readers.close()
        log.info("mail listener on %s:%s stopped", self.host, self.port)


def parse_listen_address(value: str) -> tuple[str, int]:
    """'127.0.0.1:2525', '[::1]:2525' or ':2525' (every address) → (host, port)."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError("must be host:port, e.g. 127.0.0.1:2525")
    host = host.strip("[]")
    return host, int(port)


def start_listener(fd: Frontdesk) -> Stop | None:
    """The channel service: listen on FRONTDESK_SMTP_LISTEN when it is set."""
    if not fd.settings.smtp_listen:
        return None
    host, port = parse_listen_address(fd.settings.smtp_listen)
    listener = MailListener(fd, host, port, lmtp=fd.settings.smtp_listen_lmtp)
    listener.start()
    return listener.stop
