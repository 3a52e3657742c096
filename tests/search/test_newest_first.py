"""PostgreSQL looks among the newest documents first and widens the window until it has
enough matches; a word without many recent matches is still found everywhere. The windows
are made small here so that a few tickets exercise them (in use they are thousands)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.inbound import receive
from frontdesk.runtime import Frontdesk
from frontdesk.search import backends
from frontdesk.search.indexer import index_pending
from frontdesk.search.query import parse
from frontdesk.search.service import search


def ticket(fd: Frontdesk, n: int, text: str) -> int:
    """A ticket, indexed at once as the background indexer would: its message, the ticket
    and the new contact are the three newest documents."""
    with fd.transaction() as tx:
        received = receive(
            tx,
            InboundMessage(
                inbox_id=default_api_inbox(tx).id,
                sender=Sender("email", f"customer{n}@example.org", ""),
                subject=f"Request {n}",
                text=text,
            ),
        )
    index_pending(fd)
    return received.ticket.id


def found(fd: Frontdesk, query: str) -> set[int]:
    with fd.read() as session:
        return {h.id for h in search(session, SYSTEM, query, types=("ticket",))}


def test_recent_matches_first_and_old_ones_when_too_few_are_recent(
    fd: Frontdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    if fd.settings.is_sqlite:
        pytest.skip("SQLite ranks the newest 1 000 matches straight from its index")
    monkeypatch.setattr(backends, "WINDOWS", (9, 18))  # three tickets, then six
    monkeypatch.setattr(backends, "ENOUGH", 3)
    old_kettle = [ticket(fd, n, "The kettle leaks") for n in range(2)]
    old_lamp = ticket(fd, 2, "The lamp flickers")
    for n in range(3, 12):
        ticket(fd, n, "Where is my parcel")
    new_lamps = {ticket(fd, n, "The lamp flickers") for n in range(12, 15)}

    # Three recent lamps fill the first window: the old one is not ranked among them.
    assert found(fd, "lamp") == new_lamps
    assert old_lamp not in new_lamps
    # No kettle among the newest documents: the windows widen until the whole index.
    assert found(fd, "kettle") == set(old_kettle)
    assert found(fd, '"kettle leaks"') == set(old_kettle)
    assert found(fd, "flickers -parcel") == new_lamps


def test_a_common_word_is_searched_without_its_prefix_on_postgresql() -> None:
    query = parse("flickering lamps", ["en"])
    plain = backends.POSTGRES.tsquery(query)
    assert ":*" in plain  # "flickering" may have forms its stem misses
    stems = {s for term in query.terms for s in getattr(term, "stems", ())}
    known = backends.POSTGRES.tsquery(query, common=frozenset(stems))
    assert ":*" not in known


def test_the_common_lexemes_come_from_the_planners_statistics(
    fd: Frontdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    if fd.settings.is_sqlite:
        pytest.skip("PostgreSQL only")
    monkeypatch.setattr(backends, "COMMON_SECONDS", 0.0)  # read them on every call
    with fd.read() as session:
        assert backends.POSTGRES.common_lexemes(session) == frozenset()  # no statistics yet
    for n in range(30):
        ticket(fd, n, f"The lamp flickers, case {n}")
    with fd.write_session() as session:
        session.execute(text("ANALYZE search_documents"))
    with fd.read() as session:
        common = backends.POSTGRES.common_lexemes(session)
    assert "lamp" in common and "=lamp" in common
