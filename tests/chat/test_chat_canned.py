"""Canned replies in chat over the API: the agent lists them and answers with one, its
placeholders filled in for this visitor; the visitor gets it live."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.canned import create_canned
from tests.chat.helpers import chat_inbox, set_online, visitor
from tests.conftest import World
from tests.servers import served_in_thread


@pytest.fixture
def base(app: Any) -> Iterator[str]:
    with served_in_thread(app) as url:
        yield url


def test_an_agent_answers_a_chat_with_a_canned_reply(world: World, base: str) -> None:
    fd = world.fd
    with fd.transaction() as tx:
        canned = create_canned(
            tx, SYSTEM, "Hello", "Γεια σας {{contact.first_name}}, εδώ {{agent.name}}."
        ).id
    inbox = chat_inbox(fd, team_id=world.team_a)
    set_online(fd, world.agent.id)
    with (
        visitor(base, inbox) as ana,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {world.agent.token}"}
        ) as agent,
    ):
        ana.hello()
        ana.send({"type": "prechat", "name": "Άννα Π", "email": None})
        ana.until("visitor")
        ana.write("Καλημέρα")
        chat_id = ana.until(lambda f: f["type"] == "chat" and f["id"])["id"]
        listed = agent.get("/api/v1/canned-replies").json()
        assert {"id": canned, "title": "Hello"}.items() <= listed[0].items()
        assert agent.post(f"/api/v1/chats/{chat_id}/accept").status_code == 200
        sent = agent.post(f"/api/v1/chats/{chat_id}/reply", json={"canned_reply_id": canned})
        assert sent.status_code == 201, sent.text
        got = ana.until(lambda f: f["type"] == "message" and f["from"] == "agent")
        assert got["text"] == "Γεια σας Άννα, εδώ Agent."

        unknown = agent.post(f"/api/v1/chats/{chat_id}/reply", json={"canned_reply_id": 999})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "canned_reply_id"
        both = agent.post(
            f"/api/v1/chats/{chat_id}/reply", json={"canned_reply_id": canned, "text": "x"}
        )
        neither = agent.post(f"/api/v1/chats/{chat_id}/reply", json={})
        assert (both.status_code, neither.status_code) == (422, 422)
