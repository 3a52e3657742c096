"""The customer portal: signing in with a one-time link, reading one's own tickets and
answering them through the inbound pipeline."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer

from frontdesk.clock import FrozenClock
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.contacts import IdentityRef, create_contact
from frontdesk.domain.portal import issue_signin_token
from tests.conftest import ApiClient, World

SCRIPTS = {
    "hy": "Շնորհակալություն, սպասում եմ",
    "ta": "நன்றி, காத்திருக்கிறேன்",
    "el": "Ευχαριστώ, περιμένω",
    "lv": "Paldies, gaidīšu",
    "sl": "Hvala, počakam",
    "emoji": "Thanks 🙏⛺👩🏽‍💻",
}


def portal(world: World) -> ApiClient:
    return ApiClient(world.anonymous.client.app, raise_server_exceptions=False)


def new_customer(world: World, email: str = "mira@example.am") -> int:
    with world.fd.transaction() as tx:
        return create_contact(tx, SYSTEM, {"name": "Միրա"}, [IdentityRef("email", email)]).id


def link(world: World, contact_id: int, **ago: float) -> str:
    issued = world.fd.clock.now() - timedelta(**ago)
    return issue_signin_token(world.fd.secret_key, contact_id, issued)


def sign_in(client: ApiClient, token: str) -> Any:
    response = client.post("/api/v1/portal/session", json={"token": token})
    if response.status_code == 200:
        client.csrf = response.json()["csrf_token"]
    return response


def open_ticket(world: World, email: str, text: str = "My tent zip broke", **extra: Any) -> int:
    response = world.agent.client.post(
        "/api/v1/tickets", json={"message": text, "contact": {"email": email}, **extra}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def attachment(name: str, data: bytes) -> dict[str, str]:
    return {"filename": name, "content_base64": base64.b64encode(data).decode()}


@pytest.fixture
def ticket(world: World) -> int:
    """The customer's ticket, answered by an agent and noted on internally."""
    ticket = open_ticket(world, "ani@example.org", subject="Broken zip")
    reply = world.agent.client.post(
        f"/api/v1/tickets/{ticket}/reply",
        json={"text": "A new zip is on its way", "attachments": [attachment("label.txt", b"L")]},
    )
    assert reply.status_code == 201
    note = world.agent.client.post(
        f"/api/v1/tickets/{ticket}/notes",
        json={"text": "Refund approved by Mira", "attachments": [attachment("memo.txt", b"M")]},
    )
    assert note.status_code == 201
    return ticket


def test_a_sign_in_link_works_once(world: World, clock: FrozenClock) -> None:
    clock.advance(timedelta(microseconds=123_457))  # an instant that is not a round number
    mira = new_customer(world)
    token = link(world, mira)
    with portal(world) as client:
        signed_in = sign_in(client, token)
        assert signed_in.status_code == 200, signed_in.text
        me = signed_in.json()
        assert (me["type"], me["id"], me["role"], me["name"]) == ("contact", mira, None, "Միրա")
        assert me["csrf_token"]
        assert client.get("/api/v1/me").json() == me
        assert client.get("/api/v1/portal/tickets").status_code == 200
    with portal(world) as again:
        used = sign_in(again, token)
        assert used.status_code == 403
        assert "already used" in used.json()["detail"]
        assert again.get("/api/v1/me").status_code == 401

    # Two links are out; once the newer one is used, the older one is refused.
    clock.advance(timedelta(seconds=1))
    older, newer = link(world, mira, seconds=0.5), link(world, mira)
    with portal(world) as client:
        assert sign_in(client, newer).status_code == 200
    with portal(world) as client:
        assert sign_in(client, older).status_code == 403


def test_a_bad_or_expired_link_is_refused(world: World, clock: FrozenClock) -> None:
    mira = new_customer(world)
    foreign = URLSafeTimedSerializer(
        "another-secret-key-" + "y" * 32, salt="frontdesk.portal.signin"
    )
    good = link(world, mira)
    for token in (
        "",
        "garbage",
        good[:-3] + ("abc" if not good.endswith("abc") else "xyz"),  # tampered
        foreign.dumps({"contact": mira, "issued": clock.now().timestamp()}),
        link(world, mira, minutes=31),  # issued longer ago than a link lives
    ):
        with portal(world) as client:
            refused = sign_in(client, token)
            assert refused.status_code == 403, token
            assert client.get("/api/v1/me").status_code == 401
    with portal(world) as client:
        too_long = sign_in(client, "x" * 1001)
        assert too_long.status_code == 422

    clock.advance(timedelta(minutes=31))  # the good link, left unused too long
    with portal(world) as client:
        assert sign_in(client, good).status_code == 403
    with portal(world) as client:
        assert sign_in(client, link(world, mira)).status_code == 200


def test_a_customer_lists_their_own_tickets_only(world: World, ticket: int) -> None:
    second = open_ticket(world, "ani@example.org", "And the poles are bent")
    theirs = open_ticket(world, "bob@example.net", "Wrong colour")
    mine = world.customer.client.get("/api/v1/portal/tickets")
    assert mine.status_code == 200
    assert [t["id"] for t in mine.json()["items"]] == [second, ticket]
    assert all(t["contact_id"] == world.customer.id for t in mine.json()["items"])
    others = world.other_customer.client.get("/api/v1/portal/tickets").json()
    assert [t["id"] for t in others["items"]] == [theirs]


def test_a_customer_reads_their_ticket_without_internal_notes(world: World, ticket: int) -> None:
    response = world.customer.client.get(f"/api/v1/portal/tickets/{ticket}")
    assert response.status_code == 200
    got = response.json()
    assert got["subject"] == "Broken zip"
    assert [(m["direction"], m["text"]) for m in got["messages"]] == [
        ("in", "My tent zip broke"),
        ("out", "A new zip is on its way"),
    ]
    assert "Refund approved" not in response.text
    assert "memo.txt" not in response.text

    agent_view = world.agent.client.get(f"/api/v1/tickets/{ticket}").json()
    [note] = [m for m in agent_view["messages"] if m["internal"]]
    [label] = got["messages"][1]["attachments"]
    download = world.customer.client.get(label["url"])
    assert (download.status_code, download.content) == (200, b"L")
    assert download.headers["content-disposition"].startswith("attachment;")
    memo_url = note["attachments"][0]["url"]
    assert world.customer.client.get(memo_url).status_code == 404
    assert world.agent.client.get(memo_url).content == b"M"
    assert world.other_customer.client.get(label["url"]).status_code == 404


def test_a_customer_reply_enters_through_the_inbound_pipeline(world: World, ticket: int) -> None:
    solved = world.agent.client.patch(f"/api/v1/tickets/{ticket}", json={"status": "solved"})
    assert solved.json()["status"] == "solved"

    for text in SCRIPTS.values():
        answered = world.customer.client.post(
            f"/api/v1/portal/tickets/{ticket}/messages", json={"text": text}
        )
        assert answered.status_code == 201, answered.text
        message = answered.json()
        assert (message["ticket_id"], message["channel"], message["direction"]) == (
            ticket,
            "portal",
            "in",
        )
        assert (message["author_contact_id"], message["internal"]) == (world.customer.id, False)

    seen = world.agent.client.get(f"/api/v1/tickets/{ticket}").json()
    assert seen["status"] == "open"  # the solved ticket reopened
    assert seen["solved_at"] is None
    assert [m["text"] for m in seen["messages"] if m["channel"] == "portal"] == list(
        SCRIPTS.values()
    )
    trail = world.agent.client.get(f"/api/v1/tickets/{ticket}/audit").json()
    [reopened] = [e for e in trail if e["action"] == "ticket.reopened"]
    assert (reopened["actor_type"], reopened["actor_id"]) == ("contact", world.customer.id)
    assert reopened["changes"]["status"] == ["solved", "open"]

    with_file = world.customer.client.post(
        f"/api/v1/portal/tickets/{ticket}/messages",
        json={"text": "Photo", "attachments": [attachment("фото.jpg", b"\xff\xd8")]},
    )
    assert with_file.status_code == 201
    [photo] = with_file.json()["attachments"]
    assert world.agent.client.get(photo["url"]).content == b"\xff\xd8"
    empty = world.customer.client.post(
        f"/api/v1/portal/tickets/{ticket}/messages", json={"text": "   "}
    )
    assert empty.status_code == 422


def test_an_answer_on_a_closed_ticket_opens_a_follow_up(world: World, ticket: int) -> None:
    world.agent.client.patch(f"/api/v1/tickets/{ticket}", json={"status": "closed"})
    answered = world.customer.client.post(
        f"/api/v1/portal/tickets/{ticket}/messages", json={"text": "It broke again"}
    )
    assert answered.status_code == 201
    follow_up = answered.json()["ticket_id"]
    assert follow_up != ticket
    got = world.customer.client.get(f"/api/v1/portal/tickets/{follow_up}").json()
    assert (got["follow_up_of_id"], got["status"]) == (ticket, "new")
    assert world.agent.client.get(f"/api/v1/tickets/{ticket}").json()["status"] == "closed"


def test_a_customer_cannot_see_or_answer_another_customers_ticket(
    world: World, ticket: int
) -> None:
    other = world.other_customer.client
    assert other.get(f"/api/v1/portal/tickets/{ticket}").status_code == 404
    answer = other.post(f"/api/v1/portal/tickets/{ticket}/messages", json={"text": "Mine now"})
    assert answer.status_code == 404
    assert other.get("/api/v1/portal/tickets/424242").status_code == 404
    messages = world.agent.client.get(f"/api/v1/tickets/{ticket}/messages").json()
    assert "Mine now" not in [m["text"] for m in messages]


def test_a_customer_cannot_call_agent_routes(world: World, ticket: int) -> None:
    client = world.customer.client
    for method, path, body in (
        ("GET", "/api/v1/tickets", None),
        ("GET", f"/api/v1/tickets/{ticket}", None),
        ("GET", f"/api/v1/tickets/{ticket}/messages", None),
        ("POST", f"/api/v1/tickets/{ticket}/reply", {"text": "I answer myself"}),
        ("GET", f"/api/v1/contacts/{world.customer.id}", None),
        ("PATCH", f"/api/v1/contacts/{world.customer.id}", {"tier": "platinum"}),
        ("GET", "/api/v1/agents", None),
        ("POST", "/api/v1/tokens", {"name": "mine"}),
        ("GET", "/api/v1/jobs", None),
    ):
        response = client.request(method, path, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json()["detail"] == "your role does not allow this"
    assert world.agent.client.get(f"/api/v1/contacts/{world.customer.id}").json()["tier"] == (
        "standard"
    )


def test_a_customer_session_changes_nothing_without_its_csrf_token(
    world: World, ticket: int
) -> None:
    client = world.customer.client
    csrf, client.csrf = client.csrf, None
    refused = client.post(f"/api/v1/portal/tickets/{ticket}/messages", json={"text": "Hi"})
    assert refused.status_code == 403
    assert client.get(f"/api/v1/portal/tickets/{ticket}").status_code == 200
    client.csrf = csrf
    assert (
        client.post(f"/api/v1/portal/tickets/{ticket}/messages", json={"text": "Hi"}).status_code
        == 201
    )


def test_signing_out_or_being_merged_ends_a_portal_session(
    world: World, ticket: int, clock: FrozenClock
) -> None:
    bobs = open_ticket(world, "bob@example.net", "Wrong colour")
    assert world.customer.client.post("/api/v1/auth/logout").status_code == 204
    assert world.customer.client.get("/api/v1/me").status_code == 401
    assert world.customer.client.get("/api/v1/portal/tickets").status_code == 401

    merged = world.admin.client.post(
        f"/api/v1/contacts/{world.customer.id}/merge", json={"other_id": world.other_customer.id}
    )
    assert merged.status_code == 200
    assert world.other_customer.client.get("/api/v1/me").status_code == 401
    with portal(world) as client:  # a link for the merged contact signs no one in
        assert sign_in(client, link(world, world.other_customer.id)).status_code == 404
        assert client.get("/api/v1/me").status_code == 401
    clock.advance(timedelta(seconds=1))
    with portal(world) as client:  # the survivor signs in and sees both people's tickets
        assert sign_in(client, link(world, world.customer.id)).status_code == 200
        mine = client.get("/api/v1/portal/tickets").json()["items"]
        assert [t["id"] for t in mine] == [bobs, ticket]
