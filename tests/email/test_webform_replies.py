"""A request sent with the portal's web form has no mailbox of its own: the agent's reply
reaches the customer by email through an email inbox, with a link to the request in the
portal, and the customer's emailed answer lands on the same ticket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from frontdesk.channels.email.intake import ingest
from frontdesk.channels.webform import Submission, submit
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import update_inbox
from frontdesk.jobs.worker import Worker
from frontdesk.models import Inbox, Message, Ticket
from tests.conftest import World
from tests.email.smtp_server import SmtpServer, smtp_server
from tests.email.test_email_flow import SUPPORT, create_email_inbox, customer_mail


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def web_form_ticket(world: World) -> int:
    with world.fd.transaction() as tx:
        received = submit(
            tx,
            Submission("Ani Petrosyan", "ani@example.org", "Թույլ կայծակ", "The zip broke."),
        )
        return received.ticket.id


def agent_replies(world: World, worker: Worker, ticket_id: int, text: str) -> Message:
    response = world.admin.client.post(f"/api/v1/tickets/{ticket_id}/reply", json={"text": text})
    assert response.status_code == 201, response.text
    worker.run_until_idle()
    with world.fd.read() as session:
        return session.get_one(Message, response.json()["id"])


def test_a_web_form_reply_goes_out_by_email_and_the_answer_threads_back(
    world: World, smtp: SmtpServer, worker: Worker
) -> None:
    mail_inbox = create_email_inbox(world, smtp)
    ticket_id = web_form_ticket(world)

    sent = agent_replies(world, worker, ticket_id, "A new zip is on its way.")

    assert sent.delivery_status == "sent", sent.delivery_error
    [mail] = smtp.messages
    with world.fd.read() as session:
        token = session.get_one(Ticket, ticket_id).token
    assert mail["To"].addresses[0].addr_spec == "ani@example.org"
    assert mail["From"].addresses[0].addr_spec == SUPPORT
    assert mail["Reply-To"] == f"support+{token}@example.com"
    assert "Թույլ կայծակ" in mail["Subject"] and f"[#{ticket_id}]" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert body.startswith("A new zip is on its way.")
    base = str(world.fd.settings.base_url).rstrip("/")
    assert f"{base}/portal/tickets/{ticket_id}" in body

    answer = ingest(
        world.fd,
        mail_inbox,
        customer_mail(
            to=f"support+{token}@example.com",
            subject=f"Re: {mail['Subject']}",
            text="Thank you, it arrived.",
            message_id="answer@mail.example.org",
            in_reply_to=mail["Message-ID"].strip("<>"),
        ),
    )

    assert answer.outcome == "stored" and answer.ticket_id == ticket_id
    with world.fd.read() as session:
        texts = session.scalars(
            select(Message.text).where(Message.ticket_id == ticket_id).order_by(Message.id)
        ).all()
        assert session.scalar(select(Ticket.id).order_by(Ticket.id.desc())) == ticket_id
    assert texts[-1] == "Thank you, it arrived."

    # And the next reply goes out the same way, in the same thread.
    again = agent_replies(world, worker, ticket_id, "Glad to hear it.")
    assert again.delivery_status == "sent"
    assert smtp.messages[-1]["In-Reply-To"] == "<answer@mail.example.org>"


def test_a_token_of_another_email_inbox_does_not_thread(
    world: World, smtp: SmtpServer, worker: Worker
) -> None:
    first = create_email_inbox(world, smtp)
    ticket_id = ingest(world.fd, first, customer_mail(message_id="one@mail.example.org")).ticket_id
    assert ticket_id is not None
    with world.fd.read() as session:
        token = session.get_one(Ticket, ticket_id).token
    response = world.admin.client.post(
        "/api/v1/inboxes",
        json={"name": "Sales", "kind": "email", "config": {"address": "sales@example.com"}},
    )
    second = response.json()["id"]

    result = ingest(
        world.fd,
        second,
        customer_mail(to=f"sales+{token}@example.com", subject="Other", text="Hello"),
    )

    assert result.ticket_id != ticket_id


def test_without_a_sending_email_inbox_the_reply_fails_with_a_reason(
    world: World, worker: Worker
) -> None:
    ticket_id = web_form_ticket(world)

    failed = agent_replies(world, worker, ticket_id, "Hello")

    assert failed.delivery_status == "failed"
    assert "no active email inbox can send" in (failed.delivery_error or "")


def test_an_admin_may_keep_web_form_replies_in_the_portal(
    world: World, smtp: SmtpServer, worker: Worker
) -> None:
    create_email_inbox(world, smtp)
    ticket_id = web_form_ticket(world)
    with world.fd.transaction() as tx:
        form = tx.session.scalars(select(Inbox).where(Inbox.kind == "webform")).one()
        update_inbox(tx, SYSTEM, form.id, {"config": {"reply_by_email": False}})

    stored = agent_replies(world, worker, ticket_id, "Read me in the portal.")

    assert stored.delivery_status == "stored"
    assert smtp.messages == []
