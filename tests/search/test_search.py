"""Search over tickets, contacts and articles: indexing as things change, filters, query
syntax and highlighting, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.clock import FrozenClock
from frontdesk.domain import tickets
from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.contacts import merge_contacts
from frontdesk.domain.inbound import receive
from frontdesk.kb import articles
from frontdesk.models import SearchDocument, Ticket
from frontdesk.runtime import Frontdesk
from frontdesk.search.indexer import index_pending, reindex
from frontdesk.search.service import Hit, search


def customer_writes(fd: Frontdesk, email: str, subject: str, text: str, **extra: object) -> int:
    with fd.transaction() as tx:
        inbox = default_api_inbox(tx).id
        message = InboundMessage(
            inbox_id=inbox,
            sender=Sender("email", email, ""),
            subject=subject,
            text=text,
            **extra,  # type: ignore[arg-type]
        )
        return receive(tx, message).ticket.id


def hits(fd: Frontdesk, text: str, actor: Actor | None = SYSTEM, **kwargs: object) -> list[Hit]:
    with fd.read() as session:
        return search(session, actor, text, **kwargs)  # type: ignore[arg-type]


def found(
    fd: Frontdesk, text: str, actor: Actor | None = SYSTEM, **kwargs: object
) -> list[tuple[str, int]]:
    return [(h.type, h.id) for h in hits(fd, text, actor, **kwargs)]


def contact_of(fd: Frontdesk, ticket_id: int) -> int:
    with fd.read() as session:
        return session.get_one(Ticket, ticket_id).contact_id


def publish(fd: Frontdesk, language: str, title: str, body: str, visibility: str = "public") -> int:
    with fd.transaction() as tx:
        category = articles.create_category(tx, SYSTEM, {"en": "Help"})
        section = articles.create_section(tx, SYSTEM, category.id, {"en": "All"})
        draft = articles.Draft(title, body)
        return articles.create_article(
            tx, SYSTEM, section.id, language, draft, visibility=visibility, publish=True
        ).id


def test_a_message_is_found_by_other_forms_of_its_words_once_indexed(fd: Frontdesk) -> None:
    ticket = customer_writes(fd, "ani@example.org", "Parcel", "My deliveries never arrive on time")
    greek = customer_writes(fd, "eleni@example.gr", "Δέμα", "Οι παραγγελίες μου δεν έφτασαν")
    tamil = customer_writes(fd, "kavin@example.in", "கடவுச்சொல்", "என் கடவுச்சொல்லை மறந்துவிட்டேன்")
    assert found(fd, "delivery") == []  # nothing is searchable before the indexer runs
    assert index_pending(fd) > 0
    assert found(fd, "delivery") == [("ticket", ticket)]
    assert found(fd, "arrived") == [("ticket", ticket)]
    assert found(fd, "παραγγελια") == [("ticket", greek)]
    assert found(fd, "ΠΑΡΑΓΓΕΛΊΕΣ") == [("ticket", greek)]
    assert found(fd, "கடவுச்சொற்கள்", types=("ticket",)) == [("ticket", tamil)]
    assert ("contact", contact_of(fd, ticket)) in found(fd, "ani@example.org")
    assert index_pending(fd) == 0  # nothing changed, nothing written again


def test_messages_get_their_language_and_lang_filters_by_it(fd: Frontdesk) -> None:
    latvian = customer_writes(
        fd, "janis@example.lv", "Sūtījums", "Mans sūtījums vēl nav pienācis, lūdzu palīdziet"
    )
    slovene = customer_writes(
        fd, "ana@example.si", "Paket", "Moj paket še ni prispel, prosim pomagajte"
    )
    index_pending(fd)
    assert found(fd, "lang:lv sutijums") == [("ticket", latvian)]
    assert found(fd, "paket lang:sl") == [("ticket", slovene)]
    assert found(fd, "paket lang:lv") == []
    [hit] = hits(fd, "sūtījumi")
    assert hit.language == "lv"


def test_query_syntax_phrases_exclusions_prefixes_and_filters(fd: Frontdesk) -> None:
    broken = customer_writes(fd, "ani@example.org", "Zip", "The zip of my tent is broken")
    tent = customer_writes(
        fd, "bob@example.net", "Tent", "My tent pole is broken and the zip works"
    )
    index_pending(fd)
    assert set(found(fd, "broken tent")) == {("ticket", broken), ("ticket", tent)}
    assert found(fd, '"tent is broken"') == [("ticket", broken)]
    assert found(fd, "tent -pole") == [("ticket", broken)]
    assert found(fd, 'tent -"pole is broken"') == [("ticket", broken)]
    assert set(found(fd, "brok*", types=("ticket",))) == {("ticket", broken), ("ticket", tent)}
    assert found(fd, "tent from:bob@") == [("ticket", tent)]
    assert found(fd, "tent from:example.org") == [("ticket", broken)]
    assert found(fd, "tent status:solved") == []
    with fd.transaction() as tx:
        tickets.update_ticket(tx, SYSTEM, tent, {"status": "solved"})
    # Status is read from the ticket at query time: no re-indexing needed.
    assert found(fd, "tent status:solved") == [("ticket", tent)]
    assert found(fd, "tent channel:api") != []
    assert found(fd, "tent channel:email") == []


def test_matches_are_marked_and_the_rest_escaped(fd: Frontdesk) -> None:
    customer_writes(fd, "ani@example.org", "Order", "<b>Where</b> are my ΠΑΡΑΓΓΕΛΊΕΣ & deliveries?")
    index_pending(fd)
    [hit] = hits(fd, "παραγγελια delivery")
    assert "<mark>ΠΑΡΑΓΓΕΛΊΕΣ</mark>" in hit.snippet
    assert "<mark>deliveries</mark>" in hit.snippet
    assert "&lt;b&gt;Where&lt;/b&gt;" in hit.snippet and "&amp;" in hit.snippet


def test_changes_reach_the_index_incrementally(fd: Frontdesk, clock: FrozenClock) -> None:
    ticket = customer_writes(fd, "ani@example.org", "Lost umbrella", "I left it at the counter")
    article = publish(fd, "en", "Lost property", "Items left in the shop are kept for a month.")
    index_pending(fd)
    assert found(fd, "umbrella") == [("ticket", ticket)]
    assert found(fd, "property") == [("article", article)]

    clock.advance(timedelta(seconds=1))
    with fd.transaction() as tx:
        tickets.update_ticket(tx, SYSTEM, ticket, {"subject": "Forgotten parasol"})
        articles.unpublish_translation(tx, SYSTEM, article, "en")
    index_pending(fd)
    assert found(fd, "parasol") == [("ticket", ticket)]
    assert found(fd, "umbrella") == []
    assert found(fd, "property") == []

    clock.advance(timedelta(seconds=1))
    with fd.transaction() as tx:
        articles.save_translation(
            tx,
            SYSTEM,
            article,
            "en",
            articles.Draft("Found items", "Kept for a month."),
            publish=True,
        )
    index_pending(fd)
    assert found(fd, "found items") == [("article", article)]


def test_a_message_committed_late_behind_the_watermark_is_still_indexed(fd: Frontdesk) -> None:
    first = customer_writes(fd, "ani@example.org", "Kettle", "The kettle leaks")
    customer_writes(fd, "bob@example.net", "Toaster", "The toaster burns bread")
    index_pending(fd)
    # As if the first message's transaction had committed after the watermark passed it.
    with fd.write_session() as session:
        session.execute(
            delete(SearchDocument).where(
                SearchDocument.kind == "message", SearchDocument.ticket_id == first
            )
        )
    assert found(fd, "leaks") == []
    index_pending(fd)
    assert found(fd, "leaks") == [("ticket", first)]


def test_a_merged_contact_leaves_the_index(fd: Frontdesk, clock: FrozenClock) -> None:
    one = contact_of(fd, customer_writes(fd, "ani@example.org", "A", "First"))
    two = contact_of(fd, customer_writes(fd, "ani.work@example.com", "B", "Second"))
    index_pending(fd)
    assert ("contact", two) in found(fd, "ani.work@example.com")
    clock.advance(timedelta(seconds=1))
    with fd.transaction() as tx:
        merge_contacts(tx, SYSTEM, one, two)
    index_pending(fd)
    assert ("contact", two) not in found(fd, "ani.work@example.com", types=("contact",))


def test_reindex_rebuilds_the_same_index(fd: Frontdesk) -> None:
    ticket = customer_writes(fd, "ani@example.org", "Parcel", "My deliveries never arrive")
    article = publish(fd, "el", "Παράδοση", "Οι παραγγελίες φτάνουν σε τρεις ημέρες.")
    index_pending(fd)
    before = found(fd, "delivery παραγγελια", types=("ticket", "article"))
    steps: list[int] = []
    assert reindex(fd, progress=steps.append) >= 4
    assert sum(steps) >= 4
    assert found(fd, "delivery παραγγελια", types=("ticket", "article")) == before
    assert set(found(fd, "delivery")) >= {("ticket", ticket)}
    assert found(fd, "παραγγελίες") == [("article", article)]


def test_common_words_rank_only_the_newest_candidates_and_still_answer(fd: Frontdesk) -> None:
    from frontdesk.search import backends

    original = backends.CANDIDATES
    backends.CANDIDATES = 3
    try:
        ids = [
            customer_writes(fd, f"c{i}@example.org", f"Help {i}", "please help me")
            for i in range(6)
        ]
        index_pending(fd)
        assert [h.id for h in hits(fd, "help", types=("ticket",))] == sorted(ids[3:], reverse=True)
    finally:
        backends.CANDIDATES = original


def test_the_documents_table_holds_one_row_per_thing(fd: Frontdesk) -> None:
    customer_writes(fd, "ani@example.org", "Parcel", "One")
    index_pending(fd)
    with fd.read() as session:
        kinds = sorted(session.scalars(select(SearchDocument.kind)))
    assert kinds == ["contact", "message", "ticket"]
