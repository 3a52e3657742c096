"""The one inbound pipeline: contacts, threading, idempotency, events after commit."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from frontdesk.channels.base import InboundAttachment, InboundMessage, Sender
from frontdesk.clock import FrozenClock
from frontdesk.domain import tickets
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.errors import Invalid
from frontdesk.domain.inbound import receive
from frontdesk.models import AuditEntry, Contact, ContactIdentity, Message, Ticket
from frontdesk.runtime import Frontdesk
from tests.conftest import count


@pytest.fixture
def inbox(fd: Frontdesk) -> int:
    with fd.transaction() as tx:
        return default_api_inbox(tx).id


def message(inbox: int, text: str = "My tent zip broke", **kwargs: Any) -> InboundMessage:
    kwargs.setdefault("sender", Sender("email", "Ani@Example.org", "Ani"))
    return InboundMessage(inbox_id=inbox, text=text, **kwargs)


def test_a_first_message_creates_contact_identity_and_ticket(fd: Frontdesk, inbox: int) -> None:
    with fd.transaction() as tx:
        got = receive(tx, message(inbox, subject="Broken zip"))
    assert got.ticket_created and not got.duplicate
    with fd.read() as session:
        ticket = session.get_one(Ticket, got.ticket.id)
        contact = session.get_one(Contact, ticket.contact_id)
        assert ticket.subject == "Broken zip"
        assert ticket.status == "new"
        assert ticket.last_customer_message_at is not None
        assert contact.name == "Ani"
        assert [(i.kind, i.address) for i in contact.identities] == [("email", "ani@example.org")]
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.ticket_id == ticket.id)
        )
        assert list(actions) == ["ticket.created"]


def test_the_subject_defaults_to_the_first_line(fd: Frontdesk, inbox: int) -> None:
    with fd.transaction() as tx:
        got = receive(tx, message(inbox, text="\n  Պատվերս չի հասել\nԽնդրում եմ օգնել"))
    assert got.ticket.subject == "Պատվերս չի հասել"


def test_the_same_external_id_is_stored_once(fd: Frontdesk, inbox: int) -> None:
    with fd.transaction() as tx:
        first = receive(tx, message(inbox, external_id="msg-1"))
    with fd.transaction() as tx:
        again = receive(tx, message(inbox, external_id="msg-1"))
    assert again.duplicate and again.message.id == first.message.id
    assert count(fd, Message) == 1
    assert count(fd, Ticket) == 1


def test_a_known_identity_finds_the_same_contact_however_it_is_written(
    fd: Frontdesk, inbox: int
) -> None:
    with fd.transaction() as tx:
        a = receive(tx, message(inbox, sender=Sender("email", "ani@example.org")))
        b = receive(tx, message(inbox, sender=Sender("email", " ANI@example.ORG ")))
        c = receive(tx, message(inbox, sender=Sender("phone", "+374 (10) 555-012")))
        d = receive(tx, message(inbox, sender=Sender("phone", "0037410555012")))
    assert a.ticket.contact_id == b.ticket.contact_id
    assert c.ticket.contact_id == d.ticket.contact_id != a.ticket.contact_id


def test_messages_thread_by_ticket_id_reply_reference_and_thread_key(
    fd: Frontdesk, inbox: int
) -> None:
    with fd.transaction() as tx:
        first = receive(tx, message(inbox, external_id="ext-1", thread_key="chat-9"))
        by_reference = receive(tx, message(inbox, external_id="ext-2", in_reply_to=("ext-1",)))
        by_key = receive(tx, message(inbox, thread_key="chat-9"))
        by_id = receive(tx, message(inbox, ticket_id=first.ticket.id))
        unrelated = receive(tx, message(inbox, thread_key="chat-10"))
    assert by_reference.ticket.id == by_key.ticket.id == by_id.ticket.id == first.ticket.id
    assert not by_key.ticket_created
    assert unrelated.ticket.id != first.ticket.id


def test_a_ticket_id_of_someone_else_does_not_thread(fd: Frontdesk, inbox: int) -> None:
    with fd.transaction() as tx:
        ani = receive(tx, message(inbox))
        bob = receive(
            tx, message(inbox, sender=Sender("email", "bob@example.net"), ticket_id=ani.ticket.id)
        )
    assert bob.ticket_created and bob.ticket.id != ani.ticket.id


def test_a_customer_message_reopens_a_solved_ticket(fd: Frontdesk, inbox: int) -> None:
    with fd.transaction() as tx:
        got = receive(tx, message(inbox, thread_key="t"))
        tickets.update_ticket(tx, SYSTEM, got.ticket.id, {"status": "solved"})
    with fd.transaction() as tx:
        again = receive(tx, message(inbox, thread_key="t", text="Still broken"))
    assert again.ticket.id == got.ticket.id
    assert again.ticket.status == "open"
    assert again.ticket.solved_at is None


def test_a_message_to_a_closed_ticket_opens_a_follow_up(fd: Frontdesk, inbox: int) -> None:
    with fd.transaction() as tx:
        got = receive(tx, message(inbox, thread_key="t"))
        tickets.update_ticket(tx, SYSTEM, got.ticket.id, {"status": "closed"})
    with fd.transaction() as tx:
        again = receive(tx, message(inbox, thread_key="t", text="Another question"))
    assert again.ticket_created
    assert again.ticket.follow_up_of_id == got.ticket.id


def test_events_are_published_only_after_commit(fd: Frontdesk, inbox: int) -> None:
    seen: list[dict[str, Any]] = []
    original = fd.bus.publish
    fd.bus.publish = lambda event: seen.append(event.as_json())  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError), fd.transaction() as tx:
            receive(tx, message(inbox))
            raise RuntimeError("crash before commit")
        assert seen == []
        assert count(fd, Ticket) == 0 and count(fd, Contact) == 0
        with fd.transaction() as tx:
            receive(tx, message(inbox))
        assert [e["type"] for e in seen] == ["ticket.created", "message.received"]
    finally:
        fd.bus.publish = original  # type: ignore[method-assign]


def test_empty_and_unstorable_text_is_refused(fd: Frontdesk, inbox: int) -> None:
    with pytest.raises(Invalid, match="empty"), fd.transaction() as tx:
        receive(tx, message(inbox, text="   "))
    with pytest.raises(Invalid, match="NUL"), fd.transaction() as tx:
        receive(tx, message(inbox, text="a\x00b"))
    with pytest.raises(Invalid, match="surrogate"), fd.transaction() as tx:
        receive(tx, message(inbox, text="a\ud800b"))
    assert count(fd, Contact) == 0


def test_attachments_are_stored_by_content_hash_with_safe_names(fd: Frontdesk, inbox: int) -> None:
    data = "Ճ ⛺ 🙏".encode() * 10
    files = (
        InboundAttachment("../../etc/passwd", "text/plain", data),
        InboundAttachment("C:\\Users\\ani\\նկար\u0007.png", "image/png", data),
    )
    with fd.transaction() as tx:
        got = receive(tx, message(inbox, attachments=files))
    names = [a.filename for a in got.message.attachments]
    assert names == ["passwd", "նկար.png"]
    sha = got.message.attachments[0].sha256
    assert got.message.attachments[1].sha256 == sha
    assert fd.storage.get(sha) == data


def test_html_is_sanitised_before_it_is_stored(fd: Frontdesk, inbox: int) -> None:
    html = '<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:evil()">link</a></p>'
    with fd.transaction() as tx:
        got = receive(tx, message(inbox, html=html))
    assert got.message.html is not None
    assert "script" not in got.message.html
    assert "onclick" not in got.message.html
    assert "javascript:" not in got.message.html
    assert "Hi" in got.message.html


def test_timestamps_come_from_the_injected_clock(
    fd: Frontdesk, inbox: int, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=3))
    with fd.transaction() as tx:
        got = receive(tx, message(inbox))
    assert got.ticket.created_at == clock.now()


def test_concurrent_first_messages_from_one_sender_make_one_contact(
    fd: Frontdesk, inbox: int
) -> None:
    """Eight deliveries at once from a new address: one contact, one identity."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def deliver(n: int) -> None:
        try:
            barrier.wait()
            with fd.transaction() as tx:
                receive(tx, InboundMessage(inbox, Sender("email", "new@example.com"), f"hi {n}"))
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(fd, Contact) == 1
    assert count(fd, ContactIdentity) == 1
    assert count(fd, Message) == 8


def test_a_new_ticket_takes_the_language_it_was_written_in_unless_one_is_known(
    fd: Frontdesk,
) -> None:
    with fd.transaction() as tx:
        inbox = default_api_inbox(tx).id
        greek = receive(tx, message(inbox, text="Γεια σας, έλαβα λάθος μέγεθος παπουτσιών."))
        latvian = receive(
            tx,
            message(
                inbox,
                text="Labdien! Rēķinā ir kļūda, lūdzu, izlabojiet to.",
                sender=Sender("email", "janis@example.lv"),
            ),
        )
        told = receive(
            tx,
            message(
                inbox,
                text="Labdien! Rēķinā ir kļūda.",
                language="sl",
                sender=Sender("email", "maja@example.si"),
            ),
        )
    assert (greek.ticket.language, latvian.ticket.language, told.ticket.language) == (
        "el",
        "lv",
        "sl",
    )
    with fd.transaction() as tx:
        tickets.update_ticket(tx, SYSTEM, greek.ticket.id, {"language": "en"})
        # A later message on the ticket does not change what the ticket says.
        again = receive(tx, message(inbox, text="Ευχαριστώ!", ticket_id=greek.ticket.id))
    assert again.ticket.language == "en"
