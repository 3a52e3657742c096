"""The workspace and the portal in a real browser: what an agent and a customer do."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.domain.portal import issue_signin_token
from frontdesk.models import Message, Ticket
from tests.web.conftest import DESKTOP, PHONE, LiveServer, screenshot
from tests.web.helpers import make_desk, sign_in


def test_an_agent_replies_notes_and_assigns_and_the_customer_sees_the_reply(
    live: LiveServer, page_factory: Any
) -> None:
    desk = make_desk(live.fd)
    page = page_factory()
    sign_in(page, live.url, "ana@example.com")
    screenshot(page, "inbox-desktop")

    page.click(f"tr[data-ticket='{desk.ticket_id}'] td.subject a")
    page.wait_for_url(f"{live.url}/tickets/{desk.ticket_id}")
    assert "The zip broke on the second night." in page.inner_text(".timeline")

    page.fill("#composer-text", "A new zip is in the post — Վաղը կստանաք։")
    page.click("#composer button[hx-post$='/preview']")
    page.wait_for_selector("#preview >> text=A new zip is in the post — Վաղը կստանաք։")
    page.click("#composer button[type=submit]")
    page.wait_for_selector(".msg.outgoing >> text=A new zip is in the post")

    page.keyboard.press("Escape")
    page.keyboard.press("n")  # the note shortcut switches the composer to a note
    page.keyboard.type("Customer is a regular; offered express shipping.")
    page.click("#composer button[type=submit]")
    page.wait_for_selector(".msg.note >> text=offered express shipping")

    page.select_option("#p-assignee", str(desk.second_id))
    page.wait_for_selector("#properties .saved")
    screenshot(page, "ticket-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "ticket-phone")

    with live.fd.read() as session:
        ticket = session.get_one(Ticket, desk.ticket_id)
        assert ticket.assignee_id == desk.second_id
        messages = list(
            session.scalars(
                select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)
            )
        )
        assert [(m.direction, m.is_internal) for m in messages] == [
            ("in", False),
            ("out", False),
            ("out", True),
        ]
        assert messages[1].author_agent_id == desk.agent_id

    customer = page_factory(PHONE)
    token = issue_signin_token(live.fd.secret_key, desk.contact_id, live.fd.clock.now())
    customer.goto(f"{live.url}/portal/signin?token={token}")
    customer.click("form[action='/portal/signin'] button")
    customer.wait_for_url(f"{live.url}/portal/tickets")
    customer.click(f"a[href='/portal/tickets/{desk.ticket_id}']")
    text = customer.inner_text(".timeline")
    assert "A new zip is in the post — Վաղը կստանաք։" in text
    assert "express shipping" not in text  # internal notes stay internal
    screenshot(customer, "portal-ticket-phone")

    customer.fill("#p-text", "Thank you!")
    customer.click("form[action$='/reply'] button[type=submit]")
    customer.wait_for_selector(".timeline >> text=Thank you!")


def test_a_second_agent_on_the_same_ticket_sees_the_first_one_typing(
    live: LiveServer, page_factory: Any
) -> None:
    desk = make_desk(live.fd)
    ana, ben = page_factory(), page_factory()
    sign_in(ana, live.url, "ana@example.com")
    sign_in(ben, live.url, "ben@example.com")
    url = f"{live.url}/tickets/{desk.ticket_id}"
    ben.goto(url)
    ana.goto(url)
    ben.wait_for_selector("#presence >> text=Ana Agent is also viewing")
    ana.click("#composer-text")
    ana.keyboard.type("Let me check the warehouse")
    ben.wait_for_selector("#presence >> text=Ana Agent is typing…")
    screenshot(ben, "presence-desktop")


def test_a_new_customer_message_shows_in_the_open_inbox_without_reloading(
    live: LiveServer, page_factory: Any
) -> None:
    from frontdesk.channels.base import InboundMessage, Sender
    from frontdesk.domain.bootstrap import default_api_inbox
    from frontdesk.domain.inbound import receive

    make_desk(live.fd)
    page = page_factory()
    sign_in(page, live.url, "ana@example.com")
    page.wait_for_function("document.body.dataset.agent")
    page.evaluate("window.__same_page = true")
    with live.fd.transaction() as tx:
        receive(
            tx,
            InboundMessage(
                inbox_id=default_api_inbox(tx).id,
                sender=Sender(kind="email", address="jana@example.si", name="Jana"),
                subject="Kje je moj paket?",
                text="Naročila sem pred tednom dni.",
            ),
        )
    page.wait_for_selector("td.subject >> text=Kje je moj paket?")
    assert page.evaluate("window.__same_page") is True  # updated in place, not reloaded


def test_the_web_form_opens_a_ticket_and_the_pages_read_in_tamil(
    live: LiveServer, page_factory: Any
) -> None:
    make_desk(live.fd)
    visitor = page_factory(DESKTOP, locale="ta-IN")
    visitor.goto(f"{live.url}/portal")
    assert visitor.get_attribute("html", "lang") == "ta"
    screenshot(visitor, "portal-home-tamil")
    visitor.fill("#r-name", "முருகன்")
    visitor.fill("#r-email", "murugan@example.in")
    visitor.fill("#r-subject", "ஆர்டர் வரவில்லை")
    visitor.fill("#r-message", "என் ஆர்டர் இன்னும் வரவில்லை.")
    visitor.click("form[action='/portal/requests'] button[type=submit]")
    visitor.wait_for_selector("strong >> text=#")
    with live.fd.read() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert ticket is not None and ticket.subject == "ஆர்டர் வரவில்லை"
        message = session.scalars(select(Message).where(Message.ticket_id == ticket.id)).one()
        assert message.channel == "webform"
        assert ticket.contact.name == "முருகன்"


def test_the_inbox_moves_with_j_and_k_and_opens_with_o(live: LiveServer, page_factory: Any) -> None:
    desk = make_desk(live.fd)
    page = page_factory(PHONE)
    sign_in(page, live.url, "ana@example.com")
    screenshot(page, "inbox-phone")
    page.keyboard.press("j")
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    assert page.is_visible("#help")
    screenshot(page, "help-phone")
    page.keyboard.press("Escape")
    page.keyboard.press("o")
    page.wait_for_url(f"{live.url}/tickets/{desk.ticket_id}")
