"""What the server says to a visitor, built from rows. Frames are JSON objects with a
`type`; docs/chat-protocol.md lists them all."""

from __future__ import annotations

from typing import Any

from frontdesk.models import Agent, ChatSession, Message

THREAD_PREFIX = "chat:"
# How the bot is named where a name is written out (the emailed transcript).
BOT_NAMES = {
    "en": "Assistant",
    "hy": "Օգնական",
    "ta": "உதவியாளர்",
    "lv": "Palīgs",
    "el": "Βοηθός",
    "sl": "Pomočnik",
}


def thread_key(visitor_key: str) -> str:
    """The ticket's conversation key: every chat of one visitor threads onto one ticket."""
    return THREAD_PREFIX + visitor_key


def external_id(visitor_key: str, client_id: str) -> str:
    """The message's id for the one inbound pipeline: a client id is stored once."""
    return f"{THREAD_PREFIX}{visitor_key}:{client_id}"


def client_id_of(message: Message) -> str | None:
    if message.direction != "in" or not message.external_id:
        return None
    return message.external_id.rpartition(":")[2]


def sender_of(message: Message) -> str:
    """visitor, agent, or bot (the knowledge-base bot's answers and hand-overs)."""
    if message.direction == "in":
        return "visitor"
    return "bot" if bot_meta(message) is not None else "agent"


def bot_meta(message: Message) -> dict[str, Any] | None:
    bot = (message.meta or {}).get("bot")
    return bot if isinstance(bot, dict) else None


def message_frame(message: Message, author: str) -> dict[str, Any]:
    frame = {
        "type": "message",
        "id": message.id,
        "client_id": client_id_of(message),
        "from": sender_of(message),
        "author": author,
        "text": message.text,
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
            }
            for a in message.attachments
        ],
        "created_at": message.created_at.isoformat(),
    }
    bot = bot_meta(message)
    if bot is not None:
        frame["bot"] = {
            "kind": bot.get("kind"),
            "articles": bot.get("articles", []),
            "helpful": bot.get("helpful"),
        }
    return frame


def chat_frame(chat: ChatSession | None, agent: Agent | None) -> dict[str, Any]:
    if chat is None:
        return {"type": "chat", "id": None, "state": None, "agent": None, "agent_read_id": None}
    return {
        "type": "chat",
        "id": chat.id,
        "state": chat.state,
        "agent": agent.name if agent is not None else None,
        "agent_read_id": chat.agent_read_id,
    }


def error_frame(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "detail": detail, **extra}
