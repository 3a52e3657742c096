"""Snippets with the matching words marked, computed the same way for both backends."""

from __future__ import annotations

import html
from collections.abc import Iterable

from frontdesk.search.analysis import fold, normalise, split_words, stem, token_language

SNIPPET_WORDS = 30
LEAD_WORDS = 8


def snippet(
    text: str,
    language: str | None,
    words: set[str],
    prefixes: Iterable[str],
    *,
    length: int = SNIPPET_WORDS,
) -> str:
    """HTML: a window of `text` around its first match, matches in <mark>, the rest
    escaped. Without a match, the start of the text."""
    prefixes = tuple(p for p in prefixes if p)
    spans = list(split_words(text))
    if not spans:
        return html.escape(text[:200])
    hits = [i for i, (word, _, _) in enumerate(spans) if _matches(word, language, words, prefixes)]
    first = max(0, hits[0] - LEAD_WORDS) if hits else 0
    window = spans[first : first + length]
    at_end = first + length >= len(spans)
    marked = {i for i in hits if first <= i < first + length}
    out: list[str] = ["…" if first else ""]
    position = window[0][1] if first else 0
    for i, (_, word_start, word_end) in enumerate(window, start=first):
        out.append(html.escape(text[position:word_start]))
        piece = html.escape(text[word_start:word_end])
        out.append(f"<mark>{piece}</mark>" if i in marked else piece)
        position = word_end
    out.append(html.escape(text[position:].rstrip()) if at_end else "…")
    return "".join(out)


def _matches(word: str, language: str | None, words: set[str], prefixes: tuple[str, ...]) -> bool:
    normal = normalise(word)
    folded = fold(normal)
    if folded in words or folded.startswith(prefixes):
        return True
    return stem(normal, token_language(normal, language)) in words
