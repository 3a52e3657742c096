"""Limits per visitor address: connections held open and messages a minute, counted over
all of an address's connections, in one process or, with Redis, across processes. The
address is the one a trusted proxy names (X-Forwarded-For from loopback, uvicorn's
default), so one visitor's flood never stops another's chat."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest
import redis
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.runtime import Frontdesk
from tests.chat.helpers import Visitor, chat_inbox, ws_url
from tests.conftest import REDIS_URL, World, require_or_skip
from tests.servers import PATIENCE_SECONDS, served_in_thread

LIMITS = {"chat_connections_per_ip": 2, "chat_messages_per_ip_minute": 3}


@contextmanager
def limited_server(settings: Settings, **more: Any) -> Iterator[str]:
    fd = Frontdesk(settings.model_copy(update={**LIMITS, **more}))
    try:
        with served_in_thread(create_app(fd=fd)) as url:
            yield url
    finally:
        fd.close()


@contextmanager
def visitor_from(base: str, inbox: int, address: str) -> Iterator[Visitor]:
    with connect(
        f"{ws_url(base)}/chat/{inbox}/socket",
        additional_headers={"X-Forwarded-For": address},
        open_timeout=PATIENCE_SECONDS,
    ) as socket:
        yield Visitor(socket)


def refused_connection(base: str, inbox: int, address: str) -> dict[str, Any]:
    with visitor_from(base, inbox, address) as extra:
        frame = extra.next()
        with pytest.raises(ConnectionClosed) as closed:
            extra.next()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        return frame


def test_one_address_holds_a_few_connections_and_sends_a_few_messages(
    world: World, settings: Settings
) -> None:
    inbox = chat_inbox(world.fd, team_id=world.team_a)
    with limited_server(settings) as base, ExitStack() as stack:
        first = stack.enter_context(visitor_from(base, inbox, "198.51.100.7"))
        second = stack.enter_context(visitor_from(base, inbox, "198.51.100.7"))
        first.hello()
        second.hello()
        frame = refused_connection(base, inbox, "198.51.100.7")
        assert (frame["type"], frame["code"]) == ("error", "too_many_connections")
        # Another address is not affected.
        with visitor_from(base, inbox, "203.0.113.9") as other:
            other.hello()
            assert other.write("hello")["type"] == "ack"

        # Three messages a minute, over both connections of the address together.
        assert first.write("one")["type"] == "ack"
        assert second.write("two")["type"] == "ack"
        assert first.write("three")["type"] == "ack"
        refused = second.write("four")
        assert (refused["code"], refused["scope"]) == ("rate_limited", "address")
        assert 0 < refused["retry_after"] <= 60
        # Typing and other frames are not messages: they go on.
        first.send({"type": "ping"})
        assert first.until("pong") == {"type": "pong"}

        # A closed connection frees its place.
        stack.close()
        with visitor_from(base, inbox, "198.51.100.7") as again:
            assert again.hello()["type"] == "welcome"

        # The fallback transport counts the same address.
        with httpx.Client(base_url=base, headers={"X-Forwarded-For": "198.51.100.7"}) as http:
            hello = http.post(
                f"/chat/{inbox}/send",
                content=json.dumps({"token": None, "frame": {"type": "hello"}}),
            ).json()[0]
            token = hello["token"]
            frames = http.post(
                f"/chat/{inbox}/send",
                content=json.dumps(
                    {"token": token, "frame": {"type": "message", "client_id": "x1", "text": "5"}}
                ),
            ).json()
            assert [f["code"] for f in frames if f["type"] == "error"] == ["rate_limited"]


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        require_or_skip("Redis")
    for key in client.scan_iter("frontdesk:chat-ip:*"):
        client.delete(key)
    yield REDIS_URL
    client.close()


def test_with_redis_the_limits_hold_across_processes(
    world: World, settings: Settings, redis_url: str
) -> None:
    inbox = chat_inbox(world.fd, team_id=world.team_a)
    with (
        limited_server(settings, redis_url=redis_url) as one,
        limited_server(settings, redis_url=redis_url) as two,
        visitor_from(one, inbox, "198.51.100.8") as first,
        visitor_from(two, inbox, "198.51.100.8") as second,
    ):
        first.hello()
        second.hello()
        assert refused_connection(one, inbox, "198.51.100.8")["code"] == "too_many_connections"
        assert refused_connection(two, inbox, "198.51.100.8")["code"] == "too_many_connections"
        assert first.write("one")["type"] == "ack"
        assert second.write("two")["type"] == "ack"
        assert first.write("three")["type"] == "ack"
        assert second.write("four")["code"] == "rate_limited"
    with (
        limited_server(settings, redis_url=redis_url) as three,
        visitor_from(three, inbox, "198.51.100.8") as back,
    ):
        assert back.hello()["type"] == "welcome"
