"""The bot's part of a chat: answer a visitor message, and hand over to the agents.

The bot answers only chats in the `bot` state (nobody asked yet). It hands over, so the
chat is offered to agents like any new chat, after one unhelpful answer (the visitor says
so in words or with the "not helpful" button, or the bot finds nothing) or any request for
a person (the "talk to a person" button, or words such as "human"). Its messages are
ordinary public messages of the ticket, marked as the bot's in `meta`, so the agent who
takes over reads what the bot said. They do not count as the help desk's first response.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.channels.chat.bot import BotAnswer, bot_for
from frontdesk.channels.chat.capacity import anyone_online
from frontdesk.channels.chat.config import ChatInboxConfig
from frontdesk.channels.chat.frames import bot_meta, chat_frame, message_frame
from frontdesk.channels.chat.intents import asks_for_person, says_unhelpful
from frontdesk.channels.chat.visitors import Visit, chat_inbox, offer
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.errors import NotFound
from frontdesk.domain.tx import Tx
from frontdesk.models import ChatSession, ChatVisitor, Message, Ticket
from frontdesk.runtime import Frontdesk

# What the bot says, in the visitor's language; stored as the message's text.
PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "answer": "This article may answer your question:",
        "handover": "I am passing you to a colleague. Please wait a moment.",
        "handover_offline": "Nobody is online right now. A colleague will answer you by email.",
        "nothing": "I could not find an answer to that.",
    },
    "hy": {
        "answer": "Այս հոդվածը կարող է պատասխանել ձեր հարցին՝",
        "handover": "Ձեզ փոխանցում եմ աշխատակցին։ Խնդրում ենք մի պահ սպասել։",
        "handover_offline": "Այժմ առցանց ոչ ոք չկա։ Աշխատակիցը կպատասխանի ձեզ էլ. փոստով։",
        "nothing": "Այդ հարցի պատասխանը չգտա։",
    },
    "ta": {
        "answer": "இந்தக் கட்டுரை உங்கள் கேள்விக்குப் பதிலளிக்கக்கூடும்:",
        "handover": "உங்களை ஒரு பணியாளரிடம் இணைக்கிறேன். சற்றுக் காத்திருக்கவும்.",
        "handover_offline": ("இப்போது யாரும் இணையத்தில் இல்லை. ஒரு பணியாளர் மின்னஞ்சல் மூலம் பதிலளிப்பார்."),
        "nothing": "அதற்கான பதிலை என்னால் கண்டுபிடிக்க முடியவில்லை.",
    },
    "lv": {
        "answer": "Šis raksts varētu atbildēt uz jūsu jautājumu:",
        "handover": "Nododu jūs kolēģim. Lūdzu, brīdi uzgaidiet.",
        "handover_offline": "Pašlaik neviens nav tiešsaistē. Kolēģis jums atbildēs pa e-pastu.",
        "nothing": "Es neatradu atbildi uz to.",
    },
    "el": {
        "answer": "Αυτό το άρθρο ίσως απαντά στην ερώτησή σας:",
        "handover": "Σας συνδέω με έναν συνάδελφο. Περιμένετε λίγο.",
        "handover_offline": (
            "Κανείς δεν είναι συνδεδεμένος αυτή τη στιγμή. Ένας συνάδελφος θα σας απαντήσει "
            "με email."
        ),
        "nothing": "Δεν βρήκα απάντηση σε αυτό.",
    },
    "sl": {
        "answer": "Ta članek morda odgovori na vaše vprašanje:",
        "handover": "Predajam vas sodelavcu. Prosimo, počakajte trenutek.",
        "handover_offline": "Trenutno ni nikogar na spletu. Sodelavec vam bo odgovoril po e-pošti.",
        "nothing": "Odgovora na to nisem našel.",
    },
}
REASONS = ("asked", "unhelpful", "nothing_found", "bot_failed")


def phrase(language: str | None, key: str) -> str:
    return PHRASES.get(language or "en", PHRASES["en"])[key]


def after_visitor_message(fd: Frontdesk, visit: Visit, text: str) -> list[dict[str, Any]]:
    """The bot's turn after the visitor wrote: an answer, or a hand-over. Frames for the
    visitor's connection (the hub brings the same frames to their other tabs)."""
    with fd.transaction() as tx:
        found = _bot_chat(tx, visit)
        if found is None:
            return []
        chat, ticket, config = found
        if asks_for_person(text):
            return _hand_over(tx, fd, chat, ticket, visit, "asked")
        if says_unhelpful(text):
            return _hand_over(tx, fd, chat, ticket, visit, "unhelpful")
        languages = tuple(dict.fromkeys(x for x in (visit.locale, ticket.language) if x))
        answer = bot_for(config, str(fd.settings.base_url)).answer(tx.session, languages, text)
        if answer is None:
            return _hand_over(tx, fd, chat, ticket, visit, "nothing_found")
        return [_answer(tx, chat, ticket, visit, answer)]


def ask_for_person(fd: Frontdesk, visit: Visit, reason: str = "asked") -> list[dict[str, Any]]:
    """The "talk to a person" button (or a bot that failed: a person is the way out)."""
    with fd.transaction() as tx:
        found = _bot_chat(tx, visit)
        if found is None:
            return []
        chat, ticket, _ = found
        return _hand_over(tx, fd, chat, ticket, visit, reason)


def feedback(fd: Frontdesk, visit: Visit, message_id: int, helpful: bool) -> list[dict[str, Any]]:
    """The visitor's verdict on one of the bot's answers; "not helpful" hands over."""
    with fd.transaction() as tx:
        found = _bot_chat(tx, visit)
        message = tx.session.get(Message, message_id)
        if found is None or message is None or message.ticket_id != found[1].id:
            # Not the visitor's own chat with the bot: nothing to say about it.
            raise NotFound(f"bot message {message_id} not found")
        meta = bot_meta(message)
        if meta is None or meta.get("kind") != "answer":
            raise NotFound(f"bot message {message_id} not found")
        chat, ticket, _ = found
        message.meta = {**message.meta, "bot": {**meta, "helpful": helpful}}
        tx.audit(
            SYSTEM,
            "chat.bot_feedback",
            "chat",
            chat.id,
            {"helpful": [None, helpful], "message_id": [None, message_id]},
            ticket=ticket.id,
        )
        if helpful:
            return []
        return _hand_over(tx, fd, chat, ticket, visit, "unhelpful")


def _bot_chat(tx: Tx, visit: Visit) -> tuple[ChatSession, Ticket, ChatInboxConfig] | None:
    """The visitor's chat while the bot has it (locked: two tabs may press at once)."""
    if visit.visitor_id is None:
        return None
    _, config = chat_inbox(tx.session, visit.inbox_id)
    chat = tx.session.scalar(
        select(ChatSession)
        .where(ChatSession.visitor_id == visit.visitor_id)
        .order_by(ChatSession.id.desc())
        .limit(1)
        .with_for_update()
    )
    if chat is None or chat.state != "bot":
        return None
    return chat, tx.session.get_one(Ticket, chat.ticket_id), config


def _answer(
    tx: Tx, chat: ChatSession, ticket: Ticket, visit: Visit, answer: BotAnswer
) -> dict[str, Any]:
    article = answer.article
    language = visit.locale or ticket.language
    text = f"{phrase(language, 'answer')}\n{article.title}\n{article.excerpt}\n{article.url}"
    link = {
        "id": article.id,
        "title": article.title,
        "excerpt": article.excerpt,
        "url": article.url,
        "language": article.language,
    }
    message = _bot_message(tx, ticket, text, {"kind": "answer", "articles": [link]})
    tx.audit(
        SYSTEM,
        "chat.bot_answered",
        "chat",
        chat.id,
        {"article_id": [None, article.id], "message_id": [None, message.id]},
        ticket=ticket.id,
    )
    return message_frame(message, "")


def _hand_over(
    tx: Tx, fd: Frontdesk, chat: ChatSession, ticket: Ticket, visit: Visit, reason: str
) -> list[dict[str, Any]]:
    language = visit.locale or ticket.language
    online = anyone_online(tx, ticket.team_id)
    text = phrase(language, "handover" if online else "handover_offline")
    if reason == "nothing_found":
        text = f"{phrase(language, 'nothing')} {text}"
    message = _bot_message(tx, ticket, text, {"kind": "handover", "reason": reason})
    visitor = tx.session.get_one(ChatVisitor, chat.visitor_id)
    offer(tx, fd, chat, ticket, visitor.key)
    tx.audit(
        SYSTEM,
        "chat.handed_over",
        "chat",
        chat.id,
        {"state": ["bot", chat.state], "reason": [None, reason]},
        ticket=ticket.id,
    )
    return [message_frame(message, ""), chat_frame(chat, None)]


def _bot_message(tx: Tx, ticket: Ticket, text: str, bot: dict[str, Any]) -> Message:
    # Written here rather than with tickets.reply(): nothing is delivered (the visitor is
    # on the socket), and the response clocks keep running until a person answers.
    now = tx.now()
    message = Message(
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        channel="chat",
        direction="out",
        is_internal=False,
        is_auto=False,
        author_agent_id=None,
        text=text,
        meta={"bot": bot},
        delivery_status="sent",
        created_at=now,
        sent_at=now,
    )
    tx.session.add(message)
    tx.session.flush()
    ticket.updated_at = now
    tx.emit("message.created", ticket=ticket, message_id=message.id, internal=False)
    return message
