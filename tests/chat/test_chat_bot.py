"""The bot answers first from the knowledge base, and a person is always one step away:
real WebSocket clients against a running server, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.channels.chat.intents import asks_for_person, says_unhelpful
from frontdesk.domain.actors import SYSTEM
from frontdesk.kb import articles
from frontdesk.models import ChatSession, Message, Ticket
from frontdesk.search.indexer import index_pending
from tests.chat.helpers import Visitor, agent_events, chat_inbox, set_online, visitor
from tests.conftest import World, table_gone
from tests.servers import served_in_thread


@pytest.fixture
def base(app: Any) -> Iterator[str]:
    with served_in_thread(app) as url:
        yield url


def article(
    world: World,
    language: str,
    title: str,
    body: str,
    *,
    visibility: str = "public",
    publish: bool = True,
) -> int:
    with world.fd.transaction() as tx:
        category = articles.create_category(tx, SYSTEM, {"en": "Help"})
        section = articles.create_section(tx, SYSTEM, category.id, {"en": "All"})
        found = articles.create_article(
            tx,
            SYSTEM,
            section.id,
            language,
            articles.Draft(title, body),
            visibility=visibility,
            publish=publish,
        )
        article_id = found.id
    index_pending(world.fd)
    return article_id


def bot_message(ana: Visitor) -> dict[str, Any]:
    return ana.until(lambda f: f["type"] == "message" and f["from"] == "bot")


def test_the_bot_answers_from_a_public_article_in_the_visitors_language(
    world: World, base: str
) -> None:
    fd = world.fd
    greek = article(world, "el", "Επιστροφή χρημάτων", "Η επιστροφή χρημάτων γίνεται σε 14 ημέρες.")
    article(world, "en", "Refunds", "Refunds are paid within 14 days.")
    article(
        world, "el", "Εσωτερική επιστροφή", "επιστροφή χρημάτων εσωτερικά", visibility="internal"
    )
    inbox = chat_inbox(fd, team_id=world.team_a, bot_answers_first=True)
    set_online(fd, world.agent.id)
    assert world.agent.token
    with agent_events(base, world.agent.token) as events, visitor(base, inbox) as ana:
        welcome = ana.hello(locale="el")
        assert welcome["inbox"]["bot"] is True
        ana.write("Πότε γίνεται η επιστροφή χρημάτων;")
        assert ana.until("chat")["state"] == "bot"
        answer = bot_message(ana)
        assert answer["bot"]["kind"] == "answer"
        [link] = answer["bot"]["articles"]
        assert link["id"] == greek and link["language"] == "el"
        assert link["url"].startswith(f"http://127.0.0.1:8000/help/el/articles/{greek}-")
        assert "14" in link["excerpt"] and "<" not in link["excerpt"]
        assert answer["text"].startswith("Αυτό το άρθρο") and link["url"] in answer["text"]
        # Nobody is asked while the bot answers: the next event agents get is the hand-over.
        ana.send({"type": "feedback", "message_id": answer["id"], "helpful": False})
        handover = bot_message(ana)
        assert handover["bot"] == {"kind": "handover", "articles": [], "helpful": None}
        assert ana.until("chat")["state"] == "waiting"
        waiting = events.until(lambda e: e["type"] in ("chat.waiting", "chat.bot"))
        if waiting["type"] == "chat.bot":
            waiting = events.until(lambda e: e["type"] == "chat.waiting")
        assert waiting["offered_to"] == [world.agent.id]

    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {world.agent.token}"}
    ) as agent:
        chat = agent.get(f"/api/v1/chats/{waiting['chat_id']}").json()
        said = [(m["from"], (m["bot"] or {}).get("kind")) for m in chat["transcript"]]
        assert said == [("visitor", None), ("bot", "answer"), ("bot", "handover")]
    with fd.read() as session:
        row = session.get_one(ChatSession, waiting["chat_id"])
        ticket = session.get_one(Ticket, row.ticket_id)
        # The bot is not the help desk's first response: a person's is.
        assert ticket.first_response_at is None
        first = session.get_one(Message, answer["id"])
        assert first.meta["bot"]["helpful"] is False and first.author_agent_id is None


def test_the_bot_falls_back_to_another_language_and_hands_over_when_asked_for_a_person(
    world: World, base: str
) -> None:
    fd = world.fd
    english = article(world, "en", "Shipping times", "Parcels ship within two days.")
    inbox = chat_inbox(fd, team_id=world.team_a, bot_answers_first=True)
    set_online(fd, world.agent.id)
    with visitor(base, inbox) as ana:
        ana.hello(locale="sl")
        ana.write("shipping parcels")
        answer = bot_message(ana)
        assert answer["bot"]["articles"][0]["id"] == english
        assert answer["text"].startswith("Ta članek")
        ana.write("Želim govoriti s človekom")
        handover = bot_message(ana)
        assert handover["bot"]["kind"] == "handover"
        assert handover["text"].startswith("Predajam vas")
        assert ana.until("chat")["state"] == "waiting"
        # After the hand-over the bot is silent: the visitor's words wait for a person.
        ack = ana.write("hello?")
        assert ack["type"] == "ack"
        ana.send({"type": "ping"})
        ana.until("pong")
        assert not [f for f in ana.seen[-3:] if f.get("from") == "bot"]


def test_the_bot_hands_over_when_it_finds_nothing_and_with_the_button(
    world: World, base: str
) -> None:
    fd = world.fd
    inbox = chat_inbox(fd, team_id=world.team_a, bot_answers_first=True)
    set_online(fd, world.agent.id, online=False)
    with visitor(base, inbox) as ana:
        ana.hello(locale="hy")
        ana.write("զզզզ քքքք")
        handover = bot_message(ana)
        assert handover["bot"]["kind"] == "handover"
        # Nobody online: the chat becomes an offline message, answered by email.
        assert handover["text"].startswith("Այդ հարցի պատասխանը չգտա")
        assert ana.until("chat")["state"] == "offline"

    article(world, "en", "Passwords", "Reset your password from the sign-in page.")
    set_online(fd, world.agent.id)
    with visitor(base, inbox) as ben:
        ben.hello(locale="en")
        ben.write("password reset")
        answer = bot_message(ben)
        ben.send({"type": "person"})
        assert bot_message(ben)["bot"]["kind"] == "handover"
        assert ben.until("chat")["state"] == "waiting"
        # A verdict on a bot message of another chat, or after the hand-over, is refused.
        ben.send({"type": "feedback", "message_id": answer["id"], "helpful": False})
        assert ben.until("error")["code"] == "refused"
        ben.send({"type": "feedback", "message_id": answer["id"], "helpful": "no"})
        assert ben.until("error")["field"] == "helpful"


def test_the_bot_never_quotes_internal_articles_or_drafts(world: World, base: str) -> None:
    article(
        world, "en", "Warehouse codes", "The warehouse door code is 4711.", visibility="internal"
    )
    article(world, "en", "Warehouse move", "The warehouse moves in May.", publish=False)
    inbox = chat_inbox(world.fd, team_id=world.team_a, bot_answers_first=True)
    set_online(world.fd, world.agent.id)
    with visitor(base, inbox) as ana:
        ana.hello(locale="en")
        ana.write("warehouse door code")
        handover = bot_message(ana)
        assert handover["bot"]["kind"] == "handover"
        assert "4711" not in handover["text"] and "May" not in handover["text"]


def test_a_bot_that_fails_hands_over_and_the_message_stays(world: World, base: str) -> None:
    inbox = chat_inbox(world.fd, team_id=world.team_a, bot_answers_first=True)
    set_online(world.fd, world.agent.id)
    with visitor(base, inbox) as ana, table_gone(world.fd, "search_documents"):
        ana.hello(locale="en")
        assert ana.write("where is my parcel")["type"] == "ack"
        handover = bot_message(ana)
        assert handover["bot"]["kind"] == "handover"
        assert ana.until("chat")["state"] == "waiting"
        assert not [f for f in ana.seen if f["type"] == "error"]
    with world.fd.read() as session:
        stored = session.scalars(select(Message).order_by(Message.id)).all()
        assert stored[0].text == "where is my parcel"
        assert stored[1].meta["bot"]["reason"] == "bot_failed"


def test_without_the_option_no_bot_answers(world: World, base: str) -> None:
    article(world, "en", "Passwords", "Reset your password from the sign-in page.")
    inbox = chat_inbox(world.fd, team_id=world.team_a)
    set_online(world.fd, world.agent.id)
    with visitor(base, inbox) as ana:
        assert ana.hello()["inbox"]["bot"] is False
        ana.write("password reset")
        assert ana.until("chat")["state"] == "waiting"
        ana.send({"type": "person"})
        ana.send({"type": "ping"})
        ana.until("pong")
        assert not [f for f in ana.seen if f.get("from") == "bot"]


@pytest.mark.parametrize(
    "text",
    [
        "Can I talk to a human?",
        "agent please",
        "Կարո՞ղ եմ խոսել մարդու հետ",
        "ஒரு மனிதருடன் பேச வேண்டும்",
        "Gribu runāt ar cilvēku",
        "Θέλω να μιλήσω με άνθρωπο",
        "Želim govoriti z operaterjem",
    ],
)
def test_requests_for_a_person_are_understood_in_every_language(text: str) -> None:
    assert asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "That didn't help",
        "Դա չօգնեց",
        "அது உதவவில்லை",
        "Tas nepalīdzēja",
        "Αυτό δεν με βοήθησε",
        "To ni pomagalo",
    ],
)
def test_unhelpful_answers_are_understood_in_every_language(text: str) -> None:
    assert says_unhelpful(text)
    assert not asks_for_person("How long does shipping take?")
    assert not says_unhelpful("Thanks, that helps")
