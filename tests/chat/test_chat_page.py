"""The chats page's queue as the server renders it: the agent's load against their
capacity, and no accepting beyond it."""

from __future__ import annotations

import re

from frontdesk.channels.chat import desk, visitors
from frontdesk.domain.actors import Actor
from frontdesk.models import Agent
from tests.chat.helpers import chat_inbox, set_online
from tests.conftest import World


def test_the_queue_shows_the_load_and_refuses_chats_beyond_capacity(world: World) -> None:
    fd = world.fd
    inbox = chat_inbox(fd, team_id=world.team_a)
    set_online(fd, world.agent.id)
    chats = [
        visitors.post_message(fd, visitors.Visit(inbox, f"visitor{n}"), "c1", "Γεια", []).chat
        for n in range(2)
    ]
    with fd.transaction() as tx:
        agent = Actor.for_agent(tx.session.get_one(Agent, world.agent.id))
        desk.set_capacity(tx, Actor("system"), world.agent.id, 1)
        desk.accept(tx, agent, chats[0].chat_id, default_capacity=3)

    page = world.agent.client.get("/chats/queue")
    assert page.status_code == 200
    assert "Your chats: 1 of 1" in page.text
    [accept] = re.findall(r"<button[^>]*data-accept=\"(\d+)\"[^>]*>", page.text)
    assert accept == str(chats[1].chat_id)
    assert re.search(rf'data-accept="{chats[1].chat_id}"[^>]* disabled', page.text)
    refused = world.agent.client.post(f"/api/v1/chats/{chats[1].chat_id}/accept")
    assert refused.status_code == 409

    light = world.light_agent.client.get("/chats/queue")
    assert light.status_code == 200
    assert "data-accept" not in light.text
    assert f'data-chat="{chats[1].chat_id}"' in light.text
