"""Two `frontdesk serve` processes joined by Redis serve one chat: the visitor is on one,
the agent on the other, and neither notices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from frontdesk.config import Settings
from tests.chat.helpers import agent_events, chat_inbox, set_online, visitor
from tests.conftest import REDIS_URL, World, require_or_skip
from tests.servers import Server, env_for, serving_several


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        require_or_skip("Redis")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def two_servers(
    world: World, settings: Settings, redis_url: str, tmp_path: Path
) -> Iterator[tuple[Server, Server]]:
    env = env_for(settings, redis_url=redis_url, embedded_workers=1)
    with serving_several(2, env, tmp_path) as (a, b):
        yield a, b


@pytest.mark.slow
def test_a_visitor_on_one_process_chats_with_an_agent_on_another(
    world: World, two_servers: tuple[Server, Server]
) -> None:
    a, b = two_servers
    inbox = chat_inbox(world.fd, team_id=world.team_a)
    set_online(world.fd, world.agent.id)
    assert world.agent.token
    with agent_events(b.url, world.agent.token) as events, visitor(a.url, inbox) as guest:
        token = guest.hello(locale="ta")["token"]
        ack = guest.write("வணக்கம், என் பொதி எங்கே?")
        seen: list[dict[str, Any]] = []
        events.until(lambda e: seen.append(e) or e["type"] == "chat.waiting")
        [waiting] = [e for e in seen if e["type"] == "chat.waiting"]
        [received] = [e for e in seen if e["type"] == "message.received"]
        assert (received["message_id"], received["ticket_id"]) == (ack["id"], waiting["ticket_id"])
        chat_id = waiting["chat_id"]
        with b.client(world.agent.token) as agent:
            agent.post(f"/api/v1/chats/{chat_id}/accept").raise_for_status()
            agent.post(f"/api/v1/chats/{chat_id}/typing", json={"active": True})
            assert guest.until("typing")["active"] is True
            guest.send({"type": "typing", "active": True})
            assert events.until(lambda e: e["type"] == "chat.typing" and e["by"] == "visitor")
            agent.post(
                f"/api/v1/chats/{chat_id}/reply", json={"text": "நாளை வந்து சேரும்."}
            ).raise_for_status()
            reply = guest.until(lambda f: f["type"] == "message" and f["from"] == "agent")
            assert reply["text"] == "நாளை வந்து சேரும்."
    # The visitor comes back on the other process and misses nothing.
    with visitor(b.url, inbox) as back:
        welcome = back.hello(token=token, last_seen=ack["id"])
        assert [m["text"] for m in welcome["messages"]] == ["நாளை வந்து சேரும்."]
        assert welcome["chat"]["state"] == "active"
