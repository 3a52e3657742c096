"""The search and knowledge base API, and the help center pages, as the people of the
test world use them."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from frontdesk.search.indexer import index_pending
from tests.conftest import World

HOSTILE = [
    '"unbalanced quote',
    'tent "',
    '""',
    "the and of a",
    "x" * 10_000,
    "tent " * 2_000,
    "\x00\x01\x1b[31m tent \x7f\u200b\ufeff",
    "NEAR(tent zip) AND OR NOT",
    "tent* OR zip:* ^tent col:tent {title} (",
    "'; DROP TABLE tickets; --",
    "-tent",
    "*",
    '- * " : ( ) ^ + ~',
    "status: lang: from:",
    "from:%_\\",
    "παρ* -",
    "\ud800" if False else "\U0001f600 emoji only",
]


def ticket_for(world: World, member: str, subject: str, text: str, *, team: int | None) -> int:
    admin = world.admin.client
    inbox = admin.post(
        "/api/v1/inboxes", json={"name": f"Inbox {subject}", "kind": "api", "team_id": team}
    ).json()["id"]
    email = "ani@example.org" if member == "customer" else "bob@example.net"
    response = admin.post(
        f"/api/v1/inboxes/{inbox}/messages",
        json={"subject": subject, "message": text, "contact": {"email": email}},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def article(
    world: World, title: str, body: str, *, visibility: str = "public", language: str = "en"
) -> int:
    client = world.agent.client
    category = client.post("/api/v1/kb/categories", json={"names": {"en": "Help"}}).json()["id"]
    section = client.post(
        "/api/v1/kb/sections", json={"category_id": category, "names": {"en": "All"}}
    ).json()["id"]
    response = client.post(
        "/api/v1/kb/articles",
        json={
            "section_id": section,
            "language": language,
            "title": title,
            "body": body,
            "visibility": visibility,
            "publish": True,
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def ids(response: object) -> set[tuple[str, int]]:
    body = response.json()  # type: ignore[attr-defined]
    return {(item["type"], item["id"]) for item in body["items"]}


def test_each_member_finds_only_what_they_may_see(world: World) -> None:
    mine = ticket_for(world, "customer", "Broken tent", "The tent zip broke", team=world.team_a)
    theirs = ticket_for(world, "other", "Tent pole", "The tent pole broke", team=world.team_a)
    note = world.agent.client.post(
        f"/api/v1/tickets/{mine}/notes", json={"text": "secret tent vendor"}
    )
    assert note.status_code == 201
    public = article(world, "Tent repairs", "We repair every broken tent.")
    internal = article(
        world, "Tent vendor list", "Internal: tent suppliers.", visibility="internal"
    )
    index_pending(world.fd)

    def found(member: str, q: str = "tent") -> set[tuple[str, int]]:
        response = getattr(world, member).client.get("/api/v1/search", params={"q": q})
        assert response.status_code == 200, response.text
        return ids(response)

    everything = {("ticket", mine), ("ticket", theirs), ("article", public), ("article", internal)}
    assert everything <= found("admin")
    assert everything <= found("agent")
    assert found("other_agent") & {("ticket", mine), ("ticket", theirs)} == set()
    assert found("customer") == {("ticket", mine), ("article", public)}
    assert found("other_customer") == {("ticket", theirs), ("article", public)}
    assert found("customer", "vendor") == set()  # the internal note and article stay hidden
    assert found("agent", "vendor") == {("ticket", mine), ("article", internal)}
    assert world.anonymous.client.get("/api/v1/search", params={"q": "tent"}).status_code == 401
    suggested = world.anonymous.client.get(
        "/api/v1/kb/suggestions", params={"q": "my tent is broken"}
    )
    assert ids(suggested) == {("article", public)}
    [item] = suggested.json()["items"]
    assert item["url"] == f"/help/en/articles/{public}-tent-repairs"
    assert "<mark>" in item["snippet"]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_answer_results_or_nothing_never_an_error(world: World, query: str) -> None:
    ticket_for(world, "customer", "Broken tent", "The tent zip broke", team=None)
    article(world, "Tent repairs", "We repair every broken tent.")
    index_pending(world.fd)
    for client, path in (
        (world.admin.client, "/api/v1/search"),
        (world.customer.client, "/api/v1/search"),
        (world.anonymous.client, "/api/v1/kb/suggestions"),
        (world.anonymous.client, "/help/en/search"),
    ):
        response = client.get(path, params={"q": query})
        assert response.status_code == 200, (path, response.text[:300])


def test_an_article_goes_from_draft_to_the_help_center_with_its_history(world: World) -> None:
    client = world.agent.client
    category = client.post(
        "/api/v1/kb/categories", json={"names": {"en": "Orders", "el": "Παραγγελίες"}}
    ).json()["id"]
    section = client.post(
        "/api/v1/kb/sections", json={"category_id": category, "names": {"el": "Αποστολές"}}
    ).json()["id"]
    created = client.post(
        "/api/v1/kb/articles",
        json={
            "section_id": section,
            "language": "el",
            "title": "Πού είναι το δέμα μου;",
            "body": "Δείτε τον **αριθμό αποστολής**.<script>alert(1)</script>",
        },
    )
    assert created.status_code == 201, created.text
    article_id = created.json()["id"]
    [translation] = created.json()["translations"]
    assert translation["status"] == "draft"
    assert translation["slug"] == "πού-είναι-το-δέμα-μου"
    page = f"/help/el/articles/{article_id}-{translation['slug']}"
    assert world.anonymous.client.get(page).status_code == 404  # a draft is not shown

    published = client.post(f"/api/v1/kb/articles/{article_id}/translations/el/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    saved = client.put(
        f"/api/v1/kb/articles/{article_id}/translations/el",
        json={"title": "Πού είναι το δέμα μου;", "body": "Νέο κείμενο, όχι ακόμα δημοσιευμένο."},
    )
    assert saved.status_code == 200
    versions = client.get(f"/api/v1/kb/articles/{article_id}/translations/el/versions").json()
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["published_at"] is not None and versions[1]["published_at"] is None

    reader = world.anonymous.client
    shown = reader.get(page)
    assert shown.status_code == 200
    html = shown.text
    assert "<strong>αριθμό αποστολής</strong>" in html
    assert "<script>alert" not in html and "Νέο κείμενο" not in html  # readers see version 1
    assert '<html lang="el">' in html
    assert f'<link rel="canonical" href="http://127.0.0.1:8000{page}">' in html
    moved = reader.get(f"/help/el/articles/{article_id}-old-slug", follow_redirects=False)
    assert moved.status_code == 301 and unquote(moved.headers["location"]) == page
    assert reader.get(f"/help/en/articles/{article_id}-x").status_code == 404  # no English
    assert reader.get("/help/xx").status_code == 404

    voted = reader.post(page + "/vote", data={"helpful": "yes"}, follow_redirects=False)
    assert voted.status_code == 303
    reader.post(page + "/vote", data={"helpful": "no"})  # the same reader changes their mind
    after = client.get(f"/api/v1/kb/articles/{article_id}").json()["translations"][0]
    assert (after["helpful_yes"], after["helpful_no"]) == (0, 1)
    assert after["views"] >= 2

    sitemap = reader.get("/help/sitemap.xml")
    assert sitemap.headers["content-type"].startswith("application/xml")
    assert f"/help/el/articles/{article_id}-" in sitemap.text
    home = reader.get("/help/el")
    assert "Παραγγελίες" in home.text and "Πού είναι το δέμα μου;" in home.text
    assert reader.get("/help", headers={"Accept-Language": "el-GR,el;q=0.9"}).url.path == "/help/el"
    index_pending(world.fd)
    found = reader.get("/help/el/search", params={"q": "δεματα"})
    assert re.search(rf'href="/help/el/articles/{article_id}-[^"]+"', found.text)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "english!", "title": "T"}, "language"),
        ({"language": "en", "title": "   "}, "title"),
        ({"language": "en", "title": "T", "body": "a\x00b"}, "body"),
        ({"language": "en", "title": "T", "visibility": "secret"}, "visibility"),
    ],
)
def test_bad_articles_are_refused_with_the_field_and_nothing_is_written(
    world: World, body: dict[str, str], field: str
) -> None:
    client = world.agent.client
    category = client.post("/api/v1/kb/categories", json={"names": {"en": "Help"}}).json()["id"]
    section = client.post(
        "/api/v1/kb/sections", json={"category_id": category, "names": {"en": "All"}}
    ).json()["id"]
    response = client.post("/api/v1/kb/articles", json={"section_id": section, **body})
    assert response.status_code == 422, response.text
    assert field in response.text
    assert client.get("/api/v1/kb/articles").json() == []


def test_agents_see_articles_that_may_answer_a_ticket_in_its_language_first(world: World) -> None:
    english = article(world, "Broken zips", "How to send a tent with a broken zip for repair.")
    greek = article(
        world, "Σπασμένο φερμουάρ", "Στείλτε τη σκηνή με το σπασμένο φερμουάρ.", language="el"
    )
    article(world, "Gift cards", "Gift cards are valid for two years.")
    ticket = ticket_for(
        world,
        "customer",
        "Σπασμένο φερμουάρ",
        "Το φερμουάρ της σκηνής έσπασε - zip broken",
        team=world.team_a,
    )
    world.admin.client.patch(f"/api/v1/tickets/{ticket}", json={"language": "el"})
    index_pending(world.fd)
    response = world.agent.client.get(f"/api/v1/tickets/{ticket}/article-suggestions")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["id"] for i in items] == [greek, english]
    assert items[0]["url"].startswith(f"/help/el/articles/{greek}-")
    hidden = world.other_agent.client.get(f"/api/v1/tickets/{ticket}/article-suggestions")
    assert hidden.status_code == 404
