"""Read an email inbox's IMAP folder: every message not yet stored goes through `ingest()`,
and only after that committed is it marked on the server (keyword `$FrontdeskStored`, and
moved to `processed_folder` when one is configured). Mail is never deleted.

Kill safety: a process that dies between `ingest()` and the mark leaves the message
unmarked; the next poll fetches it again, `ingest()` answers "duplicate" (it is idempotent
on Message-ID, or on the raw bytes' SHA-256 without one), and the message is marked then.

`start_pollers(fd)` runs one thread per active email inbox with an IMAP server: it waits
with IDLE where the server offers it (at most `poll_seconds`; without IDLE it sleeps that
long), polls, and backs off exponentially (up to 5 minutes) when the server cannot be
reached. On PostgreSQL a poller polls only while it holds its inbox's advisory lock, so
that hosts sharing the database never poll one mailbox at once (poller_locks.py).
"""

from __future__ import annotations

import contextlib
import imaplib
import io
import json
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, UnexpectedCommandStatusError
from imap_tools.imap_utf7 import utf7_encode
from sqlalchemy import select

from frontdesk.channels.email.config import EmailInboxConfig, ImapServer
from frontdesk.channels.email.intake import UnknownInbox, ingest, load_config
from frontdesk.channels.email.oauth2 import (
    GrantStore,
    NeedsReauthorization,
    TokenSource,
    TokenUnavailable,
    uses_oauth2,
)
from frontdesk.channels.email.poller_locks import STANDBY_SECONDS, InboxLocks
from frontdesk.models import Inbox
from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)

Stop = Callable[[], None]

STORED_KEYWORD = "$FrontdeskStored"
BATCH_SIZE = 100  # messages per poll; the rest wait for the next one, oldest first
TIMEOUT_SECONDS = 60.0  # connecting and every command
IDLE_MAX_SECONDS = 25 * 60.0  # RFC 2177: renew IDLE before 29 minutes
FIRST_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 5 * 60.0
RESCAN_SECONDS = 60.0  # how often the list of inboxes is read again
STOP_SECONDS = 5.0  # how long stopping waits for the pollers

# What a broken connection raises, from the socket, TLS, imaplib or imap-tools.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    imaplib.IMAP4.error,
    ImapToolsError,
    EOFError,
)


@dataclass(frozen=True)
class PollResult:
    fetched: int = 0  # messages downloaded
    stored: int = 0  # new messages on a ticket
    duplicates: int = 0  # stored before (a poll after a crash, or a second copy)
    refused: int = 0  # handled without storing: refused, a bounce, ignored
    errors: int = 0  # messages left unmarked for the next poll (or marking failed)
    problem: str = ""  # why the folder could not be read at all, for the admin


class ImapUnavailable(Exception):
    """The server cannot be reached, refuses the login or the folder: a clear sentence
    naming the server and the reason, fit for a log line or an admin's screen. `stage`
    says which step failed: connect, login or folder."""

    def __init__(self, message: str, stage: str = "connect") -> None:
        super().__init__(message)
        self.stage = stage


def poll_once(fd: Frontdesk, inbox_id: int, *, batch: int = BATCH_SIZE) -> PollResult:
    """Connect, store up to `batch` unstored messages (oldest first), mark them, log out.
    Raises UnknownInbox when the inbox is not an active email inbox."""
    with fd.reading() as tx:
        config = load_config(tx, inbox_id)
    if config.imap is None:
        return PollResult(problem=f"inbox {inbox_id} has no IMAP server configured")
    counts = _Counts()
    try:
        mailbox = connect_inbox(fd, inbox_id, config)
    except ImapUnavailable as exc:
        log.warning("IMAP inbox %s: %s", inbox_id, exc)
        return PollResult(errors=1, problem=str(exc))
    try:
        _poll(fd, inbox_id, config, mailbox, counts, batch)
    except ImapUnavailable as exc:
        log.warning("IMAP inbox %s: %s", inbox_id, exc)
        counts.problem = str(exc)
    except NETWORK_ERRORS as exc:
        counts.problem = f"{_where(config.imap)}: connection lost: {_reason(exc)}"
        log.warning("IMAP inbox %s: %s", inbox_id, counts.problem)
    finally:
        _logout(mailbox)
    return counts.result()


def connect(
    server: ImapServer,
    *,
    login_name: str = "",
    token: TokenSource | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> BaseMailBox:
    """Connect, log in and select the folder; raises ImapUnavailable with the reason.
    With `token` (auth "oauth2") the login is XOAUTH2 as `login_name`; a token the server
    rejects is refreshed once and the login tried again on a new connection."""
    where = _where(server)
    if token is None:
        return _select(server, _login(server, _open(server, timeout), None, login_name))
    try:
        access = token(None)
        try:
            mailbox = _login(server, _open(server, timeout), access, login_name)
        except _Rejected:
            log.info("%s: the OAuth2 access token was rejected; getting a new one", where)
            fresh = token(access)
            mailbox = _login(server, _open(server, timeout), fresh, login_name)
    except _Rejected as exc:
        raise ImapUnavailable(f"{where}: login failed: {exc}", "login") from None
    except NeedsReauthorization as exc:
        raise ImapUnavailable(
            f"{where}: the inbox needs OAuth2 re-authorisation by an admin: {exc}", "login"
        ) from None
    except TokenUnavailable as exc:
        raise ImapUnavailable(f"{where}: no OAuth2 access token: {exc}", "login") from None
    return _select(server, mailbox)


class _Rejected(Exception):
    """The server refused the login (a wrong password, a revoked token)."""


def _open(server: ImapServer, timeout: float) -> BaseMailBox:
    where = _where(server)
    try:
        mailbox: BaseMailBox
        if server.security == "tls":
            mailbox = MailBox(
                server.host,
                server.port,
                timeout=timeout,
                ssl_context=ssl.create_default_context(),
            )
        elif server.security == "starttls":
            if server.port == 993:
                raise ImapUnavailable(f"{where}: port 993 needs security 'tls', not 'starttls'")
            mailbox = MailBoxStartTls(
                server.host,
                server.port,
                timeout=timeout,
                ssl_context=ssl.create_default_context(),
            )
        else:
            mailbox = MailBoxUnencrypted(server.host, server.port, timeout=timeout)
    except NETWORK_ERRORS as exc:
        raise ImapUnavailable(f"{where}: cannot connect: {_reason(exc)}") from None
    return mailbox


def _login(
    server: ImapServer, mailbox: BaseMailBox, access_token: str | None, login_name: str
) -> BaseMailBox:
    """Log in; raises _Rejected when the server said no to the credentials, and
    ImapUnavailable when the connection failed on the way."""
    where = _where(server)
    try:
        if access_token is not None:
            mailbox.xoauth2(login_name or server.username, access_token, initial_folder=None)
        elif server.oauth2_token:
            mailbox.xoauth2(server.username, server.oauth2_token, initial_folder=None)
        elif server.username.isascii() and server.password.isascii():
            mailbox.login(server.username, server.password, initial_folder=None)
        else:
            mailbox.login_utf8(server.username, server.password, initial_folder=None)
    except NETWORK_ERRORS as exc:
        _close(mailbox)
        if access_token is not None and _refused(exc):
            raise _Rejected(_reason(exc)) from None
        raise ImapUnavailable(f"{where}: login failed: {_reason(exc)}", "login") from None
    return mailbox


def _refused(exc: BaseException) -> bool:
    """A NO to AUTHENTICATE (the server is there and said no), not a lost connection."""
    return isinstance(exc, imaplib.IMAP4.error) and not isinstance(exc, imaplib.IMAP4.abort)


def _select(server: ImapServer, mailbox: BaseMailBox) -> BaseMailBox:
    where = _where(server)
    try:
        mailbox.folder.set(server.folder)
    except NETWORK_ERRORS as exc:
        _logout(mailbox)
        raise ImapUnavailable(
            f"{where}: cannot open folder {server.folder!r}: {_reason(exc)}", "folder"
        ) from None
    return mailbox


def connect_inbox(fd: Frontdesk, inbox_id: int, config: EmailInboxConfig) -> BaseMailBox:
    """`connect()` with the inbox's credentials: its shared OAuth2 token where it uses one."""
    assert config.imap is not None
    if not uses_oauth2(config, config.imap):
        return connect(config.imap)
    assert config.oauth2 is not None
    token = GrantStore.of(fd).token_source(inbox_id, config.oauth2)
    return connect(config.imap, login_name=config.login_name(config.imap), token=token)


@dataclass
class _Counts:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0
    errors: int = 0
    problem: str = ""

    def result(self) -> PollResult:
        return PollResult(
            self.fetched, self.stored, self.duplicates, self.refused, self.errors, self.problem
        )


def _poll(
    fd: Frontdesk,
    inbox_id: int,
    config: EmailInboxConfig,
    mailbox: BaseMailBox,
    counts: _Counts,
    batch: int,
    stopping: threading.Event | None = None,
) -> None:
    """One batch on a selected folder. Connection errors propagate; anything about one
    message is logged and counted and the batch goes on."""
    server = config.imap
    assert server is not None
    client = mailbox.client
    capabilities = _capabilities(client)
    keywords = _accepts_keywords(client)
    moves = bool(capabilities & {"MOVE", "UIDPLUS"})
    if not keywords and not (server.processed_folder and moves):
        # Nothing would tell a stored message from a new one: every poll would take
        # them all again.
        raise ImapUnavailable(
            f"{_where(server)}: folder {server.folder!r} does not accept the keyword "
            f"{STORED_KEYWORD}; set a processed_folder to move stored mail to (the server "
            "must offer MOVE or UIDPLUS)"
        )
    if server.processed_folder and not mailbox.folder.exists(server.processed_folder):
        _check(client.create(_folder_arg(server.processed_folder)), "CREATE")
    uids = _unstored(client)[:batch]
    sizes = _sizes(client, uids)
    first_error = True
    for uid in uids:
        if stopping is not None and stopping.is_set():
            return
        raw = _fetch(client, uid, sizes.get(uid, 0), config.max_message_bytes)
        if raw is None:
            continue  # expunged by someone else meanwhile
        counts.fetched += 1
        try:
            result = ingest(fd, inbox_id, raw)
        except UnknownInbox:
            raise
        except Exception as exc:
            counts.errors += 1
            # The first failure of a batch with its traceback; the rest (a database that
            # is down fails them all) in one line each.
            log.warning(
                "IMAP inbox %s: message uid %s not stored, the next poll tries again: %r",
                inbox_id,
                uid,
                exc,
                exc_info=first_error,
            )
            first_error = False
            continue
        if result.outcome == "stored":
            counts.stored += 1
        elif result.outcome == "duplicate":
            counts.duplicates += 1
        else:
            counts.refused += 1
            log.info(
                "IMAP inbox %s: message uid %s %s: %s", inbox_id, uid, result.outcome, result.reason
            )
        try:
            _mark(client, uid, server, capabilities, keywords)
        except (imaplib.IMAP4.error, ImapToolsError) as exc:
            if isinstance(exc, imaplib.IMAP4.abort):
                raise
            counts.errors += 1
            log.warning(
                "IMAP inbox %s: message uid %s is stored but could not be marked "
                "(it will be fetched again and found a duplicate): %s",
                inbox_id,
                uid,
                _reason(exc),
            )


def _unstored(client: imaplib.IMAP4) -> list[int]:
    typ, data = client.uid("SEARCH", "UNDELETED", "UNKEYWORD", STORED_KEYWORD)
    _check((typ, data), "SEARCH")
    found = b" ".join(d for d in data if isinstance(d, bytes))
    return sorted(int(n) for n in found.split())


def _sizes(client: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    if not uids:
        return {}
    typ, data = client.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
    _check((typ, data), "FETCH")
    sizes = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if isinstance(line, bytes):
            uid = re.search(rb"UID (\d+)", line)
            size = re.search(rb"RFC822\.SIZE (\d+)", line)
            if uid and size:
                sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _fetch(client: imaplib.IMAP4, uid: int, size: int, limit: int) -> bytes | None:
    """The raw message as the server keeps it, without setting \\Seen. Past the inbox's size
    limit only limit + 1 bytes are downloaded: enough for `ingest()` to refuse it."""
    part = "BODY.PEEK[]" if size <= limit else f"BODY.PEEK[]<0.{limit + 1}>"
    typ, data = client.uid("FETCH", str(uid), f"(UID {part})")
    _check((typ, data), "FETCH")
    for item in data:
        if isinstance(item, tuple) and isinstance(item[1], bytes):
            named = re.search(rb"UID (\d+)", item[0])
            if named is None or int(named.group(1)) == uid:
                return item[1]
    return None


def _mark(
    client: imaplib.IMAP4, uid: int, server: ImapServer, capabilities: set[str], keywords: bool
) -> None:
    """Mark one stored message. Never EXPUNGE the folder (imap-tools' flag() and move() do,
    which would remove other people's deleted mail): only this UID, and only with UIDPLUS."""
    if keywords:
        _check(client.uid("STORE", str(uid), "+FLAGS.SILENT", f"({STORED_KEYWORD})"), "STORE")
    if not server.processed_folder:
        return
    folder = _folder_arg(server.processed_folder)
    if "MOVE" in capabilities:
        _check(client.uid("MOVE", str(uid), folder), "MOVE")
        return
    _check(client.uid("COPY", str(uid), folder), "COPY")
    if "UIDPLUS" in capabilities:
        _check(client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
        _check(client.uid("EXPUNGE", str(uid)), "UID EXPUNGE")
    # Otherwise the original stays in the folder, marked, and is not fetched again.


def _capabilities(client: imaplib.IMAP4) -> set[str]:
    """The capabilities after login (servers announce more than before it)."""
    typ, data = client.capability()
    if typ == "OK" and data and isinstance(data[-1], bytes):
        return {c.upper() for c in data[-1].decode("ascii", "replace").split()}
    return {str(c).upper() for c in client.capabilities}


def _accepts_keywords(client: imaplib.IMAP4) -> bool:
    flags = b" ".join(
        f for f in client.untagged_responses.get("PERMANENTFLAGS", []) if isinstance(f, bytes)
    )
    return not flags or b"\\*" in flags or STORED_KEYWORD.encode() in flags


def _folder_arg(name: str) -> str:
    encoded = utf7_encode(name).decode("ascii")
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(result: tuple[str, list[object]], command: str) -> None:
    typ, data = result
    if typ != "OK":
        text = " ".join(d.decode(errors="replace") for d in data if isinstance(d, bytes))
        raise imaplib.IMAP4.error(f"{command} answered {typ}: {text}".strip())


def _where(server: ImapServer) -> str:
    who = f" as {server.username}" if server.username else ""
    return f"IMAP server {server.host}:{server.port} ({server.security}){who}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnexpectedCommandStatusError):
        typ, data = exc.command_result[0], exc.command_result[1]
        items = data if isinstance(data, list) else [data]
        text = " ".join(
            d.decode(errors="replace") if isinstance(d, bytes) else str(d)
            for d in items
            if d is not None
        )
        return f"the server answered {typ}: {text}".strip()
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {exc.reason or exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _close(mailbox: BaseMailBox) -> None:
    with contextlib.suppress(Exception):  # it is gone either way
        mailbox.client.shutdown()


def _logout(mailbox: BaseMailBox) -> None:
    try:
        mailbox.client.logout()
    except Exception:
        _close(mailbox)


# --- Pollers -------------------------------------------------------------------------------


class _Poller:
    """One inbox: connect, poll, wait (IDLE or sleep), poll again; back off on failure."""

    def __init__(
        self,
        fd: Frontdesk,
        inbox_id: int,
        config: EmailInboxConfig,
        locks: InboxLocks,
        standby_seconds: float,
    ) -> None:
        assert config.imap is not None
        self.fd = fd
        self.locks = locks
        self.standby_seconds = standby_seconds
        self.inbox_id = inbox_id
        self.config = config
        self.server: ImapServer = config.imap
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"imap-inbox-{inbox_id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()

    def _run(self) -> None:
        try:
            self._poll_while_held()
        finally:
            self.locks.give_back(self.inbox_id, self)

    def _poll_while_held(self) -> None:
        failures = 0
        standing_by = False
        while not self.stopping.is_set():
            if not self.locks.take(self.inbox_id, self):
                if not standing_by:
                    log.info("IMAP inbox %s: another host polls it; standing by", self.inbox_id)
                    standing_by = True
                self.stopping.wait(self.standby_seconds)
                continue
            if standing_by:
                log.info("IMAP inbox %s: took over polling it", self.inbox_id)
                standing_by = False
            try:
                mailbox = connect_inbox(self.fd, self.inbox_id, self.config)
            except ImapUnavailable as exc:
                failures += 1
                self._back_off(failures, str(exc))
                continue
            if failures:
                log.info("IMAP inbox %s: %s answers again", self.inbox_id, _where(self.server))
            failures = 0
            try:
                self._serve(mailbox)
            except UnknownInbox:
                log.info("IMAP inbox %s is no longer an active email inbox", self.inbox_id)
                return
            except ImapUnavailable as exc:
                failures += 1
                self._back_off(failures, str(exc))
            except NETWORK_ERRORS as exc:
                failures += 1
                self._back_off(failures, f"{_where(self.server)}: connection lost: {_reason(exc)}")
            except Exception:
                failures += 1
                log.exception("IMAP inbox %s: the poller failed", self.inbox_id)
                self._back_off(failures, "unexpected error")
            finally:
                _logout(mailbox)

    def _back_off(self, failures: int, reason: str) -> None:
        delay = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (failures - 1))
        log.warning("IMAP inbox %s: %s; trying again in %.0f s", self.inbox_id, reason, delay)
        self.stopping.wait(delay)

    def _serve(self, mailbox: BaseMailBox) -> None:
        idle = "IDLE" in _capabilities(mailbox.client)
        while not self.stopping.is_set():
            if not self.locks.holds(self.inbox_id, self):
                log.warning("IMAP inbox %s: lost its polling lock; stopped polling", self.inbox_id)
                return
            counts = _Counts()
            _poll(self.fd, self.inbox_id, self.config, mailbox, counts, BATCH_SIZE, self.stopping)
            if counts.fetched:
                log.info("IMAP inbox %s: %s", self.inbox_id, counts.result())
            for name in ("EXISTS", "RECENT", "EXPUNGE", "FETCH"):
                # imaplib keeps unsolicited responses forever; a long session would grow.
                mailbox.client.untagged_responses.pop(name, None)
            if counts.fetched >= BATCH_SIZE:
                continue  # more are waiting
            if counts.errors:
                self.stopping.wait(self.server.poll_seconds)  # do not hammer a sick database
            elif idle:
                self._idle(mailbox)
            else:
                self.stopping.wait(self.server.poll_seconds)

    def _idle(self, mailbox: BaseMailBox) -> None:
        """IDLE until the server reports something, `poll_seconds` pass (some servers are
        slow to notify) or we are stopped."""
        deadline = time.monotonic() + min(self.server.poll_seconds, IDLE_MAX_SECONDS)
        mailbox.idle.start()  # type: ignore[no-untyped-call]
        try:
            while not self.stopping.is_set() and time.monotonic() < deadline:
                if _buffered(mailbox.client) or not self.locks.holds(self.inbox_id, self):
                    return
                began = time.monotonic()
                if mailbox.idle.poll(timeout=1.0):
                    return
                if time.monotonic() - began < 0.5:
                    # Readable but nothing to read: the server closed the connection.
                    raise EOFError("the server closed the connection")
        finally:
            mailbox.idle.stop()  # type: ignore[no-untyped-call]


def _buffered(client: imaplib.IMAP4) -> bool:
    """Whether a response already sits in imaplib's read buffer (read together with the
    previous line), where waiting on the socket would not see it."""
    reader = client.file
    if not isinstance(reader, io.BufferedReader):
        return False
    sock = client.sock
    timeout = sock.gettimeout()
    sock.settimeout(0)
    try:
        return bool(reader.peek(1))
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    finally:
        sock.settimeout(timeout)


class _Supervisor:
    def __init__(self, fd: Frontdesk, rescan_seconds: float, standby_seconds: float) -> None:
        self.fd = fd
        self.rescan_seconds = rescan_seconds
        self.standby_seconds = standby_seconds
        self.locks = InboxLocks(fd.engine)
        self.stopping = threading.Event()
        self.pollers: dict[int, tuple[str, _Poller]] = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="imap-pollers", daemon=True)

    def sync(self, wanted: dict[int, str]) -> None:
        with self.lock:
            if not self.stopping.is_set():
                self._sync(wanted)

    def _sync(self, wanted: dict[int, str]) -> None:
        for inbox_id, (config, poller) in list(self.pollers.items()):
            if wanted.get(inbox_id) != config or not poller.thread.is_alive():
                poller.stop()
                del self.pollers[inbox_id]
        for inbox_id, config in wanted.items():
            if inbox_id not in self.pollers:
                poller = _Poller(
                    self.fd,
                    inbox_id,
                    EmailInboxConfig.model_validate(json.loads(config)),
                    self.locks,
                    self.standby_seconds,
                )
                poller.start()
                self.pollers[inbox_id] = (config, poller)
                log.info("IMAP inbox %s: reading %s", inbox_id, _where(poller.server))

    def _run(self) -> None:
        while not self.stopping.wait(self.rescan_seconds):
            try:
                self.sync(_wanted(self.fd))
            except Exception as exc:
                log.warning("IMAP pollers: cannot read the list of inboxes: %r", exc)

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
            pollers = [poller for _, poller in self.pollers.values()]
        for poller in pollers:
            poller.stop()
        deadline = time.monotonic() + STOP_SECONDS
        for thread in [self.thread, *(p.thread for p in pollers)]:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("IMAP pollers: %s did not stop in time", thread.name)
        self.locks.close()  # gives back every inbox lock still held


def _wanted(fd: Frontdesk) -> dict[int, str]:
    """Active email inboxes with an IMAP server: id → their config (to notice changes)."""
    with fd.read() as session:
        inboxes = session.scalars(
            select(Inbox).where(Inbox.kind == "email", Inbox.is_active.is_(True))
        ).all()
        return {
            inbox.id: json.dumps(inbox.config, sort_keys=True)
            for inbox in inboxes
            if (inbox.config or {}).get("imap")
        }


def start_pollers(
    fd: Frontdesk,
    *,
    rescan_seconds: float = RESCAN_SECONDS,
    standby_seconds: float = STANDBY_SECONDS,
) -> Stop | None:
    """Start a poller per active email inbox with an IMAP server, and re-read the list
    every `rescan_seconds`. Returns the function that stops them, or None when no inbox
    reads IMAP (an inbox given an IMAP server later is polled after a restart)."""
    try:
        wanted: dict[int, str] | None = _wanted(fd)
    except Exception as exc:  # the database is not there yet: look again in a while
        log.warning("IMAP pollers: cannot read the list of inboxes: %r", exc)
        wanted = None
    if wanted is not None and not wanted:
        return None
    supervisor = _Supervisor(fd, rescan_seconds, standby_seconds)
    supervisor.sync(wanted or {})
    supervisor.thread.start()
    return supervisor.stop
