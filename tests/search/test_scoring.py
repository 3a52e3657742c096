"""The SQLite ranking (frontdesk.search.scoring) on analysed text, as the index holds it."""

from __future__ import annotations

from frontdesk.search.backends import SQLITE
from frontdesk.search.query import Phrase, Query, Word, parse
from frontdesk.search.scoring import Part, idf, scores


def word(text: str, prefix: str | None = None) -> Word:
    return Word(text, (text,), prefix)


def text(title: str, body: str) -> tuple[str, str, str, str]:
    return (title, title, body, body)


def test_a_title_match_outranks_the_same_match_in_the_body() -> None:
    parts = [Part(word("tent"), False, 10)]
    in_title, in_body = scores(
        [text("tent zip", "it broke at night"), text("zip", "the tent broke at night")],
        parts,
        1000,
    )
    assert in_title > in_body > 0


def test_a_rare_word_weighs_more_than_a_common_one() -> None:
    parts = [Part(word("refund"), False, 5), Part(word("order"), False, 900)]
    rare, common, neither = scores(
        [text("", "refund please"), text("", "order please"), text("", "hello please")],
        parts,
        1000,
    )
    assert rare > common > neither == 0
    assert idf(5, 1000) > idf(900, 1000) > 0


def test_more_occurrences_rank_higher_and_longer_texts_lower() -> None:
    parts = [Part(word("parcel"), False, 10)]
    twice, once, once_long = scores(
        [
            text("", "parcel lost parcel"),
            text("", "parcel lost here"),
            text("", "parcel " + "word " * 40 + "end"),
        ],
        parts,
        1000,
    )
    assert twice > once > once_long


def test_phrases_count_only_words_that_stand_together() -> None:
    parts = [Part(Phrase(("reset", "password")), False, 10)]
    together, apart = scores(
        [text("", "please reset password now"), text("", "password please reset")], parts, 1000
    )
    assert together > 0 == apart


def test_a_prefix_counts_other_endings_only_where_the_part_keeps_it() -> None:
    term = word("paroles", prefix="parol")
    texts = [text("", "paroli")]
    assert scores(texts, [Part(term, True, 10)], 1000)[0] > 0
    assert scores(texts, [Part(term, False, 10)], 1000)[0] == 0


def test_a_common_word_is_searched_without_its_prefix() -> None:
    query = parse("paroles", ["lv"])
    (term,) = query.terms
    assert isinstance(term, Word) and term.prefix
    rare = SQLITE.match(query, [Part(term, True, 3)])
    common = SQLITE.match(query, [Part(term, False, 50_000)])
    assert f'"{term.prefix}" *' in rare
    assert "*" not in common
    assert SQLITE.match(Query(terms=[term])) == rare
