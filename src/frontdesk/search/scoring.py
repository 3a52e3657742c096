"""BM25 over the candidates' own text, for SQLite.

FTS5's bm25() first counts, for every term of the query, every document of the whole index
that has it: for a word in a fifth of a million documents that is tens of milliseconds
however few documents are ranked. Here each term's document frequency is counted only up
to DF_CAP (beyond that a word is simply common), and the frequencies within a document are
counted in the analysed text that the candidate query reads anyway.

The formula is FTS5's: per term, idf × f·(k1 + 1) / (f + k1·(1 − b + b·|D| / avg|D|)), where
f weighs a title match three times a body match, and |D| is the document's length in words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from frontdesk.search.query import Phrase, Prefix, Term, Word

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
# Document frequencies are counted up to here: the walk costs about 1 ms per 3 000.
DF_CAP = 5000


@dataclass(frozen=True)
class Part:
    """One term as it was searched: with its prefix alternative or not, and how many
    documents have it (at most DF_CAP)."""

    term: Term
    with_prefix: bool
    df: int


def idf(df: int, documents: int) -> float:
    return math.log(1 + (documents - df + 0.5) / (df + 0.5))


def scores(texts: Sequence[Sequence[str]], parts: Sequence[Part], documents: int) -> list[float]:
    """The score of each candidate, from its analysed text as the index holds it (title
    words, title stems, body words, body stems; each space-separated)."""
    padded = [(f" {tw} ", f" {ts} ", f" {w} ", f" {s} ") for tw, ts, w, s in texts]
    lengths = [t[0].count(" ") + t[2].count(" ") + 2 for t in texts]
    average = max(1.0, sum(lengths) / len(lengths)) if lengths else 1.0
    weights = [(part, idf(part.df, max(documents, part.df))) for part in parts]
    out = []
    for (title_words, title_stems, words, stems), length in zip(padded, lengths, strict=True):
        norm = K1 * (1 - B + B * length / average)
        total = 0.0
        for part, weight in weights:
            f = TITLE_WEIGHT * _count(part, title_words, title_stems) + BODY_WEIGHT * _count(
                part, words, stems
            )
            if f:
                total += weight * f * (K1 + 1) / (f + norm)
        out.append(total)
    return out


def _count(part: Part, words: str, stems: str) -> int:
    """How often the term occurs in one column pair (padded with a space each side)."""
    term = part.term
    if isinstance(term, Word):
        found = sum(stems.count(f" {stem} ") for stem in term.stems)
        if part.with_prefix and term.prefix:
            # Another ending of the word, which the stemmer did not bring to the same stem.
            found = max(found, words.count(f" {term.prefix}"))
        return found
    if isinstance(term, Phrase):
        return words.count(f" {' '.join(term.words)} ")
    assert isinstance(term, Prefix)
    return words.count(f" {term.prefix}")
