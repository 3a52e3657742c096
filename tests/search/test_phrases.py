"""Exact phrases find the same documents on both databases, however long the text (on
PostgreSQL they are found through word-pair lexemes, or word by word where a huge text
has no room for all its pairs)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.inbound import receive
from frontdesk.runtime import Frontdesk
from frontdesk.search import backends
from frontdesk.search.analysis import analyse
from frontdesk.search.backends import INCOMPLETE, LEXEME_BYTES, POSTGRES, Terms
from frontdesk.search.indexer import index_pending
from frontdesk.search.service import search


def write(fd: Frontdesk, subject: str, body: str) -> int:
    with fd.transaction() as tx:
        inbox = default_api_inbox(tx).id
        received = receive(
            tx,
            InboundMessage(
                inbox_id=inbox,
                sender=Sender("email", "ani@example.org", ""),
                subject=subject,
                text=body,
            ),
        )
        return received.ticket.id


def found(fd: Frontdesk, query: str) -> set[int]:
    with fd.read() as session:
        return {h.id for h in search(session, SYSTEM, query, types=("ticket",))}


def test_phrases_match_words_in_order_side_by_side_and_never_across_title_and_body(
    fd: Frontdesk,
) -> None:
    tent = write(fd, "Σκηνή", "Η σκηνή έσπασε χθες. Broken tent zip, the tent is broken.")
    other = write(fd, "Tent broken", "zip of the tent")
    index_pending(fd)
    assert found(fd, '"tent is broken"') == {tent}
    assert found(fd, '"TENT  is  BROKEN"') == {tent}
    assert found(fd, '"broken tent zip"') == {tent}
    assert found(fd, '"is tent broken"') == set()
    assert found(fd, '"σκηνη εσπασε"') == {tent}  # accents and case folded, order kept
    assert found(fd, '"εσπασε σκηνη"') == set()
    assert found(fd, '"tent broken zip"') == set()  # title "Tent broken", body "zip…"
    assert found(fd, '"zip"') == {tent, other}
    assert found(fd, 'tent -"tent is broken"') == {other}


def test_a_phrase_at_the_end_of_a_huge_message_is_still_found(
    fd: Frontdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Less room than the word pairs of this text need: the rest is found word by word.
    monkeypatch.setattr(backends, "LEXEME_BYTES", 100_000)
    words = [f"παραγγελιοδοσια{n:05d}" for n in range(3000)]
    body = " ".join(words) + " η τελευταία φράση εδώ"
    huge = write(fd, "Μεγάλο", body)
    index_pending(fd)
    assert found(fd, '"τελευταια φραση εδω"') == {huge}
    assert found(fd, f'"{words[10]} {words[11]}"') == {huge}
    assert found(fd, f'"{words[11]} {words[10]}"') == set()
    if not fd.settings.is_sqlite:
        with fd.read() as session:
            terms = session.execute(text("SELECT terms::text FROM search_documents")).scalars()
            assert any(f"'{INCOMPLETE}':" in (t or "") for t in terms)


def test_the_postgresql_terms_of_a_huge_text_stay_within_the_tsvector_limit() -> None:
    words = " ".join(f"παραγγελιοδοσια{n:05d}" for n in range(8000))
    vector = POSTGRES.tsvector(Terms(1, analyse("Μεγάλο", "el"), analyse(words, "el")))
    lexemes = [part.rsplit(":", 1)[0].strip("'") for part in vector.split(" '")]
    assert f"'{INCOMPLETE}':1" in vector
    assert sum(len(lexeme.encode()) for lexeme in lexemes) <= LEXEME_BYTES + 1000
    small = POSTGRES.tsvector(Terms(2, analyse("Tent", "en"), analyse("is broken", "en")))
    assert (
        "'~is broken':3D" in small and "'~tent is'" not in small and INCOMPLETE + "'" not in small
    )
