"""Hostile text in every field a customer or an agent controls renders as text: no dialog
opens and no script runs, on any page that shows it."""

from __future__ import annotations

from typing import Any

from frontdesk.domain import agents
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.portal import issue_signin_token
from tests.web.conftest import LiveServer, screenshot
from tests.web.helpers import make_desk, sign_in

SUBJECT = "<img src=x onerror=alert('subject')> Order"
BODY = "<svg onload=alert('body')></svg> where is it? <script>alert('script')</script>"
HTML = (
    "<p>Hello</p><a href=\"javascript:alert('link')\">track</a>"
    "<img src=x onerror=\"alert('html')\"><svg><script>alert('svg')</script></svg>"
    "<iframe srcdoc=\"<script>alert('frame')</script>\"></iframe>"
)
NAME = "<script>alert('name')</script><img src=x onerror=alert('name2')>"
FILENAME = "<img src=x onerror=alert('file')>.txt"
AGENT_NAME = "<img src=x onerror=alert('agent')>Eve"


def test_payloads_in_subject_body_name_and_file_render_inert_on_every_page(
    live: LiveServer, page_factory: Any
) -> None:
    desk = make_desk(
        live.fd, subject=SUBJECT, body=BODY, customer=NAME, html=HTML, attachment=FILENAME
    )
    with live.fd.transaction() as tx:
        agents.update_agent(tx, SYSTEM, desk.second_id, {"name": AGENT_NAME})
    page = page_factory()
    sign_in(page, live.url, "ana@example.com")
    agent_pages = [
        "/inbox",
        f"/tickets/{desk.ticket_id}",
        f"/tickets/{desk.ticket_id}/conversation",
        "/contacts",
        f"/contacts/{desk.contact_id}",
    ]
    for path in agent_pages:
        page.goto(live.url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0, path
        assert page.evaluate("document.querySelectorAll('[onerror], [onload]').length") == 0, path
    page.goto(f"{live.url}/tickets/{desk.ticket_id}")
    assert SUBJECT in page.inner_text("h1")
    assert "<script>alert('name')</script>" in page.inner_text(".customer h2")
    assert "onerror=alert('file')" in page.inner_text(".files")
    # The sanitised message keeps its text; the javascript: link lost its target.
    hrefs = page.eval_on_selector_all(".msg-body a", "links => links.map(a => a.href)")
    assert all(not h.startswith("javascript:") for h in hrefs)
    page.click(".msg-body >> text=track")
    screenshot(page, "xss-ticket-desktop")

    # The hostile agent name reaches others through presence too.
    eve_page = page_factory()
    sign_in(eve_page, live.url, "ben@example.com")
    eve_page.goto(f"{live.url}/tickets/{desk.ticket_id}")
    eve_page.click("#composer-text")
    eve_page.keyboard.type("hello")
    page.wait_for_selector("#presence >> text=typing")
    assert "onerror" in page.inner_text("#presence")

    customer = page_factory()
    token = issue_signin_token(live.fd.secret_key, desk.contact_id, live.fd.clock.now())
    customer.goto(f"{live.url}/portal/signin?token={token}")
    customer.click("form[action='/portal/signin'] button")
    customer.wait_for_url(f"{live.url}/portal/tickets")
    assert SUBJECT in customer.inner_text(".portal-tickets")
    customer.goto(f"{live.url}/portal/tickets/{desk.ticket_id}")
    customer.wait_for_load_state("networkidle")
    assert "Hello" in customer.inner_text(".timeline")
    assert customer.evaluate("document.querySelectorAll('[onerror], [onload]').length") == 0

    assert page_factory.dialogs == []
