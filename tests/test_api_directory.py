"""Agents, sign-in, teams, inboxes and API tokens through the REST API."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import ApiClient, Member, World

PASSWORD = "correct horse battery staple"


def browser(world: World) -> ApiClient:
    """A client with no credentials, from an address of its own: failed sign-ins are
    counted per address, so no test locks another out."""
    n = uuid.uuid4().int
    ip = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    return ApiClient(world.admin.client.app, raise_server_exceptions=False, client=(ip, 50000))


def hire(world: World, **fields: Any) -> dict[str, Any]:
    body = {
        "email": f"{uuid.uuid4().hex[:12]}@example.com",
        "name": "Միրա",
        "password": PASSWORD,
        **fields,
    }
    response = world.admin.client.post("/api/v1/agents", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def sign_in(client: ApiClient, email: str, password: str = PASSWORD) -> Any:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    if response.status_code == 200:
        client.csrf = response.json()["csrf_token"]
    return response


def ticket_in_team(world: World, team_id: int) -> int:
    inbox = world.admin.client.post(
        "/api/v1/inboxes", json={"name": f"Team {team_id}", "kind": "api", "team_id": team_id}
    ).json()["id"]
    response = world.admin.client.post(
        f"/api/v1/inboxes/{inbox}/messages",
        json={"message": "Hello", "contact": {"email": "ani@example.org"}},
    )
    assert response.json()["team_id"] == team_id
    return int(response.json()["id"])


def test_an_admin_hires_an_agent_who_signs_in_with_a_password(world: World) -> None:
    email = f"Mira.{uuid.uuid4().hex[:8]}@Example.COM"
    mira = hire(world, email=email, role="agent", languages=["hy", "en"], team_ids=[world.team_a])
    assert mira["email"] == email.lower()
    assert (mira["name"], mira["role"], mira["languages"]) == ("Միրա", "agent", ["hy", "en"])
    assert (mira["team_ids"], mira["is_active"], mira["availability"]) == (
        [world.team_a],
        True,
        "offline",
    )
    assert "password" not in str(mira) and PASSWORD not in str(mira)
    assert world.agent.client.get(f"/api/v1/agents/{mira['id']}").json() == mira
    assert mira["id"] in [a["id"] for a in world.light_agent.client.get("/api/v1/agents").json()]

    with browser(world) as client:
        response = sign_in(client, email)  # the address in any case
        assert response.status_code == 200, response.text
        me = response.json()
        assert (me["type"], me["id"], me["role"], me["name"]) == (
            "agent",
            mira["id"],
            "agent",
            "Միրա",
        )
        cookie = response.headers["set-cookie"].lower()
        assert "frontdesk_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert client.get("/api/v1/me").json() == me
        assert client.get("/api/v1/tickets").status_code == 200
        assert client.post("/api/v1/auth/logout").status_code == 204
        assert client.get("/api/v1/me").status_code == 401


def test_a_new_agent_must_be_valid(world: World) -> None:
    taken = world.admin.client.post(
        "/api/v1/agents", json={"email": "AGENT@example.com", "name": "Copy"}
    )
    assert taken.status_code == 409
    for body, field in (
        ({"password": "short"}, "password"),
        ({"role": "owner"}, "role"),
        ({"team_ids": [424242]}, "team_ids"),
        ({"email": "not an address"}, "address"),
        ({"name": "x" * 201}, "name"),
        ({"superuser": True}, "superuser"),
    ):
        base = {"email": f"{uuid.uuid4().hex[:12]}@example.com", "name": "New"}
        response = world.admin.client.post("/api/v1/agents", json={**base, **body})
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field


def test_a_wrong_password_is_refused_and_five_failures_lock_sign_in(world: World) -> None:
    mira, other = hire(world), hire(world)
    with browser(world) as client:
        wrong = sign_in(client, mira["email"], "not the password")
        assert wrong.status_code == 401
        with browser(world) as stranger:
            unknown = sign_in(stranger, "nobody@example.com", "not the password")
        assert unknown.status_code == 401
        assert unknown.json()["detail"] == wrong.json()["detail"]  # no hint who exists
        for _ in range(4):
            assert sign_in(client, mira["email"], "still not it").status_code == 401
        locked = sign_in(client, mira["email"])  # even the right password now waits
        assert locked.status_code == 429
        assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
        assert client.get("/api/v1/me").status_code == 401
        assert sign_in(client, other["email"]).status_code == 429  # this client is locked out
    with browser(world) as elsewhere:
        assert sign_in(elsewhere, mira["email"]).status_code == 429  # and so is the address
        assert sign_in(elsewhere, other["email"]).status_code == 200  # others sign in as usual


def test_an_inactive_agent_cannot_sign_in_and_their_tokens_stop_working(world: World) -> None:
    mira = hire(world)
    token = world.admin.client.post(
        "/api/v1/tokens", json={"name": "Mira's", "agent_id": mira["id"]}
    ).json()["token"]
    with browser(world) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.get("/api/v1/me").json()["id"] == mira["id"]  # now cached
        off = world.admin.client.patch(f"/api/v1/agents/{mira['id']}", json={"is_active": False})
        assert off.status_code == 200
        assert client.get("/api/v1/me").status_code == 401
    with browser(world) as client:
        assert sign_in(client, mira["email"]).status_code == 401


def test_a_cookie_session_changes_nothing_without_its_csrf_token(world: World) -> None:
    mira = hire(world)
    ticket = {"message": "Hello", "contact": {"email": "ani@example.org"}}
    with browser(world) as client:
        csrf = sign_in(client, mira["email"]).json()["csrf_token"]
        client.csrf = None
        missing = client.post("/api/v1/tickets", json=ticket)
        assert missing.status_code == 403
        assert "CSRF" in missing.json()["detail"]
        wrong = client.post("/api/v1/tickets", json=ticket, headers={"X-CSRF-Token": "guess"})
        assert wrong.status_code == 403
        assert client.get("/api/v1/tickets").json()["items"] == []  # nothing was created
        right = client.post("/api/v1/tickets", json=ticket, headers={"X-CSRF-Token": csrf})
        assert right.status_code == 201
        assert client.get("/api/v1/me").json()["csrf_token"] == csrf


def test_teams_are_made_and_changed_by_admins(world: World) -> None:
    admin = world.admin.client
    made = admin.post("/api/v1/teams", json={"name": "Ομάδα Γ", "member_ids": [world.agent.id]})
    assert made.status_code == 201
    team = made.json()
    assert (team["name"], team["member_ids"]) == ("Ομάδα Γ", [world.agent.id])
    assert world.agent.client.get(f"/api/v1/agents/{world.agent.id}").json()["team_ids"] == [
        world.team_a,
        team["id"],
    ]
    assert admin.post("/api/v1/teams", json={"name": "Ομάδα Γ"}).status_code == 409
    for body, field in (
        ({"name": ""}, "name"),
        ({"name": "X", "member_ids": [424242]}, "member_ids"),
    ):
        response = admin.post("/api/v1/teams", json=body)
        assert (response.status_code, response.json()["errors"][0]["field"]) == (422, field)

    path = f"/api/v1/teams/{team['id']}"
    changed = admin.patch(path, json={"name": "Skupina Č", "member_ids": [world.light_agent.id]})
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["member_ids"]) == (
        "Skupina Č",
        [world.light_agent.id],
    )
    assert admin.patch(path, json={"name": "Team A"}).status_code == 409
    assert admin.patch("/api/v1/teams/424242", json={"name": "Y"}).status_code == 404
    names = [t["name"] for t in world.light_agent.client.get("/api/v1/teams").json()]
    assert names == ["Team A", "Team B", "Skupina Č"]


def test_a_change_of_teams_changes_at_once_which_tickets_an_agent_sees(world: World) -> None:
    ticket = ticket_in_team(world, world.team_a)
    path = f"/api/v1/tickets/{ticket}"
    assert world.other_agent.client.get(path).status_code == 404  # and the token is cached

    members = [world.agent.id, world.light_agent.id, world.other_agent.id]
    joined = world.admin.client.patch(f"/api/v1/teams/{world.team_a}", json={"member_ids": members})
    assert joined.status_code == 200
    assert world.other_agent.client.get(path).status_code == 200

    moved = world.admin.client.patch(
        f"/api/v1/agents/{world.other_agent.id}", json={"team_ids": [world.team_b]}
    )
    assert moved.status_code == 200
    assert world.other_agent.client.get(path).status_code == 404

    # A new team: its members see its tickets as soon as it has any.
    assert world.light_agent.client.get("/api/v1/me").status_code == 200  # cached
    night = world.admin.client.post(
        "/api/v1/teams", json={"name": "Night shift", "member_ids": [world.light_agent.id]}
    ).json()["id"]
    night_ticket = ticket_in_team(world, night)
    assert world.light_agent.client.get(f"/api/v1/tickets/{night_ticket}").status_code == 200
    assert world.agent.client.get(f"/api/v1/tickets/{night_ticket}").status_code == 404


def test_an_api_inbox_checks_its_config_and_shows_it_to_admins_only(world: World) -> None:
    admin = world.admin.client
    made = admin.post(
        "/api/v1/inboxes",
        json={
            "name": "Κατάστημα",
            "kind": "api",
            "config": {"webhook_url": "https://shop.example.com/hook"},
            "team_id": world.team_a,
        },
    )
    assert made.status_code == 201, made.text
    inbox = made.json()
    secret = inbox["config"]["webhook_secret"]
    assert inbox["config"]["webhook_url"] == "https://shop.example.com/hook"
    assert len(secret) >= 16
    assert (inbox["name"], inbox["kind"], inbox["team_id"]) == ("Κατάστημα", "api", world.team_a)

    path = f"/api/v1/inboxes/{inbox['id']}"
    assert admin.get(path).json()["config"]["webhook_secret"] == secret
    for member in (world.agent, world.other_agent, world.light_agent):
        assert member.client.get(path).json()["config"] is None
        assert all(i["config"] is None for i in member.client.get("/api/v1/inboxes").json())
        assert secret not in member.client.get("/api/v1/inboxes").text

    for body, field in (
        ({"config": {"webhook_url": "not a url"}}, "config.webhook_url"),
        ({"config": {"webhook_url": "ftp://shop.example.com"}}, "config.webhook_url"),
        ({"config": {"webhook_secret": "short"}}, "config.webhook_secret"),
        ({"kind": "carrier-pigeon"}, "kind"),
        ({"team_id": 424242}, "team_id"),
        ({"name": ""}, "name"),
    ):
        response = admin.post("/api/v1/inboxes", json={"name": "Bad", "kind": "api", **body})
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field, body

    moved = admin.patch(path, json={"config": {"webhook_url": "https://new.example.com/hook"}})
    assert moved.status_code == 200
    assert moved.json()["config"] == {
        "webhook_url": "https://new.example.com/hook",
        "webhook_secret": secret,  # kept
    }
    bad = admin.patch(path, json={"config": {"webhook_url": "nope"}})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "config.webhook_url")
    assert admin.get(path).json()["config"]["webhook_url"] == "https://new.example.com/hook"
    assert admin.patch("/api/v1/inboxes/424242", json={"name": "X"}).status_code == 404

    off = admin.patch(path, json={"is_active": False})
    assert off.json()["is_active"] is False
    posted = world.agent.client.post(
        f"{path}/messages", json={"message": "Hello", "contact": {"email": "ani@example.org"}}
    )
    assert posted.status_code == 404


def test_a_token_is_shown_once_and_stops_working_when_revoked(world: World) -> None:
    made = world.agent.client.post("/api/v1/tokens", json={"name": "Լափթոփ"})
    assert made.status_code == 201
    token = made.json()
    secret = token["token"]
    assert secret.startswith("fd_") and token["prefix"] == secret[:10]
    assert (token["agent_id"], token["name"], token["revoked_at"]) == (
        world.agent.id,
        "Լափթոփ",
        None,
    )

    listed = world.agent.client.get("/api/v1/tokens")
    assert secret not in listed.text
    assert all("token" not in t for t in listed.json())
    [mine] = [t for t in listed.json() if t["id"] == token["id"]]
    assert mine["prefix"] == token["prefix"]

    with browser(world) as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        assert client.get("/api/v1/me").json()["id"] == world.agent.id  # and now cached
        revoked = world.agent.client.delete(f"/api/v1/tokens/{token['id']}")
        assert revoked.status_code == 204
        refused = client.get("/api/v1/me")
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"
    [mine] = [t for t in world.agent.client.get("/api/v1/tokens").json() if t["id"] == token["id"]]
    assert mine["revoked_at"] is not None
    assert world.agent.client.delete(f"/api/v1/tokens/{token['id']}").status_code == 204
    assert world.agent.client.get("/api/v1/me").status_code == 200  # other tokens still work


def test_agents_manage_their_own_tokens_and_admins_everyones(world: World) -> None:
    mine = world.agent.client.post("/api/v1/tokens", json={"name": "mine"}).json()
    theirs = world.other_agent.client.post("/api/v1/tokens", json={"name": "theirs"}).json()
    for_other = world.agent.client.post(
        "/api/v1/tokens", json={"name": "x", "agent_id": world.other_agent.id}
    )
    assert for_other.status_code == 403

    def ids(member: Member) -> set[int]:
        return {t["id"] for t in member.client.get("/api/v1/tokens").json()}

    assert mine["id"] in ids(world.agent) and theirs["id"] not in ids(world.agent)
    assert {mine["id"], theirs["id"]} <= ids(world.admin)
    assert world.agent.client.delete(f"/api/v1/tokens/{theirs['id']}").status_code == 404
    assert world.agent.client.delete("/api/v1/tokens/424242").status_code == 404
    assert world.admin.client.delete(f"/api/v1/tokens/{theirs['id']}").status_code == 204

    given = world.admin.client.post(
        "/api/v1/tokens", json={"name": "for light", "agent_id": world.light_agent.id}
    )
    assert given.status_code == 201
    with browser(world) as client:
        client.headers["Authorization"] = f"Bearer {given.json()['token']}"
        assert client.get("/api/v1/me").json()["id"] == world.light_agent.id


def test_me_tells_each_member_who_they_are(world: World) -> None:
    for member, role in (
        (world.admin, "admin"),
        (world.agent, "agent"),
        (world.other_agent, "agent"),
        (world.light_agent, "light_agent"),
    ):
        me = member.client.get("/api/v1/me").json()
        assert me == {
            "type": "agent",
            "id": member.id,
            "role": role,
            "name": member.name.title(),
            "csrf_token": None,  # API tokens need no CSRF token
        }
    for member in (world.customer, world.other_customer):
        me = member.client.get("/api/v1/me").json()
        assert me == {
            "type": "contact",
            "id": member.id,
            "role": None,
            "name": member.name.title(),
            "csrf_token": member.client.csrf,
        }
    anonymous = world.anonymous.client.get("/api/v1/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    for header in ("Bearer fd_not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer "):
        response = world.anonymous.client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
