"""A visitor on a page of another origin chats with an agent who uses the workspace's
chats page: both in real browsers (Debian's Chromium, driven by Playwright)."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.domain import agents
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.canned import create_canned
from frontdesk.kb import articles
from frontdesk.models import ChatSession, Message, Ticket
from frontdesk.search.indexer import index_pending
from tests.chat.helpers import chat_inbox, set_online
from tests.chat.test_chat_browser import (  # the browser and the two origins
    WAIT_MS,
    browser,  # noqa: F401
    desk_url,  # noqa: F401
    page_html,
    shop_page,
    sync_api,
)
from tests.conftest import World
from tests.web.helpers import PASSWORD, sign_in

WIDGET = "[data-frontdesk-chat] >> css="


@pytest.mark.slow
def test_an_agent_chats_with_a_visitor_from_the_chats_page(
    world: World,
    desk_url: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    fd = world.fd
    with fd.transaction() as tx:
        nare = agents.create_agent(
            tx,
            SYSTEM,
            email="nare@example.am",
            name="Nare",
            password=PASSWORD,
            team_ids=[world.team_a],
        ).id
        agents.create_agent(
            tx,
            SYSTEM,
            email="ben@example.net",
            name="Ben",
            password=PASSWORD,
            team_ids=[world.team_a],
        )
        create_canned(tx, SYSTEM, "Greeting", "Γεια σας {{contact.first_name}}! Πώς βοηθάμε;")
    set_online(fd, nare)
    inbox = chat_inbox(fd, team_id=world.team_a, allowed_origins=["*"])

    # The agent works in Greek (the browser asks for it).
    desk_context = browser.new_context(locale="el-GR")
    desk = desk_context.new_page()
    sign_in(desk, desk_url, "nare@example.am")
    desk.click("nav.mainnav a[href='/chats']")
    desk.wait_for_url(f"{desk_url}/chats")
    sync_api.expect(desk.locator("h1")).to_have_text("Συνομιλίες")
    load = desk.locator("#chat-load")
    sync_api.expect(load).to_have_text("Οι συνομιλίες σας: 0 από 3")
    sync_api.expect(desk.locator("#chat-availability")).to_have_value("online")
    sync_api.expect(desk.locator("#chats[data-live=true]")).to_have_count(1, timeout=WAIT_MS)

    with shop_page(page_html(desk_url, inbox, "hy")) as shop:
        visitor = browser.new_context().new_page()
        visitor.goto(shop + "/pricing")
        visitor.locator(WIDGET + "button.launch").click()
        box = visitor.locator(WIDGET + "textarea")
        box.fill("Բարև, ես Անին եմ")
        box.press("Enter")
        visitor.locator(WIDGET + "form").wait_for()

        # The waiting chat appears without a reload; accepting it opens the conversation.
        waiting = desk.locator("#chats-waiting li[data-chat]")
        sync_api.expect(waiting).to_have_count(1, timeout=WAIT_MS)
        waiting.locator("button[data-accept]").click()
        sync_api.expect(desk.locator("#chat-page")).to_have_text(shop + "/pricing", timeout=WAIT_MS)
        sync_api.expect(desk.locator("#chat-log li.from-visitor")).to_contain_text(
            ["Բարև, ես Անին եմ"], timeout=WAIT_MS
        )
        sync_api.expect(load).to_have_text("Οι συνομιλίες σας: 1 από 3", timeout=WAIT_MS)
        status = visitor.locator(WIDGET + ".status")
        sync_api.expect(status).to_have_text("Ձեզ պատասխանում է Nare", timeout=WAIT_MS)

        # The agent sees the visitor typing.
        box.type("Ու")
        sync_api.expect(desk.locator("#chat-typing")).to_be_visible(timeout=WAIT_MS)
        sync_api.expect(desk.locator("#chat-typing")).to_have_text("Ο επισκέπτης πληκτρολογεί…")

        # A canned reply goes into the box, and out with its placeholders filled in.
        desk.select_option("#chat-canned", label="Greeting")
        sync_api.expect(desk.locator("#chat-text")).to_have_value(
            "Γεια σας {{contact.first_name}}! Πώς βοηθάμε;"
        )
        desk.locator("#chat-text").press("Enter")
        reply = visitor.locator(WIDGET + ".m.agent[data-id]")
        sync_api.expect(reply).to_contain_text("Πώς βοηθάμε;", timeout=WAIT_MS)

        box.fill("Ունե՞ք վրան")
        box.press("Enter")
        sync_api.expect(desk.locator("#chat-log li.from-visitor")).to_have_count(2, timeout=WAIT_MS)

        # Transfer to a colleague with a note, then end the chat.
        desk.select_option("#chat-transfer-to", label="Ben")
        desk.fill("#chat-transfer-note", "Ρωτά για σκηνές")
        desk.click("#chat-transfer button[type=submit]")
        sync_api.expect(status).to_have_text("Ձեզ պատասխանում է Ben", timeout=WAIT_MS)
        sync_api.expect(desk.locator("#chat-log li.note")).to_contain_text(
            ["Ρωτά για σκηνές"], timeout=WAIT_MS
        )
        sync_api.expect(load).to_have_text("Οι συνομιλίες σας: 0 από 3", timeout=WAIT_MS)
        desk.click("#chat-end")
        sync_api.expect(status).to_have_text("Զրույցն ավարտված է", timeout=WAIT_MS)
        sync_api.expect(desk.locator("#chat-state")).to_have_text("Έληξε", timeout=WAIT_MS)
        visitor.close()
    desk_context.close()

    with fd.read() as session:
        chat = session.query(ChatSession).one()
        ticket = session.get_one(Ticket, chat.ticket_id)
        assert (chat.state, chat.transfers, ticket.status) == ("ended", 1, "solved")
        texts = [m.text for m in session.query(Message).order_by(Message.id)]
        assert texts[1].startswith("Γεια σας ") and "{{" not in texts[1]


@pytest.mark.slow
def test_the_bot_answers_in_the_widget_and_the_agent_reads_what_it_said(
    world: World,
    desk_url: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    fd = world.fd
    with fd.transaction() as tx:
        nare = agents.create_agent(
            tx,
            SYSTEM,
            email="nare@example.am",
            name="Nare",
            password=PASSWORD,
            team_ids=[world.team_a],
        ).id
        category = articles.create_category(tx, SYSTEM, {"lv": "Palīdzība"})
        section = articles.create_section(tx, SYSTEM, category.id, {"lv": "Viss"})
        articles.create_article(
            tx,
            SYSTEM,
            section.id,
            "lv",
            articles.Draft("Piegādes laiki", "Pakas nosūtām divu darba dienu laikā."),
            publish=True,
        )
    index_pending(fd)
    set_online(fd, nare)
    inbox = chat_inbox(fd, team_id=world.team_a, allowed_origins=["*"], bot_answers_first=True)

    desk = browser.new_context(locale="lv-LV").new_page()
    sign_in(desk, desk_url, "nare@example.am")
    desk.goto(f"{desk_url}/chats")
    sync_api.expect(desk.locator("#chats[data-live=true]")).to_have_count(1, timeout=WAIT_MS)

    with shop_page(page_html(desk_url, inbox, "lv")) as shop:
        visitor = browser.new_context().new_page()
        visitor.goto(shop + "/")
        visitor.locator(WIDGET + "button.launch").click()
        box = visitor.locator(WIDGET + "textarea")
        box.fill("Cik ilgi notiek piegāde pakām?")
        box.press("Enter")
        answer = visitor.locator(WIDGET + ".m.bot").first
        sync_api.expect(answer.locator(".article a")).to_have_text(
            "Piegādes laiki", timeout=WAIT_MS
        )
        href = answer.locator(".article a").get_attribute("href") or ""
        assert href.startswith("http://127.0.0.1:8000/help/lv/articles/")
        sync_api.expect(answer.locator(".excerpt")).to_contain_text("divu darba dienu")
        status = visitor.locator(WIDGET + ".status")
        sync_api.expect(status).to_have_text(
            "Vispirms atbild mūsu palīgs; cilvēks ir viena klikšķa attālumā"
        )
        # The bot has the chat: the agent's queue lists it apart, offered to nobody yet.
        sync_api.expect(desk.locator("#chats-bot li[data-chat]")).to_have_count(1, timeout=WAIT_MS)
        sync_api.expect(desk.locator("#chats-waiting li[data-chat]")).to_have_count(0)

        answer.locator("button.person").click()
        sync_api.expect(status).to_have_text(
            "Gaidām, kad pievienosies darbinieks…", timeout=WAIT_MS
        )
        sync_api.expect(visitor.locator(WIDGET + "button.person")).to_have_count(0)

        waiting = desk.locator("#chats-waiting li[data-chat]")
        sync_api.expect(waiting).to_have_count(1, timeout=WAIT_MS)
        waiting.locator("button[data-accept]").click()
        said = desk.locator("#chat-log li.from-bot")
        sync_api.expect(said).to_have_count(2, timeout=WAIT_MS)
        sync_api.expect(said.first).to_contain_text("Robots")
        sync_api.expect(said.first).to_contain_text("Piegādes laiki")
        sync_api.expect(said.last).to_contain_text("Nododu jūs kolēģim")
        sync_api.expect(status).to_have_text("Jums atbild Nare", timeout=WAIT_MS)
