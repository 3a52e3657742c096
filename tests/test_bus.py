"""Live events: published after commit, from any thread, to every process (through Redis),
and only to agents who may see the ticket."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.config import Settings
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.inbound import receive
from frontdesk.domain.tx import Event
from frontdesk.realtime.bus import MemoryBus, RedisBus, Subscription
from frontdesk.runtime import Frontdesk
from tests.conftest import REDIS_URL, World, require_or_skip
from tests.servers import (
    PATIENCE_SECONDS,
    Server,
    env_for,
    served_in_thread,
    serving_several,
    wait_until,
)


@pytest.fixture(scope="session")
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError:
        require_or_skip("Redis")
    finally:
        client.close()
    return REDIS_URL


async def next_event(subscription: Subscription) -> dict[str, Any]:
    return await asyncio.wait_for(subscription.get(), PATIENCE_SECONDS)


async def events_marked(subscription: Subscription, nonce: str, count: int) -> list[dict[str, Any]]:
    """The next `count` events carrying `nonce`; Redis channels are shared, so other test runs'
    events may be interleaved."""
    found: list[dict[str, Any]] = []
    while len(found) < count:
        event = await next_event(subscription)
        if event.get("nonce") == nonce:
            found.append(event)
    return found


# --- in one process -----------------------------------------------------------------------


def test_the_memory_bus_hands_events_from_another_thread_to_an_asyncio_subscriber() -> None:
    bus = MemoryBus()

    async def scenario() -> list[dict[str, Any]]:
        subscription = bus.subscribe()

        def publish() -> None:
            for n in range(3):
                bus.publish(Event("ticket.created", {"ticket_id": n, "subject": "Գլուխ"}))

        publisher = threading.Thread(target=publish)
        publisher.start()
        received = [await next_event(subscription) for _ in range(3)]
        publisher.join()
        subscription.close()
        return received

    assert asyncio.run(scenario()) == [
        {"type": "ticket.created", "ticket_id": n, "subject": "Գլուխ"} for n in range(3)
    ]


def test_every_subscriber_gets_each_event_and_a_closed_one_is_left_out() -> None:
    bus = MemoryBus()

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], bool]:
        first, second, gone = bus.subscribe(), bus.subscribe(), bus.subscribe()
        gone.close()
        await asyncio.to_thread(bus.publish, Event("ping", {}))
        return await next_event(first), await next_event(second), gone.queue.empty()

    assert asyncio.run(scenario()) == ({"type": "ping"}, {"type": "ping"}, True)


def test_publishing_to_a_subscriber_whose_loop_has_ended_does_not_fail() -> None:
    bus = MemoryBus()

    async def subscribe_and_leave() -> None:
        bus.subscribe()

    asyncio.run(subscribe_and_leave())
    bus.publish(Event("ping", {}))
    bus.publish(Event("ping", {}))


def open_ticket(fd: Frontdesk, subject: str) -> int:
    with fd.transaction() as tx:
        received = receive(
            tx,
            InboundMessage(
                inbox_id=default_api_inbox(tx).id,
                sender=Sender("email", "ani@example.org", "Ani"),
                subject=subject,
                text="Η παραγγελία μου δεν έφτασε",
            ),
        )
    return received.ticket.id


def test_events_of_a_rolled_back_transaction_never_arrive(fd: Frontdesk) -> None:
    def rolled_back() -> None:
        with pytest.raises(RuntimeError), fd.transaction() as tx:
            receive(
                tx,
                InboundMessage(
                    inbox_id=default_api_inbox(tx).id,
                    sender=Sender("email", "bob@example.net"),
                    subject="Rolled back",
                    text="This never happened",
                ),
            )
            assert [e.type for e in tx.events] == ["ticket.created", "message.received"]
            raise RuntimeError

    async def scenario() -> tuple[int, list[dict[str, Any]]]:
        subscription = fd.bus.subscribe()
        await asyncio.to_thread(rolled_back)
        kept = await asyncio.to_thread(open_ticket, fd, "Kept")
        return kept, [await next_event(subscription) for _ in range(2)]

    kept, events = asyncio.run(scenario())
    created, message = events
    assert (created["type"], created["ticket_id"], created["subject"]) == (
        "ticket.created",
        kept,
        "Kept",
    )
    assert (message["type"], message["ticket_id"]) == ("message.received", kept)


# --- Redis: across processes --------------------------------------------------------------


def test_two_redis_buses_see_each_others_events_once_each(redis_url: str) -> None:
    nonce = uuid.uuid4().hex

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first, second = RedisBus(redis_url), RedisBus(redis_url)
        await first.start()
        await second.start()
        try:
            on_first, on_second = first.subscribe(), second.subscribe()
            first.publish(Event("test.ping", {"nonce": nonce, "by": "first", "text": "Γειά 🙏"}))
            second.publish(Event("test.ping", {"nonce": nonce, "by": "second"}))
            first.publish(Event("test.ping", {"nonce": nonce, "by": "end"}))
            return (
                await events_marked(on_first, nonce, 3),
                await events_marked(on_second, nonce, 3),
            )
        finally:
            for bus in (first, second):
                await bus.stop()
                bus.close()

    seen_by_first, seen_by_second = asyncio.run(scenario())
    for seen in (seen_by_first, seen_by_second):
        assert [e["by"] for e in seen] == ["first", "second", "end"]
        assert seen[0] == {"type": "test.ping", "nonce": nonce, "by": "first", "text": "Γειά 🙏"}


# --- the WebSocket event stream -----------------------------------------------------------


def api_inbox(world: World, team_id: int | None = None) -> int:
    response = world.admin.client.post(
        "/api/v1/inboxes", json={"name": "Shop app", "kind": "api", "team_id": team_id}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def create_ticket(client: Any, subject: str, **fields: Any) -> int:
    body = {"subject": subject, "message": "Hello", "contact": {"email": "ani@example.org"}}
    response = client.post("/api/v1/tickets", json={**body, **fields})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture
def events_url(app: Any) -> Iterator[str]:
    """The app of the test world, served on a real port for real WebSocket clients."""
    with served_in_thread(app) as url:
        yield url.replace("http://", "ws://") + "/api/v1/events"


@contextmanager
def event_socket(url: str, token: str | None) -> Iterator[ClientConnection]:
    """A live event stream, once the server says it is ready."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with connect(url, additional_headers=headers, open_timeout=PATIENCE_SECONDS) as socket:
        assert json.loads(socket.recv(timeout=PATIENCE_SECONDS)) == {"type": "ready"}
        yield socket


def next_ticket_created(socket: ClientConnection, nonce: str = "") -> dict[str, Any]:
    """The next ticket.created (whose subject carries `nonce`: a Redis channel is shared by
    everything on that Redis, other test runs included)."""
    while True:
        event = json.loads(socket.recv(timeout=PATIENCE_SECONDS))
        if event["type"] == "ticket.created" and nonce in event.get("subject", ""):
            return dict(event)


def events_until(socket: ClientConnection, ticket_id: int) -> list[dict[str, Any]]:
    """Every event up to and including the first one about `ticket_id`."""
    seen = []
    while True:
        event = json.loads(socket.recv(timeout=PATIENCE_SECONDS))
        seen.append(event)
        if event.get("ticket_id") == ticket_id:
            return seen


def test_agents_get_live_events_of_the_tickets_they_may_see_only(
    world: World, events_url: str
) -> None:
    team_a_inbox = api_inbox(world, world.team_a)
    no_team_inbox = api_inbox(world)
    with (
        event_socket(events_url, world.agent.token) as agent,
        event_socket(events_url, world.other_agent.token) as other_team,
        event_socket(events_url, world.admin.token) as admin,
    ):
        team_a_ticket = create_ticket(world.agent.client, "Team A only", inbox_id=team_a_inbox)
        everyones = create_ticket(world.agent.client, "No team", inbox_id=no_team_inbox)

        assert next_ticket_created(agent)["ticket_id"] == team_a_ticket
        assert next_ticket_created(admin)["ticket_id"] == team_a_ticket
        # Events come in order: when the team-less ticket's events arrive, any event of
        # the team-A ticket would have arrived before them.
        seen = events_until(other_team, everyones)
        assert [e["ticket_id"] for e in seen if "ticket_id" in e] == [everyones]


def test_a_ticket_put_in_a_team_at_creation_is_not_announced_to_other_teams(
    world: World, events_url: str
) -> None:
    no_team_inbox = api_inbox(world)
    with event_socket(events_url, world.other_agent.token) as other_team:
        hidden = create_ticket(
            world.agent.client, "Team A only", inbox_id=no_team_inbox, team_id=world.team_a
        )
        assert world.other_agent.client.get(f"/api/v1/tickets/{hidden}").status_code == 404
        everyones = create_ticket(world.agent.client, "No team", inbox_id=no_team_inbox)
        seen = events_until(other_team, everyones)
        assert [e for e in seen if e.get("ticket_id") == hidden] == []


@pytest.mark.parametrize("token", [None, "fd_not-a-real-token"])
def test_a_real_server_refuses_the_event_stream_without_an_agent_token(
    events_url: str, token: str | None
) -> None:
    # The handler closes before accepting (code 4401, as the test client shows elsewhere);
    # over a real connection that is a refused handshake.
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with pytest.raises(InvalidStatus) as rejected:
        connect(events_url, additional_headers=headers, open_timeout=PATIENCE_SECONDS)
    assert rejected.value.response.status_code == 403


def test_a_client_that_leaves_is_unsubscribed_without_waiting_for_an_event(
    world: World, events_url: str
) -> None:
    with event_socket(events_url, world.agent.token):
        pass
    # Nothing is published meanwhile, so only the bus itself can tell that the server
    # noticed: its set of subscribers is empty again.
    wait_until(lambda: not world.fd.bus._subscribers, "the event stream to unsubscribe")


# --- two real processes -------------------------------------------------------------------


@pytest.fixture
def two_servers(
    world: World, settings: Settings, redis_url: str, tmp_path: Path
) -> Iterator[tuple[Server, Server]]:
    """Two `frontdesk serve` processes on the test database, joined by Redis."""
    env = env_for(settings, redis_url=redis_url, embedded_workers=0)
    with serving_several(2, env, tmp_path) as (a, b):
        yield a, b


@pytest.mark.slow
def test_a_ticket_created_on_one_process_is_announced_on_another(
    world: World, two_servers: tuple[Server, Server]
) -> None:
    a, b = two_servers
    b_events = b.url.replace("http://", "ws://") + "/api/v1/events"
    nonce = uuid.uuid4().hex[:8]
    with (
        a.client(world.admin.token) as admin,
        a.client(world.agent.token) as agent,
        event_socket(b_events, world.agent.token) as agent_on_b,
        event_socket(b_events, world.other_agent.token) as other_team_on_b,
    ):
        inboxes = [
            admin.post("/api/v1/inboxes", json={"name": name, "kind": "api", "team_id": team})
            for name, team in (("Team A", world.team_a), ("Everyone", None))
        ]
        team_a_inbox, no_team_inbox = (r.json()["id"] for r in inboxes)
        ticket = create_ticket(agent, f"Պատվեր {nonce}", inbox_id=team_a_inbox)
        sentinel = create_ticket(agent, f"No team {nonce}", inbox_id=no_team_inbox)

        event = next_ticket_created(agent_on_b, nonce)
        assert (event["ticket_id"], event["subject"]) == (ticket, f"Պատվեր {nonce}")
        assert event["team_id"] == world.team_a
        assert next_ticket_created(agent_on_b, nonce)["ticket_id"] == sentinel
        # The agent of team B hears of the team-less ticket, never of team A's.
        assert next_ticket_created(other_team_on_b, nonce)["ticket_id"] == sentinel

        # A server with open event streams still shuts down on SIGTERM and closes them
        # cleanly (uvicorn then ends by the signal it caught, hence -SIGTERM).
        b.process.signal(signal.SIGTERM)
        assert b.process.wait() in (0, -signal.SIGTERM), b.process.output
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                agent_on_b.recv(timeout=PATIENCE_SECONDS)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1012  # service restart, not an abnormal closure
