"""Search over tickets, contacts and articles: indexing as things change, permissions,
filters and highlighting, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.clock import FrozenClock
from frontdesk.domain import tickets
from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.inbound import receive
from frontdesk.runtime import Frontdesk
from frontdesk.search.indexer import index_pending, reindex
from frontdesk.search.service import search


def customer_writes(fd: Frontdesk, email: str, subject: str, text: str) -> tuple[int, int]:
    with fd.transaction() as tx:
        inbox = default_api_inbox(tx).id
        received = receive(
            tx,
            InboundMessage(
                inbox_id=inbox, sender=Sender("email", email, ""), subject=subject, text=text
            ),
        )
        return received.ticket.id, received.ticket.contact_id


def found(
    fd: Frontdesk, text: str, actor: Actor | None = SYSTEM, **kwargs: object
) -> list[tuple[str, int]]:
    with fd.read() as session:
        return [(h.type, h.id) for h in search(session, actor, text, **kwargs)]  # type: ignore[arg-type]


def test_a_message_is_found_by_other_forms_of_its_words_once_indexed(fd: Frontdesk) -> None:
    ticket, _ = customer_writes(
        fd, "ani@example.org", "Parcel", "My deliveries never arrive on time"
    )
    greek, _ = customer_writes(fd, "eleni@example.gr", "Δέμα", "Οι παραγγελίες μου δεν έφτασαν")
    assert found(fd, "delivery") == []  # nothing is indexed before the indexer runs
    assert index_pending(fd) > 0
    assert found(fd, "delivery") == [("ticket", ticket)]
    assert found(fd, "arrived") == [("ticket", ticket)]
    assert found(fd, "παραγγελια") == [("ticket", greek)]
    assert found(fd, "ΠΑΡΑΓΓΕΛΊΕΣ") == [("ticket", greek)]
    assert ("contact", _contact_of(fd, ticket)) in found(fd, "ani@example.org")


def _contact_of(fd: Frontdesk, ticket_id: int) -> int:
    from frontdesk.models import Ticket

    with fd.read() as session:
        return session.get_one(Ticket, ticket_id).contact_id
