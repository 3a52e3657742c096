"""A visitor in a real browser (Debian's Chromium, driven by Playwright) on a page of
another origin chats with an agent who is a real API and event-stream client (the agent's
chats page in a browser is test_chat_agent_ui.py)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from frontdesk.models import ChatInvitation, ChatSession, ChatVisitor, Contact
from tests.chat.helpers import agent_events, chat_inbox, set_online
from tests.conftest import World
from tests.servers import served_in_thread

CHROMIUM = os.environ.get("FRONTDESK_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 30_000

sync_api = pytest.importorskip("playwright.sync_api")


@contextmanager
def shop_page(html: str) -> Iterator[str]:
    """A web shop on its own origin (another port), serving one page."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is needed at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def desk_url(app: Any) -> Iterator[str]:
    with served_in_thread(app) as url:
        # The page is on 127.0.0.1; the help desk answers on "localhost": another origin.
        yield url.replace("127.0.0.1", "localhost")


def page_html(desk: str, inbox: int, locale: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><title>Tent shop</title></head><body>"
        "<h1>Tents</h1>"
        f"<script src='{desk}/chat/widget.js' data-inbox='{inbox}' data-locale='{locale}' async>"
        "</script></body></html>"
    )


@pytest.mark.slow
@pytest.mark.parametrize("websockets_blocked", [False, True], ids=["websocket", "fallback"])
def test_a_visitor_on_another_origin_chats_with_an_agent(
    world: World, desk_url: str, browser: Any, websockets_blocked: bool
) -> None:
    fd = world.fd
    set_online(fd, world.agent.id)
    assert world.agent.token
    inbox = chat_inbox(fd, allowed_origins=["*"], color="#0a7d4f")
    with shop_page(page_html(desk_url, inbox, "el")) as shop:
        assert shop.split(":")[1] != desk_url.split(":")[1]  # 127.0.0.1 and localhost
        page = browser.new_page()
        if websockets_blocked:
            # A network that refuses WebSockets: every attempt is closed at once.
            page.route_web_socket("**/chat/*/socket", lambda ws: ws.close())
        page.goto(shop + "/pricing")
        launcher = page.locator("[data-frontdesk-chat] >> css=button.launch")
        sync_api.expect(launcher).to_have_text("Συνομιλήστε μαζί μας", timeout=WAIT_MS)
        launcher.click()
        status = page.locator("[data-frontdesk-chat] >> css=.status")
        sync_api.expect(status).to_have_text("Είμαστε συνδεδεμένοι", timeout=WAIT_MS)
        box = page.locator("[data-frontdesk-chat] >> css=textarea")
        with agent_events(desk_url.replace("localhost", "127.0.0.1"), world.agent.token) as events:
            box.fill("Γεια σας! Έχετε σκηνή για τέσσερις;")
            box.press("Enter")
            waiting = events.until(lambda e: e["type"] == "chat.waiting")
            assert waiting["page_url"] == shop + "/pricing"
            chat_id = waiting["chat_id"]
            with httpx.Client(
                base_url=desk_url, headers={"Authorization": f"Bearer {world.agent.token}"}
            ) as agent:
                agent.post(f"/api/v1/chats/{chat_id}/accept").raise_for_status()
                sync_api.expect(status).to_have_text("Σας απαντά ο/η Agent", timeout=WAIT_MS)
                agent.post(f"/api/v1/chats/{chat_id}/typing", json={"active": True})
                typing = page.locator("[data-frontdesk-chat] >> css=.typing")
                sync_api.expect(typing).to_have_text("Ο/Η Agent πληκτρολογεί…", timeout=WAIT_MS)
                box.type("Κ")  # the agent sees the visitor typing
                assert events.until(lambda e: e["type"] == "chat.typing" and e["by"] == "visitor")
                agent.post(
                    f"/api/v1/chats/{chat_id}/reply", json={"text": "Ναι, τη «Μετέωρα 4»."}
                ).raise_for_status()
                agent_bubbles = page.locator("[data-frontdesk-chat] >> css=.m.agent")
                sync_api.expect(agent_bubbles.last).to_contain_text(
                    "Ναι, τη «Μετέωρα 4».", timeout=WAIT_MS
                )
                # The panel is open, so the reply is read at once: the agent hears of it.
                read = events.until(lambda e: e["type"] == "chat.read" and e["by"] == "visitor")
                assert read["chat_id"] == chat_id
                visitor_id = agent.get(f"/api/v1/chats/{chat_id}").json()["transcript"][0]["id"]
                agent.post(f"/api/v1/chats/{chat_id}/read", json={"message_id": visitor_id})
                seen = page.locator("[data-frontdesk-chat] >> css=.seen")
                sync_api.expect(seen).to_have_text("Προβλήθηκε", timeout=WAIT_MS)

        # A reload keeps the conversation (the token is in localStorage), once.
        page.reload()
        page.locator("[data-frontdesk-chat] >> css=button.launch").click()
        bubbles = page.locator("[data-frontdesk-chat] >> css=.m[data-id]")
        sync_api.expect(bubbles).to_have_count(2, timeout=WAIT_MS)
        page.close()


@pytest.mark.slow
def test_an_invited_visitor_finds_nobody_online_and_leaves_a_message(
    world: World, desk_url: str, browser: Any
) -> None:
    fd = world.fd
    rule = {
        "name": "tents",
        "path_prefix": "/tents",
        "seconds_on_page": 0,
        "message": {"hy": "Վրան ե՞ք ընտրում։ Գրեք մեզ։", "en": "Choosing a tent?"},
    }
    inbox = chat_inbox(fd, allowed_origins=["*"], invitations=[rule])
    with shop_page(page_html(desk_url, inbox, "hy")) as shop:
        page = browser.new_page()
        page.goto(shop + "/tents/4-person")
        invitation = page.locator("[data-frontdesk-chat] >> css=.invite")
        sync_api.expect(invitation).to_have_text("Վրան ե՞ք ընտրում։ Գրեք մեզ։", timeout=WAIT_MS)
        invitation.click()
        status = page.locator("[data-frontdesk-chat] >> css=.status")
        sync_api.expect(status).to_have_text("Այժմ առցանց ոչ ոք չկա", timeout=WAIT_MS)
        form = page.locator("[data-frontdesk-chat] >> css=form.offline")
        form.locator("input[name=name]").fill("Անի")
        form.locator("input[name=email]").fill("ani@example.am")
        form.locator("textarea").fill("Ունե՞ք չորս հոգու վրան։")
        form.locator("button[type=submit]").click()
        bubbles = page.locator("[data-frontdesk-chat] >> css=.m.visitor[data-id]")
        sync_api.expect(bubbles).to_have_count(1, timeout=WAIT_MS)
        page.close()
    with fd.read() as session:
        chat = session.scalars(select(ChatSession)).one()
        visitor = session.get_one(ChatVisitor, chat.visitor_id)
        contact = session.get_one(Contact, visitor.contact_id)
        assert chat.state == "offline"
        assert chat.page_url == shop + "/tents/4-person"
        assert (visitor.name, visitor.email) == ("Անի", "ani@example.am")
        assert {(i.kind, i.address) for i in contact.identities} >= {("email", "ani@example.am")}
        assert session.scalars(select(ChatInvitation.answered_at)).one() is not None
