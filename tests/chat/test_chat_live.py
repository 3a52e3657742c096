"""Live chat against a running server: real WebSocket clients for the visitor and the
agent, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from frontdesk.models import ChatSession, Message, Ticket
from tests.chat.helpers import agent_events, chat_inbox, set_online, visitor
from tests.conftest import World, count
from tests.servers import served_in_thread


@pytest.fixture
def base(app: Any) -> Iterator[str]:
    with served_in_thread(app) as url:
        yield url


def api(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_a_visitor_chats_with_an_agent_who_accepts_and_replies(world: World, base: str) -> None:
    fd = world.fd
    inbox = chat_inbox(fd, team_id=world.team_a)
    set_online(fd, world.agent.id)
    assert world.agent.token
    with agent_events(base, world.agent.token) as events, visitor(base, inbox) as ana:
        welcome = ana.hello(
            locale="hy",
            page={"url": "https://shop.example/pricing", "referrer": "https://search.example/"},
        )
        assert welcome["online"] is True
        assert welcome["chat"]["state"] is None
        ack = ana.write("Բարև, պատվերս ուշանում է")
        assert ack["type"] == "ack" and ack["duplicate"] is False
        waiting = events.until(lambda e: e["type"] == "chat.waiting")
        assert waiting["offered_to"] == [world.agent.id]
        assert waiting["page_url"] == "https://shop.example/pricing"
        chat_id = waiting["chat_id"]

        with api(base, world.agent.token) as agent:
            accepted = agent.post(f"/api/v1/chats/{chat_id}/accept")
            assert accepted.status_code == 200, accepted.text
            active = ana.until(lambda f: f["type"] == "chat" and f["state"] == "active")
            assert active["agent"] == "Agent"
            assert (
                agent.post(f"/api/v1/chats/{chat_id}/typing", json={"active": True}).status_code
                == 204
            )
            assert ana.until("typing")["agent"] == "Agent"
            ana.send({"type": "typing", "active": True})
            typing = events.until(lambda e: e["type"] == "chat.typing" and e["by"] == "visitor")
            assert (typing["by"], typing["chat_id"]) == ("visitor", chat_id)
            reply = agent.post(f"/api/v1/chats/{chat_id}/reply", json={"text": "Վաղը կհասնի։"})
            assert reply.status_code == 201, reply.text
            got = ana.until(lambda f: f["type"] == "message" and f["from"] == "agent")
            assert (got["text"], got["author"]) == ("Վաղը կհասնի։", "Agent")
            ana.send({"type": "read", "message_id": got["id"]})
            read = events.until(lambda e: e["type"] == "chat.read" and e["by"] == "visitor")
            assert read["message_id"] == got["id"]
            agent.post(f"/api/v1/chats/{chat_id}/read", json={"message_id": ack["id"]})
            assert ana.until("read")["message_id"] == ack["id"]

    with fd.read() as session:
        chat = session.get_one(ChatSession, chat_id)
        ticket = session.get_one(Ticket, chat.ticket_id)
        assert (chat.state, chat.agent_id, ticket.assignee_id) == (
            "active",
            world.agent.id,
            world.agent.id,
        )
        assert chat.referrer == "https://search.example/"
        texts = [
            m.text
            for m in session.query(Message).filter_by(ticket_id=ticket.id).order_by(Message.id)
        ]
        assert texts == ["Բարև, պատվերս ուշանում է", "Վաղը կհասնի։"]
