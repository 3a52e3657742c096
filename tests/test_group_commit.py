"""Group commit: actions queued at once share one transaction; a failure stays with its own
caller and leaves nothing of itself behind; events follow the commit."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.clock import FrozenClock
from frontdesk.config import Settings
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.contacts import IdentityRef, create_contact
from frontdesk.domain.errors import Invalid
from frontdesk.domain.inbound import receive
from frontdesk.domain.tx import Event, Tx
from frontdesk.models import Contact, ContactIdentity, Ticket
from frontdesk.realtime.bus import MemoryBus
from frontdesk.runtime import Frontdesk
from tests.conftest import count


def _inbox(fd: Frontdesk) -> int:
    with fd.transaction() as tx:
        return default_api_inbox(tx).id


def _opens_ticket(fd: Frontdesk, inbox_id: int, n: int, sessions: list[object]) -> int:
    with fd.transaction() as tx:
        sessions.append(tx.session)
        received = receive(
            tx,
            InboundMessage(
                inbox_id=inbox_id,
                sender=Sender("email", f"batch-{n}@example.com", f"Πελάτης {n}"),
                subject=f"Αίτημα {n}",
                text=f"Μήνυμα {n} ✓",
            ),
        )
        return received.ticket.id


def _held(fd: Frontdesk) -> tuple[threading.Event, Future[None]]:
    """Occupy the writer until the returned event is set, so that what is submitted
    meanwhile waits in the queue and is then run as one batch."""
    release, started = threading.Event(), threading.Event()

    def wait() -> None:
        started.set()
        release.wait(30)

    first = fd.writes.submit(wait)
    assert started.wait(30)
    return release, first


def test_actions_queued_together_share_one_transaction(fd: Frontdesk) -> None:
    inbox_id = _inbox(fd)
    release, first = _held(fd)
    sessions: list[object] = []
    futures = [
        fd.writes.submit(lambda n=n: _opens_ticket(fd, inbox_id, n, sessions)) for n in range(6)
    ]
    release.set()
    first.result(30)
    ids = [f.result(30) for f in futures]

    assert len(set(ids)) == 6
    assert len({id(s) for s in sessions}) == 1  # one session: one transaction
    with fd.read() as session:
        subjects = session.scalars(select(Ticket.subject).where(Ticket.id.in_(ids))).all()
    assert sorted(subjects) == sorted(f"Αίτημα {n}" for n in range(6))


def test_a_failing_action_fails_alone_and_leaves_nothing(fd: Frontdesk) -> None:
    inbox_id = _inbox(fd)
    release, first = _held(fd)
    sessions: list[object] = []

    def fails() -> None:
        with fd.transaction() as tx:
            create_contact(tx, SYSTEM, {"name": "Half-written"}, [])
            raise Invalid("subject", "is not allowed")

    good = [fd.writes.submit(lambda n=n: _opens_ticket(fd, inbox_id, n, sessions)) for n in (1, 2)]
    bad = fd.writes.submit(fails)
    last = fd.writes.submit(lambda: _opens_ticket(fd, inbox_id, 3, sessions))
    release.set()
    first.result(30)

    with pytest.raises(Invalid):
        bad.result(30)
    assert [f.result(30) for f in (*good, last)]
    assert count(fd, Ticket) == 3
    with fd.read() as session:
        assert session.scalar(select(Contact).where(Contact.name == "Half-written")) is None


def test_an_action_that_catches_its_own_failure_is_run_again_alone(fd: Frontdesk) -> None:
    """Alone, its first transaction commits and its second rolls back; in a batch the same
    must come out, not the second's half (a caught error inside a shared transaction)."""
    inbox_id = _inbox(fd)
    with fd.transaction() as tx:
        create_contact(tx, SYSTEM, {"name": "Taken"}, [IdentityRef("email", "taken@example.com")])

    def careful() -> str:
        with fd.transaction() as tx:
            create_contact(tx, SYSTEM, {"name": "Kept"}, [])
        try:
            with fd.transaction() as tx:
                create_contact(tx, SYSTEM, {"name": "Rolled back"}, [])
                duplicate = create_contact(tx, SYSTEM, {"name": "Duplicate"}, [])
                tx.session.add(
                    ContactIdentity(
                        contact_id=duplicate.id,
                        kind="email",
                        address="taken@example.com",
                        created_at=tx.now(),
                    )
                )
                tx.session.flush()
        except IntegrityError:
            return "caught"
        return "not caught"

    release, first = _held(fd)
    sessions: list[object] = []
    before = fd.writes.submit(lambda: _opens_ticket(fd, inbox_id, 1, sessions))
    outcome = fd.writes.submit(careful)
    release.set()
    first.result(30)

    assert outcome.result(30) == "caught"
    assert before.result(30)
    with fd.read() as session:
        names = set(session.scalars(select(Contact.name)).all())
    assert "Kept" in names
    assert not names & {"Rolled back", "Duplicate"}


class CheckingBus(MemoryBus):
    """The in-process bus, noting for each ticket.created whether another connection
    already finds the ticket when the event is published."""

    def __init__(self) -> None:
        super().__init__()
        self.fd: Frontdesk | None = None
        self.seen: list[bool] = []

    def publish(self, event: Event) -> None:
        if event.type == "ticket.created" and self.fd is not None:
            ticket_id = event.as_json()["ticket_id"]
            with self.fd.read() as session:
                self.seen.append(session.get(Ticket, ticket_id) is not None)
        super().publish(event)


def test_events_are_published_after_the_batch_commits(
    settings: Settings, clock: FrozenClock
) -> None:
    bus = CheckingBus()
    fd = Frontdesk(settings, clock=clock, bus=bus)
    bus.fd = fd
    try:
        inbox_id = _inbox(fd)
        release, first = _held(fd)
        sessions: list[object] = []
        futures = [
            fd.writes.submit(lambda n=n: _opens_ticket(fd, inbox_id, n, sessions)) for n in range(3)
        ]
        release.set()
        first.result(30)
        for f in futures:
            f.result(30)
        # Callers are answered first, then the events go out: wait for them.
        deadline = time.monotonic() + 30
        while len(bus.seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert bus.seen == [True, True, True]
    finally:
        fd.close()


def test_call_from_inside_a_batch_joins_it(fd: Frontdesk) -> None:
    inbox_id = _inbox(fd)
    sessions: list[object] = []

    def outer() -> int:
        return fd.writes.call(lambda: _opens_ticket(fd, inbox_id, 7, sessions))

    assert fd.writes.call(outer)
    assert count(fd, Ticket) == 1


def test_tx_of_a_joined_transaction_is_its_own(fd: Frontdesk) -> None:
    """Each action keeps its own audit rows and events, though the session is shared."""
    release, first = _held(fd)
    txs: list[Tx] = []

    def note(n: int) -> None:
        with fd.transaction() as tx:
            tx.emit("test.note", n=n)
            txs.append(tx)

    futures = [fd.writes.submit(lambda n=n: note(n)) for n in range(3)]
    release.set()
    first.result(30)
    for f in futures:
        f.result(30)
    assert [[e.data["n"] for e in tx.events] for tx in txs] == [[0], [1], [2]]
