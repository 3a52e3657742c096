"""Live chat against a running server: real WebSocket clients for the visitor and the
agent, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

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


def test_a_resent_message_is_stored_once_and_a_reconnect_resumes_without_loss(
    world: World, base: str
) -> None:
    fd = world.fd
    inbox = chat_inbox(fd)
    with visitor(base, inbox) as first:
        welcome = first.hello()
        token = welcome["token"]
        one = first.write("Ο φερμουάρ της σκηνής έσπασε", client_id="m-1")
        # The same client id again (the widget did not see the ack): stored once.
        again = first.write("Ο φερμουάρ της σκηνής έσπασε", client_id="m-1")
        assert (again["id"], again["duplicate"]) == (one["id"], True)
        first.send({"type": "ping"})
        first.until("pong")
        [chat] = [f for f in first.seen if f["type"] == "chat"]  # said once, when it began
    assert count(fd, Message) == 1
    # Gone: the agent answers meanwhile.
    with fd.transaction() as tx:
        from frontdesk.domain.actors import Actor
        from frontdesk.domain.tickets import reply

        admin = Actor("agent", world.admin.id, "admin")
        with fd.read() as session:
            ticket_id = session.get_one(ChatSession, chat["id"]).ticket_id
        missed = reply(tx, admin, ticket_id, "Στείλτε μας μια φωτογραφία").id
    with visitor(base, inbox) as back:
        welcome = back.hello(token=token, last_seen=one["id"])
        assert [m["id"] for m in welcome["messages"]] == [missed]
        assert welcome["messages"][0]["text"] == "Στείλτε μας μια φωτογραφία"
        # A message sent before the drop, resent after: still once.
        assert back.write("Ο φερμουάρ της σκηνής έσπασε", client_id="m-1")["duplicate"] is True
    with visitor(base, inbox) as again_later:
        everything = again_later.hello(token=token, last_seen=0)["messages"]
        assert [(m["from"], m["client_id"]) for m in everything] == [
            ("visitor", "m-1"),
            ("agent", None),
        ]
    assert count(fd, Message) == 2


def test_bad_frames_get_clear_errors_and_the_connection_goes_on(world: World, base: str) -> None:
    inbox = chat_inbox(world.fd)
    with visitor(base, inbox) as eve:
        eve.send({"type": "message", "client_id": "x", "text": "before hello"})
        assert eve.next()["code"] == "hello_first"
        eve.hello()
        eve.send("{not json")
        assert eve.next()["code"] == "invalid_json"
        eve.send('["a list"]')
        assert eve.next()["code"] == "invalid_frame"
        eve.send({"type": "subscribe_to_everything"})
        assert eve.next()["code"] == "unknown_type"
        eve.send({"type": "message", "client_id": "big", "text": "ա" * 20_000})
        too_large = eve.next()
        assert too_large["code"] == "frame_too_large"
        eve.send({"type": "message", "client_id": "has space", "text": "hi"})
        assert eve.next()["field"] == "client_id"
        eve.send({"type": "message", "client_id": "empty", "text": "   "})
        empty = eve.next()
        assert (empty["code"], empty["client_id"]) == ("invalid", "empty")
        eve.socket.send(b"\x00\x01")
        assert eve.next()["code"] == "binary_frame"
        assert eve.write("Still here")["type"] == "ack"
        metrics = httpx.get(f"{base}/metrics").text
        assert 'frontdesk_messages_received_total{channel="chat"}' in metrics
        sockets = next(
            line
            for line in metrics.splitlines()
            if line.startswith("frontdesk_chat_visitor_sockets ")
        )
        assert float(sockets.split()[1]) >= 1
    assert count(world.fd, Message) == 1


def test_a_flood_is_refused_then_cut_off_and_other_chats_carry_on(world: World, base: str) -> None:
    inbox = chat_inbox(world.fd)
    with visitor(base, inbox) as flood, visitor(base, inbox) as calm:
        flood.hello()
        calm.hello()
        codes = []
        with pytest.raises(ConnectionClosed) as closed:
            # On a busy machine the server may cut it off before all 200 are sent.
            with contextlib.suppress(ConnectionClosed):
                for n in range(200):
                    flood.send({"type": "typing", "active": n % 2 == 0})
            while True:  # the frames that came before the close are still read
                codes.append(flood.next().get("code"))
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        assert "rate_limited" in codes
        assert calm.write("Γεια σας")["type"] == "ack"


def test_a_visitor_never_reads_another_visitors_chat(world: World, base: str) -> None:
    fd = world.fd
    inbox = chat_inbox(fd)
    other_inbox = chat_inbox(fd)
    with visitor(base, inbox) as ani:
        ani_token = ani.hello()["token"]
        secret = ani.write("Իմ քարտի համարը 4111…")
    with visitor(base, inbox) as bob:
        welcome = bob.hello()
        assert welcome["messages"] == []
        # A forged or edited token is a new visitor, never Ani.
        forged = ani_token[:-2] + ("AA" if not ani_token.endswith("AA") else "BB")
    with visitor(base, inbox) as mallory:
        welcome = mallory.hello(token=forged, last_seen=0)
        assert welcome["messages"] == [] and welcome["token"] != ani_token
    # Ani's token names her inbox only: on another inbox it is a stranger's.
    with visitor(base, other_inbox) as elsewhere:
        assert elsewhere.hello(token=ani_token)["messages"] == []
    # Her files, by guessing ids, with another visitor's token: not found.
    with httpx.Client(base_url=base) as web:
        stranger = welcome["token"]
        assert web.get(f"/chat/{inbox}/files/1", params={"token": stranger}).status_code == 404
        assert web.get(f"/chat/{inbox}/files/1", params={"token": "x"}).status_code == 401
    assert secret["type"] == "ack"


def test_pages_of_other_origins_are_refused_unless_the_inbox_allows_them(
    world: World, base: str
) -> None:
    closed_inbox = chat_inbox(world.fd)
    open_inbox = chat_inbox(world.fd, allowed_origins=["https://shop.example"])
    with (
        pytest.raises(InvalidStatus) as refused,
        visitor(base, closed_inbox, origin="https://evil.example"),
    ):
        pass
    assert refused.value.response.status_code == 403
    with visitor(base, open_inbox, origin="https://shop.example") as ok:
        assert ok.hello()["type"] == "welcome"
    with pytest.raises(InvalidStatus), visitor(base, open_inbox, origin="https://evil.example"):
        pass


def test_a_visitors_other_tab_sees_the_chat_start_and_every_message_once(
    world: World, base: str
) -> None:
    inbox = chat_inbox(world.fd)
    with visitor(base, inbox) as first:
        token = first.hello()["token"]
        with visitor(base, inbox) as second:
            second.hello(token=token)
            ack = first.write("Labdien! Vai varu mainīt izmēru?")
            got = second.until("message")
            assert (got["id"], got["client_id"]) == (ack["id"], ack["client_id"])
            chat = second.until("chat")
            assert chat["state"] == "offline"
            again = second.write("Un vēl viens jautājums")
            assert first.until(lambda f: f["type"] == "message" and f["id"] == again["id"])
            first.send({"type": "ping"})
            first.until("pong")
            ids = [f["id"] for f in first.seen if f["type"] == "message"]
            assert len(ids) == len(set(ids)) == 2
