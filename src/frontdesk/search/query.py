"""The query language people type: words, "exact phrases", -excluded, prefix*, and filters
(status:open lang:el channel:email from:ani@example.org type:article).

parse() never fails: whatever a user types (unbalanced quotes, operators of a search engine,
control characters, 10 000 characters) becomes a query that is safe to run, perhaps empty.
Backends never see the raw text, only the analysed terms, which they quote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from frontdesk.search.analysis import (
    MAX_TOKEN,
    fallback_prefix,
    fold,
    normalise,
    query_stems,
    split_words,
)

MAX_QUERY_CHARS = 500
MAX_TERMS = 12
MAX_PHRASE_WORDS = 8
FILTERS = ("status", "lang", "channel", "from", "type", "tag", "team", "assignee")
_PIECE = re.compile(r'(-?)"([^"]*)("?)|(\S+)')


@dataclass(frozen=True)
class Word:
    """A typed word: found by any of its stems, or by a prefix of it where stems miss."""

    text: str
    stems: tuple[str, ...]
    prefix: str | None


@dataclass(frozen=True)
class Phrase:
    """Words that must stand together, in this order, as typed (case and accents aside)."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Prefix:
    prefix: str


Term = Word | Phrase | Prefix


@dataclass
class Query:
    terms: list[Term] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    # Any term may match instead of all: the second pass when all-terms finds nothing
    # (a customer types a sentence; one of its words is in no article).
    match_any: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.terms

    def highlight_words(self) -> set[str]:
        """Folded words and stems to mark in snippets."""
        found: set[str] = set()
        for term in self.terms:
            if isinstance(term, Word):
                found.update(term.stems)
            elif isinstance(term, Phrase):
                found.update(term.words)
        return found

    def highlight_prefixes(self) -> list[str]:
        out = []
        for term in self.terms:
            prefix = term.prefix if isinstance(term, Prefix | Word) else None
            if prefix:
                out.append(prefix)
        return out


def clean(text: str) -> str:
    """Control and format characters become spaces; the length is capped."""
    text = text[: MAX_QUERY_CHARS * 4]
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return text[:MAX_QUERY_CHARS]


def parse(text: str, languages: Iterable[str]) -> Query:
    enabled = list(languages)
    query = Query()
    for match in _PIECE.finditer(clean(text)):
        negated, quoted, _closing, bare = match.groups()
        if bare is None:
            _add(query, _phrase(quoted), negated=bool(negated))
            continue
        negated_bare = bare.startswith("-") and len(bare) > 1
        if negated_bare:
            bare = bare[1:]
        name, colon, value = bare.partition(":")
        if colon and name.casefold() in FILTERS and value:
            query.filters.setdefault(name.casefold(), []).append(value[:320])
            continue
        for term in _terms(bare, enabled):
            _add(query, term, negated=negated_bare)
    return query


def _add(query: Query, term: Term | None, *, negated: bool) -> None:
    if term is None:
        return
    target = query.excluded if negated else query.terms
    if len(query.terms) + len(query.excluded) < MAX_TERMS and term not in target:
        target.append(term)


def _phrase(text: str) -> Term | None:
    words = tuple(fold(w[:MAX_TOKEN]) for w, _, _ in split_words(normalise(text)))
    words = words[:MAX_PHRASE_WORDS]
    return Phrase(words) if words else None


def _terms(piece: str, enabled: list[str]) -> list[Term]:
    """One whitespace-separated piece may hold several words (e-mail, don't, a/b): each is
    a term of its own, found in any of its forms; a trailing * makes the last a prefix."""
    words = [w for w, _, _ in split_words(normalise(piece))]
    if not words:
        return []
    terms: list[Term] = []
    for i, word in enumerate(words):
        word = word[:MAX_TOKEN]
        if i == len(words) - 1 and piece.endswith("*"):
            terms.append(Prefix(fold(word)))
            continue
        stems = tuple(query_stems(word, enabled))
        terms.append(Word(word, stems, fallback_prefix(fold(word))))
    return terms
