"""IMAP polling against a real Dovecot: what is stored, what is marked, what survives a
crash between storing and marking, and the pollers that run beside the workers."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from imap_tools import MailBoxUnencrypted
from sqlalchemy import select

from frontdesk.channels.email.imap import STORED_KEYWORD, poll_once, start_pollers
from frontdesk.channels.email.intake import ingest
from frontdesk.config import Settings
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.models import Attachment, Message, Ticket
from frontdesk.runtime import Frontdesk
from tests.conftest import START, count, require_or_skip
from tests.email.dovecot import DOVECOT, Account, Dovecot, dovecot
from tests.servers import env_for, free_port, started, wait_until


@pytest.fixture(scope="module")
def imap_server() -> Iterator[Dovecot]:
    if DOVECOT is None:
        require_or_skip("Dovecot (Debian package dovecot-imapd)")
    # Not under pytest's private tmp: Dovecot reads and writes mail as an unprivileged user.
    root = Path(tempfile.mkdtemp(prefix="frontdesk-dovecot-"))
    root.chmod(0o755)
    try:
        with dovecot(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def account(imap_server: Dovecot) -> Account:
    return imap_server.new_account()


def email_inbox(fd: Frontdesk, imap: dict[str, Any], address: str = "support@example.com") -> int:
    with fd.transaction() as tx:
        inbox = create_inbox(
            tx,
            SYSTEM,
            name=f"Support {address}",
            kind="email",
            config={"address": address, "imap": imap},
            team_id=None,
        )
        return inbox.id


def mail(
    subject: str,
    text: str,
    *,
    sender: str = "Ani <ani@example.org>",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@example.com"
    message["Subject"] = subject
    message["Date"] = format_datetime(START)
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(text)
    if attachment:
        name, data = attachment
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def deliver(account: Account, *raws: bytes, folder: str = "INBOX") -> None:
    with MailBoxUnencrypted(account.host, account.port).login(
        account.username, account.password, initial_folder=None
    ) as mailbox:
        for raw in raws:
            mailbox.append(raw, folder)


def flags_in(account: Account, folder: str = "INBOX") -> list[tuple[str, ...]]:
    """The flags of each message in the folder (but \\Recent, which depends on who looked)."""
    with MailBoxUnencrypted(account.host, account.port).login(
        account.username, account.password, initial_folder=folder
    ) as mailbox:
        return [
            tuple(f for f in m.flags if f != "\\Recent")
            for m in mailbox.fetch(mark_seen=False, headers_only=True)
        ]


PLAIN = mail("My order has not arrived", "Order 1042 is late.", message_id="<m1@example.org>")
REPLY = mail(
    "Re: My order has not arrived",
    "It is still not here.",
    message_id="<m2@example.org>",
    in_reply_to="<m1@example.org>",
)
UTF8 = mail(
    "Պատվերը չի հասել — Η παραγγελία δεν έφτασε",
    "Բարև Ձեզ, պատվերս դեռ չի հասել։\nΓεια σας, η παραγγελία μου δεν έφτασε ακόμα.",
    sender="Ελένη Παπαδοπούλου <eleni@example.gr>",
    message_id="<m3@example.gr>",
    attachment=("απόδειξη.pdf", b"%PDF-1.4 receipt"),
)


def test_a_poll_stores_new_mail_as_tickets_and_marks_every_message(
    fd: Frontdesk, account: Account
) -> None:
    inbox_id = email_inbox(fd, account.imap_config())
    deliver(account, PLAIN, REPLY, UTF8)

    result = poll_once(fd, inbox_id)

    assert (result.fetched, result.stored, result.duplicates, result.errors) == (3, 3, 0, 0)
    assert result.problem == ""
    assert count(fd, Ticket) == 2
    assert count(fd, Message) == 3
    assert count(fd, Attachment) == 1
    with fd.read() as session:
        subjects = set(session.scalars(select(Ticket.subject)))
        texts = list(session.scalars(select(Message.text).order_by(Message.id)))
    assert subjects == {"My order has not arrived", "Պատվերը չի հասել — Η παραγγελία δεν έφτασε"}
    assert "Բարև Ձեզ" in texts[2] and "Γεια σας" in texts[2]
    assert all(STORED_KEYWORD in flags for flags in flags_in(account))
    assert all("\\Seen" not in flags for flags in flags_in(account)), "unread stays unread"


def test_a_second_poll_fetches_nothing(fd: Frontdesk, account: Account) -> None:
    inbox_id = email_inbox(fd, account.imap_config())
    deliver(account, PLAIN)
    poll_once(fd, inbox_id)

    again = poll_once(fd, inbox_id)

    assert (again.fetched, again.stored, again.errors) == (0, 0, 0)
    assert count(fd, Message) == 1


def test_a_message_stored_but_not_marked_before_a_crash_is_stored_once_and_marked(
    fd: Frontdesk, account: Account
) -> None:
    inbox_id = email_inbox(fd, account.imap_config())
    # No Message-ID: the duplicate is recognised by the SHA-256 of the raw bytes.
    raw = mail("Without an id", "The process died after storing me.")
    deliver(account, raw)
    assert ingest(fd, inbox_id, raw).outcome == "stored"  # ...and then SIGKILL, no mark

    result = poll_once(fd, inbox_id)

    assert (result.fetched, result.stored, result.duplicates) == (1, 0, 1)
    assert count(fd, Message) == 1
    assert flags_in(account) == [(STORED_KEYWORD,)]


def test_a_message_that_cannot_be_stored_stays_unmarked_for_the_next_poll(
    fd: Frontdesk, account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    inbox_id = email_inbox(fd, account.imap_config())
    invoices = [
        mail(
            f"Invoice {n}",
            "The invoice is attached.",
            message_id=f"<invoice-{n}@example.org>",
            attachment=(f"invoice-{n}.pdf", b"%PDF-1.4 invoice " + bytes([48 + n])),
        )
        for n in (1, 2)
    ]
    deliver(account, *invoices)
    # A broken disk: where attachments are kept is a file, not a directory.
    store = fd.storage.root
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(b"")

    with caplog.at_level(logging.WARNING, "frontdesk.channels.email.imap"):
        failed = poll_once(fd, inbox_id)

    assert (failed.fetched, failed.stored, failed.errors) == (2, 0, 2)
    assert flags_in(account) == [(), ()]
    assert [bool(r.exc_info) for r in caplog.records] == [True, False], (
        "one traceback per batch, then one line per message"
    )

    store.unlink()
    retried = poll_once(fd, inbox_id)

    assert (retried.fetched, retried.stored, retried.errors) == (2, 2, 0)
    assert flags_in(account) == [(STORED_KEYWORD,), (STORED_KEYWORD,)]


def test_stored_mail_moves_to_the_processed_folder(fd: Frontdesk, account: Account) -> None:
    inbox_id = email_inbox(fd, account.imap_config(processed_folder="Done by Frontdesk"))
    deliver(account, PLAIN, REPLY)

    result = poll_once(fd, inbox_id)

    assert result.stored == 2
    assert flags_in(account, "INBOX") == []
    assert flags_in(account, "Done by Frontdesk") == [(STORED_KEYWORD,), (STORED_KEYWORD,)]
    assert poll_once(fd, inbox_id).fetched == 0


def test_a_refused_message_is_marked_too(fd: Frontdesk, account: Account) -> None:
    inbox_id = email_inbox(fd, account.imap_config())
    deliver(account, mail("No sender", "Who wrote this?", sender="undisclosed"))

    result = poll_once(fd, inbox_id)

    assert (result.fetched, result.refused, result.errors) == (1, 1, 0)
    assert count(fd, Message) == 0
    assert flags_in(account) == [(STORED_KEYWORD,)]


def test_a_message_over_the_size_limit_is_refused_and_marked(
    fd: Frontdesk, account: Account
) -> None:
    with fd.transaction() as tx:
        inbox_id = create_inbox(
            tx,
            SYSTEM,
            name="Small",
            kind="email",
            config={
                "address": "support@example.com",
                "imap": account.imap_config(),
                "max_message_bytes": 2048,
            },
            team_id=None,
        ).id
    deliver(account, mail("A large scan", "Attached.", attachment=("scan.pdf", b"%PDF" * 4096)))

    result = poll_once(fd, inbox_id)

    assert (result.fetched, result.refused, result.errors) == (1, 1, 0)
    assert count(fd, Message) == 0
    assert flags_in(account) == [(STORED_KEYWORD,)]


def test_a_wrong_password_is_a_clear_problem_and_stores_nothing(
    fd: Frontdesk, account: Account
) -> None:
    inbox_id = email_inbox(fd, account.imap_config(password="not-the-password"))
    deliver(account, PLAIN)

    result = poll_once(fd, inbox_id)

    assert (result.fetched, result.stored, result.errors) == (0, 0, 1)
    assert "login failed" in result.problem
    assert f"127.0.0.1:{account.port}" in result.problem
    assert account.username in result.problem
    assert "AUTHENTICATIONFAILED" in result.problem
    assert count(fd, Message) == 0
    assert flags_in(account) == [()]


def test_a_server_that_does_not_answer_is_a_clear_problem(fd: Frontdesk, account: Account) -> None:
    inbox_id = email_inbox(fd, account.imap_config(port=free_port()))

    result = poll_once(fd, inbox_id)

    assert result.errors == 1
    assert "cannot connect" in result.problem


@pytest.fixture
def trusted_certificate(imap_server: Dovecot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the test server's self-signed certificate trusted, as a real CA's would be."""
    if imap_server.certificate is None:
        pytest.skip("openssl is not installed: no TLS for the test server")
    monkeypatch.setenv("SSL_CERT_FILE", str(imap_server.certificate))


@pytest.mark.usefixtures("trusted_certificate")
@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_mail_is_read_over_tls_and_starttls(fd: Frontdesk, account: Account, security: str) -> None:
    assert account.tls_port is not None
    port = account.tls_port if security == "tls" else account.port
    inbox_id = email_inbox(fd, account.imap_config(security=security, port=port))
    deliver(account, PLAIN)

    result = poll_once(fd, inbox_id)

    assert (result.stored, result.problem) == (1, "")


def test_a_certificate_that_is_not_trusted_is_a_clear_problem(
    fd: Frontdesk, imap_server: Dovecot, account: Account
) -> None:
    if imap_server.certificate is None:
        pytest.skip("openssl is not installed: no TLS for the test server")
    assert account.tls_port is not None
    inbox_id = email_inbox(fd, account.imap_config(security="tls", port=account.tls_port))
    deliver(account, PLAIN)

    result = poll_once(fd, inbox_id)

    assert result.stored == 0
    assert "cannot connect" in result.problem
    assert "CERTIFICATE_VERIFY_FAILED" in result.problem


def imap_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("imap-")]


def test_pollers_store_new_mail_pick_up_new_inboxes_and_stop(
    fd: Frontdesk, imap_server: Dovecot, account: Account
) -> None:
    # Polling only every two minutes: within the wait, only IDLE can bring the message.
    email_inbox(fd, account.imap_config(poll_seconds=120))
    stop = start_pollers(fd, rescan_seconds=0.5)
    assert stop is not None
    try:
        deliver(account, PLAIN)
        wait_until(lambda: count(fd, Message) == 1, "IDLE to bring the first message", 60)

        other = imap_server.new_account()
        email_inbox(fd, other.imap_config(poll_seconds=1), address="sales@example.com")
        deliver(other, UTF8)
        wait_until(lambda: count(fd, Message) == 2, "a poller for the new inbox")
        wait_until(lambda: flags_in(other) == [(STORED_KEYWORD,)], "the new inbox's message marked")
    finally:
        stop()
    assert imap_threads() == [], "every poller thread ended"


@pytest.mark.usefixtures("trusted_certificate")
def test_a_poller_over_tls_waits_with_idle(fd: Frontdesk, account: Account) -> None:
    assert account.tls_port is not None
    config = account.imap_config(security="tls", port=account.tls_port, poll_seconds=120)
    email_inbox(fd, config)
    stop = start_pollers(fd)
    assert stop is not None
    try:
        deliver(account, UTF8)
        wait_until(lambda: count(fd, Message) == 1, "IDLE over TLS to bring the message", 60)
    finally:
        stop()
    assert imap_threads() == []


def test_no_pollers_start_without_an_imap_inbox(fd: Frontdesk) -> None:
    with fd.transaction() as tx:
        create_inbox(
            tx,
            SYSTEM,
            name="Webhook only",
            kind="email",
            config={"address": "a@example.com"},
            team_id=None,
        )

    assert start_pollers(fd) is None


def test_a_poller_that_cannot_log_in_says_why_and_stops_promptly(
    fd: Frontdesk, account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    email_inbox(fd, account.imap_config(password="wrong"))
    caplog.set_level(logging.WARNING, "frontdesk.channels.email.imap")
    stop = start_pollers(fd)
    assert stop is not None
    try:
        wait_until(lambda: "login failed" in caplog.text, "the poller to report the login")
    finally:
        stop()
    assert imap_threads() == []
    [record] = [r for r in caplog.records if "login failed" in r.getMessage()]
    assert "trying again in 5 s" in record.getMessage()
    assert not record.exc_info, "a clear line, not a traceback"


def test_a_worker_killed_in_the_middle_of_a_mailbox_loses_and_doubles_nothing(
    fd: Frontdesk, settings: Settings, account: Account, tmp_path: Path
) -> None:
    """SIGKILL a real `frontdesk worker` while it works through a mailbox, start another:
    every message is there exactly once, and every one ends marked on the server.

    400 messages in the suite; FRONTDESK_TEST_KILL_MAILBOX=10000 runs the full-size case
    (about ten minutes on two busy cores)."""
    total = int(os.environ.get("FRONTDESK_TEST_KILL_MAILBOX", "400"))
    deliver(
        account,
        *(
            mail(f"Order {n}", f"Message number {n}", message_id=f"<bulk{n}@example.org>")
            for n in range(total)
        ),
    )
    email_inbox(fd, account.imap_config(poll_seconds=1))
    env = env_for(settings)

    with started(["worker", "--threads", "1"], env, tmp_path) as first:
        try:
            wait_until(
                lambda: count(fd, Message) >= total // 7, "the first worker to store some mail", 300
            )
        except AssertionError:  # show what the worker said
            raise AssertionError(first.output) from None
        first.signal(signal.SIGKILL)
        first.wait()
    stored_before_restart = count(fd, Message)
    assert stored_before_restart < total

    with started(["worker", "--threads", "1"], env, tmp_path):
        wait_until(lambda: count(fd, Message) >= total, "the second worker to finish", 900)
        wait_until(
            lambda: all(STORED_KEYWORD in f for f in flags_in(account)),
            "every message to be marked",
            300,
        )

    with fd.read() as session:
        ids = session.scalars(select(Message.external_id)).all()
    assert len(ids) == total
    assert set(ids) == {f"bulk{n}@example.org" for n in range(total)}
