"""The SMTP/LMTP listener, spoken to by the standard library's smtplib as an MTA would."""

from __future__ import annotations

import asyncio
import signal
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP
from sqlalchemy import select

from frontdesk.channels.email.intake import original_of
from frontdesk.channels.email.listener import (
    InboxHandler,
    MailListener,
    _PlainPaths,
    start_listener,
)
from frontdesk.channels.email.readers import LoopReaders
from frontdesk.channels.services import SERVICES, start_services, stop_services
from frontdesk.clock import FrozenClock
from frontdesk.config import Settings
from frontdesk.models import Attachment, Contact, Message, Ticket
from frontdesk.runtime import Frontdesk
from tests.conftest import count, table_gone
from tests.email.mails import customer_mail as mail
from tests.email.mails import email_inbox
from tests.servers import env_for, free_port, started, wait_until


@pytest.fixture
def support(fd: Frontdesk) -> int:
    return email_inbox(fd, "support@example.com")


@pytest.fixture
def listener(fd: Frontdesk, support: int) -> Iterator[MailListener]:
    running = MailListener(fd, "127.0.0.1", 0)
    running.start()
    yield running
    running.stop()


@contextmanager
def smtp_to(listener: MailListener) -> Iterator[smtplib.SMTP]:
    with smtplib.SMTP(listener.host, listener.port, timeout=30) as client:
        yield client


def bcc_to_the_plus_address(listener: MailListener, token: str) -> None:
    """A colleague's mail with the ticket's plus address in Bcc: only the envelope says
    which ticket it belongs to."""
    bcc = mail(
        sender="aram@example.net",
        to="someone@example.net",
        subject="Fwd: about Ani's order",
        message_id="<colleague-2@example.net>",
    )
    with smtp_to(listener) as client:
        client.sendmail("aram@example.net", [f"support+{token}@example.com"], bcc)


def tickets(fd: Frontdesk) -> list[Ticket]:
    with fd.read() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def test_a_mail_to_support_is_stored_before_sendmail_returns(
    fd: Frontdesk, listener: MailListener
) -> None:
    with smtp_to(listener) as client:
        refused = client.sendmail("ani@example.org", ["support@example.com"], mail())
        [ticket] = tickets(fd)  # no waiting: 250 came after the commit
    assert refused == {}
    assert ticket.subject == "Ուշացած պատվեր"
    with fd.read() as session:
        [message] = session.scalars(select(Message).where(Message.ticket_id == ticket.id))
        assert message.text.strip() == "Պատվերս դեռ չի հասել։"
        assert message.external_id == "order-1@example.org"


def test_with_a_reader_process_mail_is_read_there_and_stored_and_threaded_here(
    fd: Frontdesk, support: int
) -> None:
    listener = MailListener(fd, "127.0.0.1", 0, readers=1)
    listener.start()
    try:
        first = EmailMessage()
        first.set_content("Պատվերս դեռ չի հասել։")
        first.add_attachment(
            b"%PDF-1.4 order", maintype="application", subtype="pdf", filename="պատվեր.pdf"
        )
        first["From"], first["To"] = "Անի <ani@example.org>", "support@example.com"
        first["Subject"], first["Message-ID"] = "Ուշացած պատվեր", "<order-1@example.org>"
        with smtp_to(listener) as client:
            assert (
                client.sendmail("ani@example.org", ["support@example.com"], first.as_bytes()) == {}
            )
        [ticket] = tickets(fd)
        bcc_to_the_plus_address(listener, ticket.token)  # the reader must see the envelope
    finally:
        listener.stop()
    assert [t.id for t in tickets(fd)] == [ticket.id]
    with fd.read() as session:
        messages = list(
            session.scalars(
                select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)
            )
        )
        [attachment] = session.scalars(select(Attachment))
    assert [m.external_id for m in messages] == ["order-1@example.org", "colleague-2@example.net"]
    assert attachment.filename == "պատվեր.pdf"
    assert fd.storage.get(attachment.sha256) == b"%PDF-1.4 order"
    raw = original_of(fd, messages[0].id)
    assert raw is not None
    assert b"order-1@example.org" in raw


def test_when_a_reader_process_dies_the_mta_is_told_to_retry_and_the_retry_is_stored(
    fd: Frontdesk, support: int
) -> None:
    listener = MailListener(fd, "127.0.0.1", 0, readers=1)
    listener.start()
    try:
        with smtp_to(listener) as client:
            assert client.sendmail("ani@example.org", ["support@example.com"], mail()) == {}
        [reader] = listener.readers._processes
        reader.kill()
        reader.join()
        second = mail(subject="Ещё вопрос", message_id="<order-2@example.org>")
        answers = []
        for _ in range(2):  # an MTA retries after a 4xx
            with smtp_to(listener) as client:
                try:
                    client.sendmail("ani@example.org", ["support@example.com"], second)
                except smtplib.SMTPDataError as refused:
                    answers.append(refused.smtp_code)
                else:
                    answers.append(250)
                    break
    finally:
        listener.stop()
    assert answers in ([250], [451, 250])  # the message in hand when it died, if any, is retried
    assert count(fd, Message) == 2  # read on a thread since, stored once


@pytest.mark.parametrize(
    "arg",
    [
        "<ani@example.org>",
        "<ani@example.org> SIZE=1234 BODY=8BITMIME",
        "<ani@example.org>  (a comment) SIZE=1",
        "<ani@example.org>\t",
        "<анна@пример.рф>",
        "<ani@[127.0.0.1]>",
        " <support+Kx3vQ2aB@example.com>",
        "<>",
        '<"ani petrosyan"@example.org>',
        "<@relay.example:ani@example.org>",
        "ani@example.org",
        "<ani@example.org",
        "<ani@@example.org>",
        "<ani@example.org>>",
        "",
    ],
)
def test_envelope_addresses_are_read_as_aiosmtpd_reads_them(
    fd: Frontdesk, support: int, arg: str
) -> None:
    handler = InboxHandler(fd, LoopReaders(0, fd.storage.root))
    loop = asyncio.new_event_loop()  # a session needs one, never run here
    try:
        ours, theirs = _PlainPaths(handler, loop=loop), SMTP(handler, loop=loop)
        assert ours._getaddr(arg) == theirs._getaddr(arg)
        ours.local_part_limit = theirs.local_part_limit = 3
        assert ours._getaddr(arg) == theirs._getaddr(arg)
    finally:
        loop.close()


def test_an_unknown_recipient_is_refused_with_550_and_nothing_is_stored(
    fd: Frontdesk, listener: MailListener
) -> None:
    with smtp_to(listener) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("ani@example.org", ["sales@example.com"], mail(to="sales@example.com"))
    assert refused.value.recipients == {"sales@example.com": (550, b"5.1.1 No such mailbox")}
    assert count(fd, Ticket) == 0


def test_of_two_recipients_only_the_inbox_takes_the_message(
    fd: Frontdesk, listener: MailListener
) -> None:
    with smtp_to(listener) as client:
        refused = client.sendmail(
            "ani@example.org", ["Support@Example.com", "nobody@example.com"], mail()
        )
    assert refused == {"nobody@example.com": (550, b"5.1.1 No such mailbox")}
    assert count(fd, Ticket) == 1


def test_a_message_over_the_inbox_limit_is_refused_with_552_when_its_size_is_declared(
    fd: Frontdesk, listener: MailListener
) -> None:
    email_inbox(fd, "tiny@example.com", max_message_bytes=1024)
    big = mail(to="tiny@example.com", body="Պատվեր\n" * 400)
    with smtp_to(listener) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("ani@example.org", ["tiny@example.com"], big)  # declares SIZE=
    [(code, reply)] = refused.value.recipients.values()
    assert (code, reply) == (552, b"5.3.4 Message too big for this mailbox")
    assert count(fd, Ticket) == 0


def test_a_message_over_the_inbox_limit_is_refused_with_552_after_data(
    fd: Frontdesk, listener: MailListener
) -> None:
    email_inbox(fd, "tiny@example.com", max_message_bytes=1024)
    big = mail(to="tiny@example.com", body="Պատվեր\n" * 400)
    with smtp_to(listener) as client:
        client.ehlo()
        assert client.mail("ani@example.org")[0] == 250  # no SIZE declared
        assert client.rcpt("tiny@example.com")[0] == 250
        assert client.data(big) == (552, b"5.3.4 Message too big")
    assert count(fd, Ticket) == 0


def test_a_reply_to_the_plus_address_threads_onto_the_ticket(
    fd: Frontdesk, listener: MailListener
) -> None:
    with smtp_to(listener) as client:
        client.sendmail("ani@example.org", ["support@example.com"], mail())
    [first] = tickets(fd)
    reply_to = f"support+{first.token}@example.com"
    colleague = mail(
        sender="Aram <aram@example.net>",
        to=reply_to,
        subject="A different subject",
        body="I am Ani's colleague; the order number is 1234.",
        message_id="<colleague-1@example.net>",
    )
    with smtp_to(listener) as client:
        assert client.sendmail("aram@example.net", [reply_to], colleague) == {}
    assert [t.id for t in tickets(fd)] == [first.id]
    with fd.read() as session:
        texts = session.scalars(
            select(Message.text).where(Message.ticket_id == first.id).order_by(Message.id)
        )
        assert [t.strip() for t in texts][-1] == "I am Ani's colleague; the order number is 1234."


def test_the_plus_address_threads_even_when_the_headers_do_not_show_it(
    fd: Frontdesk, listener: MailListener
) -> None:
    with smtp_to(listener) as client:
        client.sendmail("ani@example.org", ["support@example.com"], mail())
    [first] = tickets(fd)
    bcc_to_the_plus_address(listener, first.token)
    assert [t.id for t in tickets(fd)] == [first.id]
    assert count(fd, Message) == 2


def test_the_same_message_delivered_twice_is_stored_once(
    fd: Frontdesk, listener: MailListener
) -> None:
    for _ in range(2):
        with smtp_to(listener) as client:
            assert client.sendmail("ani@example.org", ["support@example.com"], mail()) == {}
    assert (count(fd, Ticket), count(fd, Message)) == (1, 1)


def test_a_bounce_from_the_null_sender_is_accepted(fd: Frontdesk, listener: MailListener) -> None:
    bounce = (
        b"From: Mail Delivery System <MAILER-DAEMON@example.org>\r\n"
        b"To: support@example.com\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-1@example.org>\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; example.org\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--b--\r\n"
    )
    with smtp_to(listener) as client:
        assert client.sendmail("", ["support@example.com"], bounce) == {}
    assert count(fd, Ticket) == 0


def test_with_the_database_failing_the_mta_is_told_451_and_nothing_is_stored(
    fd: Frontdesk, listener: MailListener
) -> None:
    with table_gone(fd, "messages"), smtp_to(listener) as client:
        with pytest.raises(smtplib.SMTPDataError) as failed:
            client.sendmail("ani@example.org", ["support@example.com"], mail())
        assert (failed.value.smtp_code, failed.value.smtp_error) == (
            451,
            b"4.3.0 Try again later",
        )
    assert (count(fd, Ticket), count(fd, Contact)) == (0, 0)
    with smtp_to(listener) as client:  # the MTA's retry, once the database is back
        assert client.sendmail("ani@example.org", ["support@example.com"], mail()) == {}
    assert count(fd, Ticket) == 1


def test_an_lmtp_listener_answers_after_data_for_each_recipient(
    fd: Frontdesk, support: int
) -> None:
    listener = MailListener(fd, "127.0.0.1", 0, lmtp=True)
    listener.start()
    try:
        with smtplib.LMTP(listener.host, listener.port, timeout=30) as client:
            assert client.sendmail("ani@example.org", ["support@example.com"], mail()) == {}
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("ani@example.org", ["sales@example.com"], mail())
    finally:
        listener.stop()
    assert count(fd, Ticket) == 1


def test_the_channel_service_listens_where_smtp_listen_says(
    settings: Settings, clock: FrozenClock, fd: Frontdesk, support: int
) -> None:
    port = free_port()
    runtime = Frontdesk(
        settings.model_copy(update={"smtp_listen": f"127.0.0.1:{port}"}), clock=clock
    )
    stops = start_services(runtime)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            assert client.sendmail("ani@example.org", ["support@example.com"], mail()) == {}
    finally:
        stop_services(stops)
        runtime.close()
    assert count(fd, Ticket) == 1
    with pytest.raises(ConnectionRefusedError), smtplib.SMTP("127.0.0.1", port, timeout=5):
        pass  # stopped: nothing listens any more


def test_without_smtp_listen_the_channel_service_starts_no_listener(fd: Frontdesk) -> None:
    assert "frontdesk.channels.email.listener:start_listener" in SERVICES
    assert fd.settings.smtp_listen is None
    assert start_listener(fd) is None


@pytest.mark.slow
def test_frontdesk_mail_listen_serves_until_sigterm(
    settings: Settings, fd: Frontdesk, support: int, tmp_path: Path
) -> None:
    port = free_port()
    env = env_for(settings)
    with started(["mail", "listen", "--port", str(port)], env, tmp_path) as process:
        process.wait_for_output(f"listening for SMTP on 127.0.0.1:{port}")
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            assert client.sendmail("ani@example.org", ["support@example.com"], mail()) == {}
        assert count(fd, Ticket) == 1
        process.signal(signal.SIGTERM)
        assert process.wait() == 0, process.output
    wait_until(lambda: not process.running(), "the listener to exit")
