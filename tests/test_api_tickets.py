"""Tickets through the REST API, and replies delivered by a job to the inbox's webhook."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from frontdesk.channels.api import SIGNATURE_HEADER, verify
from frontdesk.clock import FrozenClock
from frontdesk.jobs.worker import Worker
from tests.conftest import World
from tests.webhook_receiver import webhook_receiver

SCRIPTS = {
    "en": "My order #1042 never arrived",
    "hy": "Պատվերս դեռ չի հասել, խնդրում եմ օգնել",
    "ta": "என் ஆர்டர் இன்னும் வரவில்லை, உதவுங்கள்",
    "lv": "Mans pasūtījums vēl nav pienācis — lūdzu, palīdziet",
    "el": "Η παραγγελία μου δεν έφτασε ακόμα, βοηθήστε με",
    "sl": "Moje naročilo še ni prispelo, prosim za pomoč",
    "mixed": "Emoji 🙏⛺👩🏽‍💻, RTL שלום مرحبا, CJK 你好 こんにちは, combining é (e\u0301), ZWJ",
}


def create(world: World, **overrides: Any) -> Any:
    body = {
        "subject": "Broken zip",
        "message": "The zip of my tent broke",
        "contact": {"name": "Ani", "email": "ani@example.org"},
        **overrides,
    }
    return world.agent.client.post("/api/v1/tickets", json=body)


def api_inbox(world: World, webhook_url: str) -> int:
    response = world.admin.client.post(
        "/api/v1/inboxes",
        json={"name": "Shop app", "kind": "api", "config": {"webhook_url": webhook_url}},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_the_simplest_create_answers_201_with_the_ticket(world: World) -> None:
    response = create(world)
    assert response.status_code == 201
    ticket = response.json()
    assert isinstance(ticket["id"], int)
    assert ticket["subject"] == "Broken zip"
    assert ticket["status"] == "new"
    assert ticket["message"]["text"] == "The zip of my tent broke"
    got = world.agent.client.get(f"/api/v1/tickets/{ticket['id']}").json()
    assert [m["text"] for m in got["messages"]] == ["The zip of my tent broke"]


def test_text_in_any_script_round_trips_unchanged(world: World) -> None:
    for language, text in SCRIPTS.items():
        response = create(
            world,
            subject=text,
            message=text + "\n" + text,
            contact={"name": text[:20], "email": f"{language}@example.org"},
        )
        assert response.status_code == 201, response.text
        ticket = world.agent.client.get(f"/api/v1/tickets/{response.json()['id']}").json()
        assert ticket["subject"] == text
        assert ticket["messages"][0]["text"] == text + "\n" + text


def test_a_reply_is_delivered_by_a_job_as_a_signed_webhook(world: World, worker: Worker) -> None:
    with webhook_receiver() as hook:
        inbox = api_inbox(world, hook.url)
        secret = world.admin.client.get(f"/api/v1/inboxes/{inbox}").json()["config"][
            "webhook_secret"
        ]
        ticket = create(world, inbox_id=inbox).json()
        reply = world.agent.client.post(
            f"/api/v1/tickets/{ticket['id']}/reply", json={"text": "Վաղը կուղարկենք նորը ⛺"}
        )
        assert reply.status_code == 201
        assert reply.json()["delivery_status"] == "pending"
        assert hook.deliveries == []  # nothing is sent inside the request

        assert worker.run_until_idle() == 1

    [delivery] = hook.deliveries
    assert verify(secret, delivery.headers[SIGNATURE_HEADER], delivery.body)
    assert not verify(
        "another-secret-of-enough-length", delivery.headers[SIGNATURE_HEADER], delivery.body
    )
    payload = delivery.json
    assert payload["message"]["text"] == "Վաղը կուղարկենք նորը ⛺"
    assert payload["ticket"]["id"] == ticket["id"]
    assert delivery.headers["X-Frontdesk-Delivery"] == str(reply.json()["id"])
    messages = world.agent.client.get(f"/api/v1/tickets/{ticket['id']}/messages").json()
    assert messages[-1]["delivery_status"] == "sent"
    assert messages[-1]["sent_at"] is not None


def test_a_refused_delivery_is_retried_with_backoff_until_acknowledged(
    world: World, worker: Worker, clock: FrozenClock
) -> None:
    with webhook_receiver(statuses=[500, 503]) as hook:
        inbox = api_inbox(world, hook.url)
        ticket = create(world, inbox_id=inbox).json()
        world.agent.client.post(f"/api/v1/tickets/{ticket['id']}/reply", json={"text": "Hello"})
        assert worker.run_until_idle() == 1  # refused with 500; the retry is not due yet
        assert len(hook.deliveries) == 1
        clock.advance(timedelta(seconds=3))
        assert worker.run_until_idle() == 1  # refused with 503
        clock.advance(timedelta(seconds=5))
        assert worker.run_until_idle() == 1  # accepted
    assert len(hook.deliveries) == 3
    assert len({d.headers["X-Frontdesk-Delivery"] for d in hook.deliveries}) == 1
    [message] = [
        m
        for m in world.agent.client.get(f"/api/v1/tickets/{ticket['id']}/messages").json()
        if m["direction"] == "out"
    ]
    assert message["delivery_status"] == "sent"
    assert message["delivery_error"] is None


def test_a_delivery_that_never_succeeds_ends_as_a_dead_job(
    world: World, worker: Worker, clock: FrozenClock
) -> None:
    with webhook_receiver(statuses=[500] * 20) as hook:
        inbox = api_inbox(world, hook.url)
        ticket = create(world, inbox_id=inbox).json()
        world.agent.client.post(f"/api/v1/tickets/{ticket['id']}/reply", json={"text": "Hello"})
        for _ in range(12):
            worker.run_until_idle()
            clock.advance(timedelta(hours=2))
        assert len(hook.deliveries) == 12
    dead = world.admin.client.get("/api/v1/jobs?status=dead").json()
    assert [j["kind"] for j in dead] == ["deliver_message"]
    assert "500" in dead[0]["last_error"]
    [message] = [
        m
        for m in world.agent.client.get(f"/api/v1/tickets/{ticket['id']}/messages").json()
        if m["direction"] == "out"
    ]
    assert message["delivery_status"] == "failed"

    with webhook_receiver() as hook:
        world.admin.client.patch(
            f"/api/v1/inboxes/{inbox}", json={"config": {"webhook_url": hook.url}}
        )
        assert world.admin.client.post(f"/api/v1/jobs/{dead[0]['id']}/retry").status_code == 202
        assert worker.run_until_idle() == 1
        assert len(hook.deliveries) == 1


def test_invalid_input_gets_the_field_and_the_reason(world: World) -> None:
    response = world.agent.client.post("/api/v1/tickets", json={"message": "hi", "contact": {}})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert any(e["field"] == "contact" for e in problem["errors"])

    response = create(world, priority="whenever")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "priority"

    response = create(world, message="bad \x00 byte")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "message"

    response = create(world, contact={"email": "not an address"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "address"

    response = world.agent.client.post(
        "/api/v1/tickets", content=b'{"message": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


def test_a_failed_action_leaves_nothing_half_written(world: World) -> None:
    # The assignee does not exist: the ticket, contact and message must not exist either.
    response = create(world, assignee_id=999_999, contact={"email": "ghost@example.com"})
    assert response.status_code == 422
    contacts = world.agent.client.get("/api/v1/contacts", params={"q": "ghost"}).json()
    assert contacts["items"] == []
    assert world.agent.client.get("/api/v1/tickets").json()["items"] == []


def test_oversized_bodies_get_413(world: World) -> None:
    limit = world.fd.settings.max_request_bytes
    body = json.dumps({"message": "x" * (limit + 1), "contact": {"email": "a@example.com"}})
    response = world.agent.client.post(
        "/api/v1/tickets", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_unknown_ids_answer_404(world: World) -> None:
    for path in ("/api/v1/tickets/424242", "/api/v1/contacts/424242", "/api/v1/agents/424242"):
        response = world.admin.client.get(path)
        assert response.status_code == 404, path
        assert response.json()["title"] == "Not found"


def test_list_filters_and_cursor_pagination(world: World, clock: FrozenClock) -> None:
    ids = []
    for n in range(7):
        clock.advance(timedelta(minutes=1))
        ids.append(
            create(
                world,
                subject=f"t{n}",
                priority="high" if n % 2 else "low",
                contact={"email": f"c{n}@example.com"},
            ).json()["id"]
        )
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "status": "unsolved"}
        if cursor:
            params["cursor"] = cursor
        page = world.agent.client.get("/api/v1/tickets", params=params).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))  # most recently updated first, none twice
    high = world.agent.client.get("/api/v1/tickets", params={"priority": "high"}).json()
    assert {t["id"] for t in high["items"]} == {ids[1], ids[3], ids[5]}
    assert (
        world.agent.client.get("/api/v1/tickets", params={"cursor": "garbage"}).status_code == 422
    )


def test_agents_change_assign_and_note_and_the_audit_trail_records_it(world: World) -> None:
    ticket = create(world, tags=["Refund"]).json()
    path = f"/api/v1/tickets/{ticket['id']}"
    assert (
        world.agent.client.patch(
            path, json={"priority": "urgent", "tags": ["refund", "vip"]}
        ).status_code
        == 200
    )
    assigned = world.agent.client.post(f"{path}/assign", json={"assignee_id": world.agent.id})
    assert assigned.json()["assignee_id"] == world.agent.id
    assert assigned.json()["status"] == "open"
    note = world.light_agent.client.post(f"{path}/notes", json={"text": "Customer is a VIP"})
    assert note.status_code == 201 and note.json()["internal"] is True
    mine = world.agent.client.get(
        "/api/v1/tickets", params={"assignee": "me", "status": "unsolved"}
    )
    assert [t["id"] for t in mine.json()["items"]] == [ticket["id"]]
    audit = world.agent.client.get(f"{path}/audit").json()
    assert [a["action"] for a in audit] == [
        "ticket.created",
        "ticket.updated",
        "ticket.assigned",
        "ticket.note_added",
    ]
    assert audit[1]["changes"]["priority"] == ["normal", "urgent"]
    assert audit[1]["actor_id"] == world.agent.id
    assert world.agent.client.get(path).json()["tags"] == ["refund", "vip"]


def test_posting_to_another_teams_ticket_stores_the_message_but_shows_nothing_of_it(
    world: World,
) -> None:
    inbox = world.admin.client.post(
        "/api/v1/inboxes", json={"name": "Team A app", "kind": "api", "team_id": world.team_a}
    ).json()["id"]
    first = {
        "contact": {"email": "ani@example.org"},
        "message": "Secret order details",
        "subject": "Order 77",
        "thread_key": "conv-1",
        "external_id": "m-1",
    }
    opened = world.agent.client.post(f"/api/v1/inboxes/{inbox}/messages", json=first)
    assert opened.status_code == 201
    ticket_id = opened.json()["id"]

    again = world.other_agent.client.post(f"/api/v1/inboxes/{inbox}/messages", json=first)
    assert again.status_code == 202
    assert again.json() == {"accepted": True, "duplicate": True}
    follow_up = {**first, "message": "Any news?", "external_id": "m-2"}
    posted = world.other_agent.client.post(f"/api/v1/inboxes/{inbox}/messages", json=follow_up)
    assert posted.status_code == 202
    assert "Secret" not in posted.text

    messages = world.agent.client.get(f"/api/v1/tickets/{ticket_id}/messages").json()
    assert [m["text"] for m in messages] == ["Secret order details", "Any news?"]
