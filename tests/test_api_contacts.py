"""Contacts, their identities and organizations through the REST API, and merging two
contacts who turn out to be one person."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.models import AuditEntry
from tests.conftest import World

SCRIPTS = {
    "hy": "Աննա Պետրոսյան",
    "ta": "அன்பு செல்வன்",
    "el": "Γιώργος Παπαδόπουλος",
    "lv": "Līga Bērziņa",
    "sl": "Žiga Šuštar",
    "emoji": "Ani 🙏⛺👩🏽‍💻",
}
NOTES = {
    "hy": "Նախընտրում է զանգ երեկոյան",
    "ta": "மாலையில் அழைக்க விரும்புகிறார்",
    "el": "Προτιμά τηλεφώνημα το απόγευμα",
    "lv": "Dod priekšroku zvanam vakarā",
    "sl": "Raje ima klic zvečer",
    "emoji": "Calls after 18:00 📞, prefers ☕ over 🍵",
}


def create(world: World, name: str = "Ani", *addresses: str, **fields: Any) -> dict[str, Any]:
    identities = [
        {"kind": "phone" if a.startswith("+") else "email", "address": a} for a in addresses
    ]
    response = world.agent.client.post(
        "/api/v1/contacts", json={"name": name, "identities": identities, **fields}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def open_ticket(world: World, email: str, text: str = "My tent zip broke") -> dict[str, Any]:
    response = world.agent.client.post(
        "/api/v1/tickets", json={"message": text, "contact": {"email": email}}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_contact_is_created_read_and_changed(world: World) -> None:
    created = create(
        world,
        "Ani",
        "Ani.Petrosyan@Example.AM",
        "+374 10 12-34-56",
        language="hy",
        time_zone="Asia/Yerevan",
        tier="gold",
        lifetime_value=1200,
    )
    assert [(i["kind"], i["address"]) for i in created["identities"]] == [
        ("email", "ani.petrosyan@example.am"),
        ("phone", "+37410123456"),
    ]
    path = f"/api/v1/contacts/{created['id']}"
    got = world.light_agent.client.get(path).json()
    assert got == created
    assert (got["language"], got["time_zone"], got["tier"], got["lifetime_value"]) == (
        "hy",
        "Asia/Yerevan",
        "gold",
        1200,
    )
    assert got["merged_into_id"] is None

    changed = world.agent.client.patch(path, json={"name": "Ani P.", "tier": "platinum"})
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["tier"]) == ("Ani P.", "platinum")
    assert world.agent.client.get(path).json()["name"] == "Ani P."

    for body, field in (
        ({"lifetime_value": -1}, "lifetime_value"),
        ({"merged_into_id": 1}, "merged_into_id"),
        ({"organization_id": 424242}, "organization_id"),
        ({"name": "x" * 201}, "name"),
        ({"notes": "bad \x00 byte"}, "notes"),
    ):
        response = world.agent.client.patch(path, json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert world.agent.client.get("/api/v1/contacts/424242").status_code == 404
    assert world.agent.client.patch("/api/v1/contacts/424242", json={}).status_code == 404


def test_names_and_notes_in_any_script_round_trip(world: World) -> None:
    for language, name in SCRIPTS.items():
        created = create(world, name, f"{language}@example.org", notes=NOTES[language])
        path = f"/api/v1/contacts/{created['id']}"
        got = world.agent.client.get(path).json()
        assert (got["name"], got["notes"]) == (name, NOTES[language])
        changed = world.agent.client.patch(path, json={"notes": NOTES[language] + "\n" + name})
        assert changed.json()["notes"] == NOTES[language] + "\n" + name
        found = world.agent.client.get("/api/v1/contacts", params={"q": name}).json()
        assert [c["id"] for c in found["items"]] == [created["id"]], language


def test_an_address_belongs_to_one_contact_only(world: World) -> None:
    ani = create(world, "Ani", "ani.p@example.am", "+374 10 123456")
    bob = create(world, "Bob")
    add = f"/api/v1/contacts/{bob['id']}/identities"
    for kind, address in (
        ("email", "ani.p@example.am"),
        ("email", "  ANI.P@Example.AM "),
        ("phone", "0037410123456"),
        ("phone", "+374 (10) 12-34-56"),
    ):
        response = world.agent.client.post(add, json={"kind": kind, "address": address})
        assert response.status_code == 409, (kind, address)
        assert response.json()["title"] == "Conflict"
    identities = [{"kind": "email", "address": "ani.p@example.am"}]
    taken = world.agent.client.post(
        "/api/v1/contacts", json={"name": "Ani again", "identities": identities}
    )
    assert taken.status_code == 409
    found = world.agent.client.get("/api/v1/contacts", params={"q": "Ani again"}).json()
    assert found["items"] == []  # nothing half-created

    # The same address on another kind of channel is another identity.
    chat = world.agent.client.post(add, json={"kind": "chat", "address": "ani.p@example.am"})
    assert chat.status_code == 201
    assert (chat.json()["kind"], chat.json()["address"]) == ("chat", "ani.p@example.am")
    bad = world.agent.client.post(add, json={"kind": "email", "address": "not an address"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "address")

    # Once Ani lets go of her address, Bob may take it.
    [email_id] = [i["id"] for i in ani["identities"] if i["kind"] == "email"]
    wrong_owner = f"/api/v1/contacts/{bob['id']}/identities/{email_id}"
    assert world.agent.client.delete(wrong_owner).status_code == 404
    removed = world.agent.client.delete(f"/api/v1/contacts/{ani['id']}/identities/{email_id}")
    assert removed.status_code == 204
    taken = world.agent.client.post(add, json={"kind": "email", "address": "ani.p@example.am"})
    assert taken.status_code == 201
    ani_now = world.agent.client.get(f"/api/v1/contacts/{ani['id']}").json()
    assert [i["kind"] for i in ani_now["identities"]] == ["phone"]


def test_search_finds_contacts_by_name_or_address(world: World) -> None:
    anna = create(world, SCRIPTS["hy"], "anna@example.am")
    giorgos = create(world, SCRIPTS["el"], "giorgos@example.gr")
    liga = create(world, SCRIPTS["lv"], "+371 2000 0000")

    def search(q: str) -> list[int]:
        response = world.agent.client.get("/api/v1/contacts", params={"q": q})
        assert response.status_code == 200
        return [c["id"] for c in response.json()["items"]]

    assert search("Պետրոս") == [anna["id"]]
    assert search("Bērziņa") == [liga["id"]]
    assert search("example.gr") == [giorgos["id"]]
    assert search("GIORGOS@") == [giorgos["id"]]  # addresses are kept lowercase
    assert search("37120") == [liga["id"]]
    assert search("customer") == [world.customer.id, world.other_customer.id]  # any case
    assert search("nobody at all") == []
    assert len(search("")) == 5


def test_the_contact_list_is_paged_with_a_cursor(world: World) -> None:
    made = [create(world, f"Page {n}", f"page{n}@example.org")["id"] for n in range(7)]
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = world.agent.client.get("/api/v1/contacts", params=params).json()
        assert len(page["items"]) <= 3
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted([world.customer.id, world.other_customer.id, *made])
    assert world.agent.client.get("/api/v1/contacts", params={"cursor": "x"}).status_code == 422
    assert world.agent.client.get("/api/v1/contacts", params={"limit": 0}).status_code == 422


def test_organizations_are_created_changed_and_group_contacts(world: World) -> None:
    client = world.agent.client
    made = client.post(
        "/api/v1/organizations", json={"name": "Šotori d.o.o.", "notes": "Ljubljana ⛺"}
    )
    assert made.status_code == 201
    org = made.json()
    assert (org["name"], org["tier"], org["notes"]) == ("Šotori d.o.o.", "standard", "Ljubljana ⛺")
    other = client.post("/api/v1/organizations", json={"name": "Αθήνα Α.Ε."}).json()
    again = client.post("/api/v1/organizations", json={"name": "Šotori d.o.o."})
    assert again.status_code == 409
    assert client.post("/api/v1/organizations", json={"name": ""}).status_code == 422

    path = f"/api/v1/organizations/{org['id']}"
    assert client.patch(path, json={"tier": "enterprise"}).json()["tier"] == "enterprise"
    assert client.get(path).json()["tier"] == "enterprise"
    assert client.patch(path, json={"name": "Αθήνα Α.Ε."}).status_code == 409
    assert client.get(path).json()["name"] == "Šotori d.o.o."
    assert client.get("/api/v1/organizations/424242").status_code == 404
    assert [o["name"] for o in client.get("/api/v1/organizations").json()] == sorted(
        [org["name"], other["name"]]
    )

    member = create(world, "Žiga", "ziga@sotori.si", organization_id=org["id"])
    moved = client.patch(
        f"/api/v1/contacts/{world.customer.id}", json={"organization_id": org["id"]}
    )
    assert moved.json()["organization_id"] == org["id"]
    listed = client.get("/api/v1/contacts", params={"organization": org["id"]}).json()
    assert [c["id"] for c in listed["items"]] == sorted([world.customer.id, member["id"]])
    missing = client.post("/api/v1/contacts", json={"name": "X", "organization_id": 424242})
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (422, "organization_id")


def test_merging_moves_identities_and_tickets_to_the_survivor(world: World) -> None:
    client = world.agent.client
    a = create(world, "Ani Petrosyan", "ani@example.am", notes="Prefers email", lifetime_value=100)
    b = create(
        world, "", "ani.work@example.com", "+374 10 555555", language="hy", lifetime_value=50
    )
    client.patch(f"/api/v1/contacts/{b['id']}", json={"notes": NOTES["hy"]})
    a_ticket = open_ticket(world, "ani@example.am")
    b_ticket = open_ticket(world, "ani.work@example.com", "Պատվերս դեռ չի հասել")

    merged = client.post(f"/api/v1/contacts/{a['id']}/merge", json={"other_id": b["id"]})
    assert merged.status_code == 200, merged.text
    survivor = merged.json()
    assert survivor["id"] == a["id"]
    assert {(i["kind"], i["address"]) for i in survivor["identities"]} == {
        ("email", "ani@example.am"),
        ("email", "ani.work@example.com"),
        ("phone", "+37410555555"),
    }
    assert survivor["name"] == "Ani Petrosyan"  # the survivor's own fields win
    assert survivor["language"] == "hy"  # empty ones are filled from the merged contact
    assert survivor["lifetime_value"] == 150
    assert survivor["notes"] == "Prefers email\n\n" + NOTES["hy"]
    assert client.get(f"/api/v1/contacts/{a['id']}").json() == survivor

    gone = client.get(f"/api/v1/contacts/{b['id']}").json()
    assert gone["merged_into_id"] == a["id"]
    assert gone["identities"] == []
    everyone = [c["id"] for c in client.get("/api/v1/contacts").json()["items"]]
    assert b["id"] not in everyone
    found = client.get("/api/v1/contacts", params={"q": "ani.work"}).json()["items"]
    assert [c["id"] for c in found] == [a["id"]]

    tickets = client.get(f"/api/v1/contacts/{a['id']}/tickets").json()["items"]
    assert [t["id"] for t in tickets] == [b_ticket["id"], a_ticket["id"]]
    assert client.get(f"/api/v1/contacts/{b['id']}/tickets").json()["items"] == []
    moved = client.get(f"/api/v1/tickets/{b_ticket['id']}").json()
    assert moved["contact_id"] == a["id"]
    assert [m["author_contact_id"] for m in moved["messages"]] == [a["id"]]

    # A new message from B's old address lands on A.
    later = open_ticket(world, "ani.work@example.com", "Any news?")
    assert later["contact_id"] == a["id"]
    inbox = world.admin.client.post("/api/v1/inboxes", json={"name": "App", "kind": "api"})
    inbound = client.post(
        f"/api/v1/inboxes/{inbox.json()['id']}/messages",
        json={"message": "Hello again", "contact": {"phone": "+374 10 555 555"}},
    )
    assert inbound.status_code == 201
    assert inbound.json()["contact_id"] == a["id"]


def test_a_merge_is_recorded_in_the_audit_trail(world: World) -> None:
    client = world.agent.client
    a = create(world, "Ani", "ani@example.am")
    b = create(world, "Ani (work)", "ani.work@example.com")
    b_ticket = open_ticket(world, "ani.work@example.com")
    assert client.post(f"/api/v1/contacts/{a['id']}/merge", json={"other_id": b["id"]}).is_success

    trail = client.get(f"/api/v1/tickets/{b_ticket['id']}/audit").json()
    assert trail[0]["action"] == "ticket.created"
    [change] = [e for e in trail if "contact_id" in e["changes"]]
    assert change["changes"]["contact_id"] == [b["id"], a["id"]]
    assert (change["actor_type"], change["actor_id"]) == ("agent", world.agent.id)

    with world.fd.read() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "contact", AuditEntry.action.like("contact.merged%"))
            .order_by(AuditEntry.id)
        ).all()
        assert [(r.action, r.entity_id, r.actor_id) for r in rows] == [
            ("contact.merged", a["id"], world.agent.id),
            ("contact.merged_into", b["id"], world.agent.id),
        ]
        assert rows[0].changes["merged_contact"] == [None, b["id"]]
        assert rows[0].changes["tickets"] == [None, [b_ticket["id"]]]
        assert rows[0].changes["identities"] == [None, ["email:ani.work@example.com"]]


def test_a_contact_is_merged_only_once(world: World) -> None:
    client = world.agent.client
    a, b, c = (create(world, name) for name in ("A", "B", "C"))

    def merge(survivor: dict[str, Any], other: dict[str, Any]) -> int:
        path = f"/api/v1/contacts/{survivor['id']}/merge"
        return client.post(path, json={"other_id": other["id"]}).status_code

    assert merge(a, b) == 200
    assert merge(a, b) == 409  # again
    assert merge(c, b) == 409  # B is gone into A
    assert merge(b, c) == 409  # nor can B take anyone in
    assert merge(a, a) == 422
    assert (
        client.post(f"/api/v1/contacts/{a['id']}/merge", json={"other_id": 424242}).status_code
        == 404
    )
    assert merge(a, c) == 200  # A may still take in others
    assert client.get(f"/api/v1/contacts/{c['id']}").json()["merged_into_id"] == a["id"]
