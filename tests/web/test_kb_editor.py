"""The knowledge base editor, article files and deflection counts, over HTTP as the
members of the test world use them, on both databases."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from frontdesk.clock import FrozenClock
from frontdesk.models import KbSuggestionEvent
from frontdesk.search.indexer import index_pending
from frontdesk.web.routes import portal
from tests.conftest import ApiClient, World

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def answers_not_followed(world: World) -> None:
    """Each form's own answer (a 303 to the editor) is what these tests check."""
    for member in world.members:
        member.client.follow_redirects = False


def kb_section(world: World) -> tuple[int, int]:
    client = world.agent.client
    made = client.post("/kb/categories", data={"name_el": "Παραγγελίες", "name_en": "Orders"})
    assert made.status_code == 303, made.text
    category = client.get("/api/v1/kb/categories").json()[-1]["id"]
    made = client.post("/kb/sections", data={"category_id": category, "name_el": "Αποστολή"})
    assert made.status_code == 303, made.text
    section = client.get("/api/v1/kb/categories").json()[-1]["sections"][0]["id"]
    return category, section


def new_article(world: World, section: int, language: str, title: str, **more: str) -> int:
    made = world.agent.client.post(
        "/kb/articles",
        data={"section_id": section, "language": language, "title": title, **more},
    )
    assert made.status_code == 303, made.text
    return int(made.headers["location"].split("/")[3])


def test_an_agent_writes_a_greek_article_publishes_it_and_restores_an_old_version(
    world: World,
) -> None:
    client, reader = world.agent.client, world.anonymous.client
    _, section = kb_section(world)
    article = new_article(world, section, "el", "Πού είναι η παραγγελία μου;")
    editor = f"/kb/articles/{article}/translations/el"
    page = client.get(editor)
    assert page.status_code == 200 and "Πού είναι η παραγγελία μου;" in page.text

    body = "Η **αποστολή** διαρκεί τρεις μέρες."
    saved = client.post(editor, data={"title": "Πού είναι η παραγγελία μου;", "body": body})
    assert saved.status_code == 303
    assert reader.get(f"/help/el/articles/{article}-x").status_code == 404  # a draft

    client.post(
        editor, data={"title": "Πού είναι η παραγγελία μου;", "body": body, "action": "publish"}
    )
    help_page = reader.get(f"/help/el/articles/{article}-x", follow_redirects=True)
    assert help_page.status_code == 200
    assert "<strong>αποστολή</strong> διαρκεί τρεις μέρες" in help_page.text

    client.post(editor, data={"title": "Νέος τίτλος", "body": "Δεύτερο κείμενο"})
    help_page = reader.get(f"/help/el/articles/{article}-x", follow_redirects=True)
    assert "τρεις μέρες" in help_page.text and "Δεύτερο" not in help_page.text

    versions = client.get(f"/api/v1/kb/articles/{article}/translations/el/versions").json()
    assert [v["number"] for v in versions] == [1, 2, 3, 4]
    restored = client.post(f"{editor}/versions/2/restore")
    assert restored.status_code == 303
    translation = client.get(f"/api/v1/kb/articles/{article}").json()["translations"][0]
    assert (translation["title"], translation["body"]) == ("Πού είναι η παραγγελία μου;", body)
    assert len(client.get(f"/api/v1/kb/articles/{article}/translations/el/versions").json()) == 5
    assert "Νέος τίτλος" in client.get(editor).text  # the history keeps every state

    overview = client.get("/kb").text
    assert (
        "Πού είναι η παραγγελία μου;" in overview
        and f"/kb/articles/{article}/translations/hy" in overview
    )


def test_visibility_and_unpublishing_take_the_article_away_from_readers(world: World) -> None:
    client, reader = world.agent.client, world.anonymous.client
    _, section = kb_section(world)
    article = new_article(world, section, "hy", "Վերադարձ")
    editor = f"/kb/articles/{article}/translations/hy"
    client.post(editor, data={"title": "Վերադարձ", "body": "Տասնչորս օր", "action": "publish"})
    url = f"/help/hy/articles/{article}-x"
    assert reader.get(url, follow_redirects=True).status_code == 200
    client.post(
        f"/kb/articles/{article}/settings",
        data={"visibility": "internal", "section_id": section, "back": "hy"},
    )
    assert reader.get(url, follow_redirects=True).status_code == 404
    client.post(
        f"/kb/articles/{article}/settings", data={"visibility": "public", "section_id": section}
    )
    assert reader.get(url, follow_redirects=True).status_code == 200
    assert client.post(f"{editor}/unpublish").status_code == 303
    assert reader.get(url, follow_redirects=True).status_code == 404


def test_bad_input_in_the_editor_gets_a_clear_answer(world: World) -> None:
    client = world.agent.client
    _, section = kb_section(world)
    article = new_article(world, section, "lv", "Piegāde")
    editor = f"/kb/articles/{article}/translations/lv"
    assert client.post(editor, data={"title": "  ", "body": "x"}).status_code == 422
    assert client.post(editor, data={"title": "a\x00b"}).status_code == 422
    assert client.post(f"/kb/articles/{article}/translations/xx-!!").status_code == 422
    assert client.post("/kb/categories", data={"name_en": "  "}).status_code == 422
    assert client.get("/kb/articles/999999/translations/en").status_code == 404
    assert client.post(f"{editor}/versions/99/restore").status_code == 404
    light = world.light_agent.client
    assert light.get(editor).status_code == 200
    assert light.post(editor, data={"title": "Piegāde", "body": "x"}).status_code == 403


def test_the_preview_is_rendered_and_sanitised_like_the_help_center(world: World) -> None:
    body = (
        "# Τίτλος\n\n<script>alert(1)</script> [x](javascript:alert(1)) "
        "![far](https://tracker.example/p.png) ![own](/help/files/1/map.png)"
    )
    html = world.agent.client.post("/kb/preview", data={"body": body}).text
    assert "<h1>Τίτλος</h1>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "tracker.example" not in html
    assert 'src="/help/files/1/map.png"' in html


def upload(client: ApiClient, article: int, name: str, data: bytes) -> Any:
    return client.post(f"/api/v1/kb/articles/{article}/files", files={"file": (name, data)})


def test_files_are_stored_once_served_to_those_who_may_read_them_and_checked(
    world: World,
) -> None:
    client, reader = world.agent.client, world.anonymous.client
    _, section = kb_section(world)
    article = new_article(world, section, "el", "Χάρτης")
    stored = upload(client, article, "χάρτης.png", PNG)
    assert stored.status_code == 201, stored.text
    file = stored.json()
    assert file["content_type"] == "image/png" and file["markdown"].startswith("![χάρτης.png](<")
    again = upload(client, article, "copy.png", PNG).json()
    assert again["id"] != file["id"]
    assert world.fd.storage.path_for(_sha(world, file["id"])).read_bytes() == PNG

    assert reader.get(file["url"]).status_code == 404  # the article is not published yet
    assert client.get(file["url"]).content == PNG
    editor = f"/kb/articles/{article}/translations/el"
    markdown = f"Δείτε τον χάρτη:\n\n{file['markdown']}"
    client.post(editor, data={"title": "Χάρτης", "body": markdown, "action": "publish"})
    served = reader.get(file["url"])
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    page = reader.get(f"/help/el/articles/{article}-x", follow_redirects=True).text
    assert f'src="/help/files/{file["id"]}/' in page

    client.patch(f"/api/v1/kb/articles/{article}", json={"visibility": "internal"})
    assert reader.get(file["url"]).status_code == 404
    assert world.customer.client.get(file["url"]).status_code == 404
    assert client.get(file["url"]).status_code == 200

    assert upload(client, article, "big.png", PNG + b"\x00" * (5 * 1024 * 1024)).status_code == 413
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert upload(client, article, "x.svg", svg).status_code == 415
    assert upload(client, article, "x.png", b"<html><script>1</script></html>").status_code == 415
    assert upload(client, article, "bin.exe", b"MZ\x90\x00\x03\x00").status_code == 415
    assert upload(client, article, "empty.png", b"").status_code == 422
    assert upload(client, 999_999, "x.png", PNG).status_code == 404
    assert upload(world.light_agent.client, article, "x.png", PNG).status_code == 403
    text = upload(client, article, "σημειώσεις.txt", "Σημείωση".encode())
    assert text.json()["markdown"].startswith("[σημειώσεις.txt](<")
    assert client.get("/help/files/999999/x.png").status_code == 404


def test_the_editor_upload_answers_json_to_its_script_and_a_page_to_a_plain_form(
    world: World,
) -> None:
    client = world.agent.client
    _, section = kb_section(world)
    article = new_article(world, section, "sl", "Zemljevid")
    url = f"/kb/articles/{article}/files"
    by_script = client.post(
        url, files={"file": ("karta.png", PNG)}, headers={"Accept": "application/json"}
    )
    assert by_script.status_code == 201 and by_script.json()["markdown"].startswith("![karta.png]")
    refused = client.post(
        url,
        files={"file": ("x.svg", b"<svg><script/></svg>")},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 415 and "PNG" in refused.json()["detail"]
    by_form = client.post(url, files={"file": ("druga.png", PNG)}, data={"back": "sl"})
    assert by_form.status_code == 303
    editor = client.get(by_form.headers["location"]).text
    assert "druga.png" in editor and "karta.png" in editor


def _sha(world: World, file_id: int) -> str:
    from frontdesk.models import KbFile

    with world.fd.read() as session:
        return session.get_one(KbFile, file_id).sha256


def visitor(world: World) -> ApiClient:
    """A new anonymous browser on the portal, with its own session."""
    client = ApiClient(
        world.anonymous.client.app, raise_server_exceptions=False, follow_redirects=False
    )
    page = client.get("/portal").text
    match = CSRF.search(page)
    assert match
    client.csrf = match.group(1)
    return client


def suggested(client: ApiClient, subject: str) -> list[int]:
    html = client.get("/portal/suggestions", params={"subject": subject}).text
    return [int(n) for n in re.findall(r'href="/portal/suggestions/(\d+)\?', html)]


def send_request(client: ApiClient, subject: str) -> None:
    form = {"name": "Ελένη", "email": "eleni@example.gr", "subject": subject, "message": "Βοήθεια"}
    assert client.post("/portal/requests", data=form).status_code == 200


def test_deflection_counts_visits_that_opened_a_suggestion_and_sent_nothing(
    world: World, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portal.form_limit, "max_per_window", 1000)
    client = world.agent.client
    _, section = kb_section(world)
    refunds = new_article(world, section, "el", "Επιστροφή χρημάτων")
    client.post(
        f"/kb/articles/{refunds}/translations/el",
        data={
            "title": "Επιστροφή χρημάτων",
            "body": "Η επιστροφή γίνεται σε πέντε μέρες.",
            "action": "publish",
        },
    )
    index_pending(world.fd)

    deflected = visitor(world)  # opens the article, sends nothing
    assert suggested(deflected, "επιστροφή") == [refunds]
    opened = deflected.get(f"/portal/suggestions/{refunds}", params={"lang": "el"})
    assert opened.status_code == 303 and opened.headers["location"].startswith(
        f"/help/el/articles/{refunds}-"
    )
    deflected.get(f"/portal/suggestions/{refunds}", params={"lang": "el"})  # counted once

    sent_anyway = visitor(world)  # opens it, then writes to us all the same
    assert suggested(sent_anyway, "επιστροφές χρημάτων") == [refunds]
    sent_anyway.get(f"/portal/suggestions/{refunds}", params={"lang": "el"})
    send_request(sent_anyway, "Επιστροφή")
    # A new visit starts after sending: its suggestions are counted on their own.
    assert suggested(sent_anyway, "επιστροφή") == [refunds]

    glanced = visitor(world)  # saw the suggestion, opened nothing
    suggested(glanced, "επιστροφή")
    nothing = visitor(world)  # typed words no article has: no visit is counted
    assert suggested(nothing, "zzzz qqqq") == []
    stray = visitor(world)  # opening an article that was never suggested is not counted
    stray.get(f"/portal/suggestions/{refunds}", params={"lang": "el"})

    report = world.admin.client.get("/api/v1/kb/deflection").json()
    assert report["total"] == {"shown": 4, "opened": 2, "submitted": 1, "deflected": 1}
    assert report["articles"] == [
        {
            "article_id": refunds,
            "title": "Επιστροφή χρημάτων",
            "shown": 4,
            "opened": 2,
            "deflected": 1,
        }
    ]
    with world.fd.read() as session:
        kinds = sorted(session.scalars(select(KbSuggestionEvent.kind)))
    assert kinds == ["opened", "opened", "shown", "shown", "shown", "shown", "submitted"]

    later = (clock.now() + timedelta(hours=1)).isoformat()
    empty = world.admin.client.get("/api/v1/kb/deflection", params={"since": later}).json()
    assert empty["total"] == {"shown": 0, "opened": 0, "submitted": 0, "deflected": 0}
    assert world.agent.client.get("/api/v1/kb/deflection").status_code == 403
    assert (
        world.admin.client.get("/api/v1/kb/deflection", params={"since": "soon"}).status_code == 422
    )

    page = world.admin.client.get("/kb/deflection").text
    assert 'data-count="deflected">1<' in page and "Επιστροφή χρημάτων" in page
    assert world.agent.client.get("/kb/deflection").status_code == 403
