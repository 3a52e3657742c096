"""The seam for a bot that answers first from the knowledge base.

No bot ships yet (the knowledge base is being built apart). When it lands, a `Bot` gets
each visitor message of a chat nobody has accepted and may answer it; every answer must
offer "talk to a person", and the bot steps aside after one unhelpful answer or any
request for a person. `answer()` returning None means "a person takes it", which is what
happens today.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class BotAnswer:
    text: str
    source_article_ids: tuple[int, ...] = ()


class Bot(Protocol):
    def answer(self, inbox_id: int, language: str | None, text: str) -> BotAnswer | None: ...


class NoBot:
    def answer(self, inbox_id: int, language: str | None, text: str) -> BotAnswer | None:
        return None


def bot_for(inbox_id: int) -> Bot:
    return NoBot()
