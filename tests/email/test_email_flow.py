"""Email end to end: raw mail in through `ingest()`, agents' replies out through a real SMTP
server by the job worker, and the customer's answers threaded back onto the ticket."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from frontdesk.channels.email.intake import (
    ORIGINAL_IN_DATABASE_MAX,
    IngestResult,
    ingest,
    original_of,
)
from frontdesk.clock import FrozenClock
from frontdesk.jobs.worker import Worker
from frontdesk.models import (
    ContactIdentity,
    Job,
    MessageOriginal,
    Ticket,
    TicketParticipant,
)
from tests.conftest import START, World
from tests.email.smtp_server import SmtpServer, smtp_server
from tests.servers import free_port

SUPPORT = "support@example.com"


@dataclass
class Desk:
    """An email inbox of the test world whose replies go to a real SMTP server."""

    world: World
    smtp: SmtpServer
    inbox: int
    worker: Worker

    def receive(self, raw: bytes) -> IngestResult:
        return ingest(self.world.fd, self.inbox, raw)

    def open_ticket(self, **mail: Any) -> tuple[int, str]:
        """A customer's first mail; returns the ticket id and the mail's Message-ID."""
        mail.setdefault("message_id", "first@mail.example.org")
        result = self.receive(customer_mail(**mail))
        assert result.outcome == "stored", result
        assert result.ticket_id is not None
        return result.ticket_id, mail["message_id"]

    def reply(self, ticket_id: int, text: str, **more: Any) -> dict[str, Any]:
        """An agent's reply through the API, delivered by the worker."""
        response = self.world.agent.client.post(
            f"/api/v1/tickets/{ticket_id}/reply", json={"text": text, **more}
        )
        assert response.status_code == 201, response.text
        self.worker.run_until_idle()
        return self.messages(ticket_id)[-1]

    def messages(self, ticket_id: int) -> list[dict[str, Any]]:
        response = self.world.agent.client.get(f"/api/v1/tickets/{ticket_id}/messages")
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()
        return messages

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        ticket: dict[str, Any] = self.world.agent.client.get(f"/api/v1/tickets/{ticket_id}").json()
        return ticket

    def token(self, ticket_id: int) -> str:
        with self.world.fd.read() as session:
            return session.get_one(Ticket, ticket_id).token

    def ticket_count(self) -> int:
        with self.world.fd.read() as session:
            return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


def customer_mail(
    *,
    text: str = "The zip of my tent broke on the second night.",
    subject: str = "Broken zip",
    sender: str = "Ani Petrosyan <ani@example.org>",
    to: str = SUPPORT,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    mail["To"] = to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject
    mail["Date"] = format_datetime(FrozenClock(START).now())
    if message_id:
        mail["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        mail["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        mail["References"] = references
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text)
    if attachment:
        mail.add_attachment(
            attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0]
        )
    return mail.as_bytes()


def create_email_inbox(world: World, smtp: SmtpServer, **config: Any) -> int:
    response = world.admin.client.post(
        "/api/v1/inboxes",
        json={
            "name": "Support mail",
            "kind": "email",
            "config": {
                "address": SUPPORT,
                "from_name": "Aurora Support",
                "smtp": smtp.config(),
                **config,
            },
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server(refuse={"gone@example.org"}) as server:
        yield server


@pytest.fixture
def desk(world: World, smtp: SmtpServer, worker: Worker) -> Desk:
    return Desk(world, smtp, create_email_inbox(world, smtp), worker)


def angle(message_id: str) -> str:
    return f"<{message_id}>"


# ------------------------------------------------------------------ out, and back in


def test_a_customer_email_opens_a_ticket_and_the_agents_reply_goes_out_by_smtp(
    desk: Desk,
) -> None:
    ticket_id, customer_id = desk.open_ticket()
    ticket = desk.ticket(ticket_id)
    assert ticket["subject"] == "Broken zip"
    assert ticket["status"] == "new"

    sent = desk.reply(
        ticket_id,
        "We are sending a new zip today.",
        html="<p>We are sending a <b>new zip</b> today.</p>",
        attachments=[
            {
                "filename": "label.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(b"%PDF-1.4 label").decode(),
            }
        ],
    )

    [mail] = desk.smtp.messages
    token = desk.token(ticket_id)
    assert mail["From"].addresses[0].addr_spec == SUPPORT
    assert "Aurora Support" in str(mail["From"])
    assert mail["To"].addresses[0].addr_spec == "ani@example.org"
    assert f"[#{ticket_id}]" in mail["Subject"]
    assert token in mail["Message-ID"]
    assert mail["In-Reply-To"] == angle(customer_id)
    assert mail["Reply-To"] == f"support+{token}@example.com"
    assert mail.get_body(("plain",)).get_content().strip() == "We are sending a new zip today."
    assert "<b>new zip</b>" in mail.get_body(("html",)).get_content()
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == "label.pdf"
    assert attached.get_content() == b"%PDF-1.4 label"
    assert sent["delivery_status"] == "sent"
    assert angle(sent["external_id"]) == mail["Message-ID"]


def test_the_customers_answer_threads_back_by_in_reply_to(desk: Desk) -> None:
    ticket_id, _ = desk.open_ticket()
    ours = desk.reply(ticket_id, "Which size is the tent?")["external_id"]

    result = desk.receive(
        customer_mail(
            subject="Something else entirely", text="It is the 3-person one.", in_reply_to=ours
        )
    )

    assert result.outcome == "stored"
    assert result.ticket_id == ticket_id
    assert desk.ticket_count() == 1


def test_a_message_answering_the_customers_own_earlier_mail_threads_by_references(
    desk: Desk,
) -> None:
    ticket_id, first = desk.open_ticket()

    result = desk.receive(
        customer_mail(subject="Forgot to say", text="It is green.", in_reply_to=first)
    )

    assert result.ticket_id == ticket_id
    assert result.reason == "references"


def test_an_answer_sent_to_the_plus_address_alone_threads(desk: Desk) -> None:
    ticket_id, _ = desk.open_ticket()
    token = desk.token(ticket_id)

    result = desk.receive(
        customer_mail(
            subject="Another thing", text="Photos attached.", to=f"support+{token}@example.com"
        )
    )

    assert result.ticket_id == ticket_id
    assert result.reason == "token"


def test_the_ticket_number_in_the_subject_threads_mail_from_the_same_sender(desk: Desk) -> None:
    ticket_id, _ = desk.open_ticket()

    result = desk.receive(customer_mail(subject=f"Update [#{ticket_id}]", text="Still broken."))

    assert result.ticket_id == ticket_id
    assert result.reason == "subject number"


def test_the_ticket_number_in_the_subject_from_a_stranger_opens_a_new_ticket(desk: Desk) -> None:
    ticket_id, _ = desk.open_ticket()

    result = desk.receive(
        customer_mail(
            subject=f"Re: Broken zip [#{ticket_id}]",
            text="Let me see this ticket.",
            sender="Mallory <mallory@example.net>",
        )
    )

    assert result.outcome == "stored"
    assert result.ticket_id != ticket_id
    assert result.reason == "new ticket"


def test_the_same_subject_from_the_same_contact_threads_within_seven_days_but_not_after(
    desk: Desk, clock: FrozenClock
) -> None:
    ticket_id, _ = desk.open_ticket()

    clock.advance(timedelta(days=6))
    again = desk.receive(customer_mail(subject="RE:  broken ZIP", text="Any news?"))
    clock.advance(timedelta(days=8))
    later = desk.receive(customer_mail(subject="Re: Broken zip", text="It broke again."))

    assert again.ticket_id == ticket_id
    assert again.reason == "subject"
    assert later.ticket_id != ticket_id
    assert later.reason == "new ticket"


def test_a_cc_d_colleague_becomes_a_participant_threads_by_references_and_gets_cc(
    desk: Desk,
) -> None:
    ticket_id, first = desk.open_ticket(cc="Mher <mher@example.org>")
    with desk.world.fd.read() as session:
        participants = session.scalars(
            select(ContactIdentity.address)
            .join(TicketParticipant, TicketParticipant.contact_id == ContactIdentity.contact_id)
            .where(TicketParticipant.ticket_id == ticket_id)
        ).all()
    assert participants == ["mher@example.org"]
    ours = desk.reply(ticket_id, "Which colour?")["external_id"]

    result = desk.receive(
        customer_mail(
            sender="Mher <mher@example.org>",
            subject="Our tent",
            text="Green, and thank you.",
            references=f"{angle(first)} {angle(ours)}",
        )
    )
    desk.reply(ticket_id, "Green it is.")

    assert result.ticket_id == ticket_id
    assert result.reason == "token"  # our Message-ID in References carries the ticket token
    second = desk.smtp.messages[-1]
    assert "mher@example.org" in str(second["Cc"])
    assert second["To"].addresses[0].addr_spec == "ani@example.org"


def test_a_colleague_answering_only_the_customers_message_threads_by_references(
    desk: Desk,
) -> None:
    ticket_id, first = desk.open_ticket(cc="mher@example.org")

    result = desk.receive(
        customer_mail(
            sender="mher@example.org",
            subject="Re: Broken zip",
            text="Me too.",
            references=angle(first),
        )
    )

    assert result.ticket_id == ticket_id
    assert result.reason == "references"


# ------------------------------------------------------------------ what is stored


def test_quoted_history_is_kept_apart_from_the_new_text(desk: Desk) -> None:
    ticket_id, _ = desk.open_ticket()
    ours = desk.reply(ticket_id, "Which size is the tent?")["external_id"]

    desk.receive(
        customer_mail(
            subject="Re: Broken zip",
            in_reply_to=ours,
            text=(
                "The 3-person one.\n\n"
                "On Mon, 2 Mar 2026 at 10:00, Aurora Support <support@example.com> wrote:\n"
                "> Which size is the tent?\n"
            ),
        )
    )

    answer = desk.messages(ticket_id)[-1]
    assert answer["direction"] == "in"
    assert answer["text"] == "The 3-person one."
    assert "> Which size is the tent?" in answer["quoted_text"]
    assert "wrote:" in answer["quoted_text"]


def test_the_original_mail_is_kept_and_agents_can_download_it(desk: Desk) -> None:
    small = customer_mail(message_id="small@mail.example.org")
    # Over ORIGINAL_IN_DATABASE_MAX: kept in the attachment store instead.
    large = customer_mail(
        message_id="large@mail.example.org",
        subject="Photos of the zip",
        attachment=("zip.bin", bytes(range(256)) * 400),
    )
    assert len(small) <= ORIGINAL_IN_DATABASE_MAX < len(large)
    results = [desk.receive(raw) for raw in (small, large)]
    assert [r.outcome for r in results] == ["stored", "stored"]
    ids = [r.message_id for r in results]

    for message_id, raw in zip(ids, (small, large), strict=True):
        assert original_of(desk.world.fd, message_id) == raw
        response = desk.world.agent.client.get(f"/api/v1/messages/{message_id}/original")
        assert response.status_code == 200, response.text
        assert response.content == raw
        assert response.headers["content-type"] == "message/rfc822"
        # The customer who wrote it is not shown the raw source (it is an agent's tool).
        denied = desk.world.customer.client.get(f"/api/v1/messages/{message_id}/original")
        assert denied.status_code == 404
    with desk.world.fd.read() as session:
        kept = session.execute(select(MessageOriginal.message_id, MessageOriginal.data)).all()
    assert [(m, data is not None) for m, data in kept] == [(ids[0], True), (ids[1], False)]

    assert results[0].ticket_id is not None
    reply = desk.reply(results[0].ticket_id, "Thanks!")
    none = desk.world.agent.client.get(f"/api/v1/messages/{reply['id']}/original")
    assert none.status_code == 404  # our own reply did not arrive as a mail
    page = desk.world.agent.client.get(f"/tickets/{results[0].ticket_id}").text
    assert f"/api/v1/messages/{ids[0]}/original" in page
    assert f"/api/v1/messages/{reply['id']}/original" not in page


# ------------------------------------------------------------------ automatic mail


def test_a_vacation_reply_attaches_without_reopening_the_ticket(desk: Desk) -> None:
    ticket_id, _ = desk.open_ticket()
    ours = desk.reply(ticket_id, "Is it fixed?", status="pending")["external_id"]
    before = desk.ticket(ticket_id)
    assert before["status"] == "pending"

    result = desk.receive(
        customer_mail(
            subject="Out of office",
            text="I am away until Monday.",
            in_reply_to=ours,
            headers={"Auto-Submitted": "auto-replied"},
        )
    )

    after = desk.ticket(ticket_id)
    assert result.outcome == "stored"
    assert result.ticket_id == ticket_id
    assert after["status"] == "pending"
    assert after["last_customer_message_at"] == before["last_customer_message_at"]
    assert desk.messages(ticket_id)[-1]["is_auto"] is True


def test_an_auto_reply_to_nothing_of_ours_is_ignored(desk: Desk) -> None:
    result = desk.receive(
        customer_mail(
            subject="Automatic reply: Newsletter",
            text="I am away until Monday.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )

    assert result.outcome == "ignored"
    assert desk.ticket_count() == 0


def dsn(original_message_id: str, recipient: str) -> bytes:
    """A delivery status notification (RFC 3464) for one of our messages, as Postfix
    writes it."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        f"To: {SUPPORT}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce.1@mx.example.org>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n"
        "--B\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        f"I'm sorry to have to inform you that your message to <{recipient}> could not\r\n"
        "be delivered.\r\n"
        "\r\n"
        "--B\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "\r\n"
        "--B\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        f"From: {SUPPORT}\r\n"
        f"To: {recipient}\r\n"
        "Subject: Re: Broken zip\r\n"
        f"Message-ID: {angle(original_message_id)}\r\n"
        "\r\n"
        "--B--\r\n"
    ).encode()


def test_a_bounce_opens_no_ticket_fails_our_message_and_marks_the_address(desk: Desk) -> None:
    ticket_id, _ = desk.open_ticket()
    ours = desk.reply(ticket_id, "Here is your label.")["external_id"]

    result = desk.receive(dsn(ours, "ani@example.org"))

    assert result.outcome == "bounce"
    assert desk.ticket_count() == 1
    reply = desk.messages(ticket_id)[-1]
    assert reply["delivery_status"] == "failed"
    assert "5.1.1" in reply["delivery_error"]
    with desk.world.fd.read() as session:
        identity = session.scalars(
            select(ContactIdentity).where(ContactIdentity.address == "ani@example.org")
        ).one()
        assert identity.bounced_at is not None


def test_an_oversized_mail_is_refused_and_the_sender_told_once_an_hour(
    world: World, smtp: SmtpServer, worker: Worker
) -> None:
    desk = Desk(world, smtp, create_email_inbox(world, smtp, max_message_bytes=2048), worker)
    big = "This is a long story about my tent. " * 100

    first = desk.receive(customer_mail(text=big, message_id="big.1@mail.example.org"))
    worker.run_until_idle()
    second = desk.receive(customer_mail(text=big, message_id="big.2@mail.example.org"))
    worker.run_until_idle()

    assert first.outcome == "refused"
    assert second.outcome == "refused"
    assert desk.ticket_count() == 0
    [notice] = smtp.messages
    assert notice["To"] == "ani@example.org"
    assert notice["Auto-Submitted"] == "auto-replied"
    assert notice["In-Reply-To"] == "<big.1@mail.example.org>"
    assert "the limit is 2 KB" in notice.get_content()


def test_a_550_from_the_smtp_server_fails_the_delivery_at_once(desk: Desk) -> None:
    ticket_id, _ = desk.open_ticket(sender="Gone <gone@example.org>")

    reply = desk.reply(ticket_id, "Hello?")

    assert reply["delivery_status"] == "failed"
    assert "550" in reply["delivery_error"]
    assert desk.smtp.messages == []
    with desk.world.fd.read() as session:
        job = session.scalars(select(Job).where(Job.kind == "deliver_message")).one()
        assert job.status == "dead"
        assert job.attempts == 1


def test_replies_wait_while_the_smtp_server_is_down_and_go_out_once_when_it_returns(
    world: World, worker: Worker, clock: FrozenClock
) -> None:
    port = free_port()  # nothing listens here yet
    down = SmtpServer("127.0.0.1", port)
    desk = Desk(world, down, create_email_inbox(world, down), worker)
    ticket_id, _ = desk.open_ticket()

    waiting = desk.reply(ticket_id, "We are on it.")
    assert waiting["delivery_status"] == "pending"
    assert "unreachable" in waiting["delivery_error"]
    worker.run_until_idle()  # the retry is not due yet: nothing happens

    with smtp_server(port=port) as smtp:
        clock.advance(timedelta(minutes=5))
        assert worker.run_until_idle() == 1
        clock.advance(timedelta(hours=2))
        assert worker.run_until_idle() == 0
        assert len(smtp.messages) == 1
    assert desk.messages(ticket_id)[-1]["delivery_status"] == "sent"


# ------------------------------------------------------------------ any script


SCRIPTS = {
    "hy": ("Ուշացած պատվեր", "Պատվերս դեռ չի հասել, խնդրում եմ օգնել։", "Վաղը կստանաք։"),
    "ta": ("தாமதமான ஆர்டர்", "என் ஆர்டர் இன்னும் வரவில்லை.", "நாளை வரும்."),
    "el": ("Καθυστέρηση", "Η παραγγελία μου δεν έφτασε ακόμα.", "Θα φτάσει αύριο."),
    "lv": ("Kavēts pasūtījums", "Mans pasūtījums vēl nav pienācis.", "Rīt saņemsiet."),
    "sl": ("Zamuda naročila", "Moje naročilo še ni prispelo.", "Jutri ga boste prejeli."),
    "emoji": ("Tent ⛺ broke 🙏", "The zip 🤐 broke, help 👩🏽‍💻", "On its way 🚚✨"),
}


@pytest.mark.parametrize("language", sorted(SCRIPTS))
def test_text_in_any_script_round_trips_in_and_out(desk: Desk, language: str) -> None:
    subject, question, answer = SCRIPTS[language]
    ticket_id, _ = desk.open_ticket(
        subject=subject, text=question, sender=f"{subject} <c@example.org>"
    )

    desk.reply(ticket_id, answer, html=f"<p>{answer}</p>")

    assert desk.ticket(ticket_id)["subject"] == subject
    assert desk.messages(ticket_id)[0]["text"] == question
    [mail] = desk.smtp.messages
    assert subject in mail["Subject"]
    assert mail["To"].addresses[0].display_name == subject
    assert mail.get_body(("plain",)).get_content().strip() == answer
    assert answer in mail.get_body(("html",)).get_content()
