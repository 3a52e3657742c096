"""A bot that answers first from the knowledge base.

A chat inbox with `bot_answers_first` gives each visitor message of a chat nobody has
taken to a `Bot`. The knowledge-base bot searches the public, published articles, in the
visitor's language first, and answers with the best article's title, a short excerpt and
a link. `answer()` returning None means "nothing to say": a person takes it
(`bot_turns.py` decides when the bot steps aside).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from frontdesk.channels.chat.config import ChatInboxConfig
from frontdesk.search.analysis import split_words
from frontdesk.search.service import Hit, search

EXCERPT_CHARS = 240
MAX_QUERY_WORDS = 30
_TAG = re.compile(r"<[^>]+>")
_MARKUP = re.compile(r"[#*_`>\[\]]+")


@dataclass(frozen=True)
class ArticleLink:
    id: int
    title: str
    excerpt: str
    url: str
    language: str


@dataclass(frozen=True)
class BotAnswer:
    article: ArticleLink

    @property
    def source_article_ids(self) -> tuple[int, ...]:
        return (self.article.id,)


class Bot(Protocol):
    def answer(
        self, session: Session, languages: tuple[str, ...], text: str
    ) -> BotAnswer | None: ...


class NoBot:
    def answer(self, session: Session, languages: tuple[str, ...], text: str) -> BotAnswer | None:
        return None


class KnowledgeBaseBot:
    """Searches as an anonymous reader would: only public articles' published text."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def answer(self, session: Session, languages: tuple[str, ...], text: str) -> BotAnswer | None:
        # What a visitor wrote is words, not query syntax (a "-" or a quote in it).
        words = " ".join(w for w, _, _ in list(split_words(text))[:MAX_QUERY_WORDS])
        if not words:
            return None
        # The visitor's language first, then the language their words are in; an article
        # in another language is better than none at all.
        for language in (*languages, None):
            hits = search(session, None, words, types=("article",), language=language, limit=1)
            if hits:
                return BotAnswer(self._link(hits[0]))
        return None

    def _link(self, hit: Hit) -> ArticleLink:
        language = hit.language or "en"
        return ArticleLink(
            id=hit.id,
            title=hit.title,
            excerpt=excerpt(hit.snippet),
            url=f"{self.base_url}/help/{language}/articles/{hit.id}-{hit.slug}",
            language=language,
        )


def excerpt(snippet_html: str) -> str:
    """Plain text from a search snippet: no <mark>, no Markdown marks, at most a few lines."""
    text = html.unescape(_TAG.sub("", snippet_html))
    text = " ".join(_MARKUP.sub(" ", text).split())
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text


def bot_for(config: ChatInboxConfig, base_url: str) -> Bot:
    return KnowledgeBaseBot(base_url) if config.bot_answers_first else NoBot()
