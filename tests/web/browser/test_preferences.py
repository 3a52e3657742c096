"""In a real browser: an agent picks a time zone and the workspace follows it; an admin
tests an inbox's connection without leaving the page; a customer rates a solved ticket
from the link of the mail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.domain import tickets
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.domain.satisfaction import issue_rating_token
from frontdesk.models import Message, SatisfactionRating
from frontdesk.web.i18n import Formats
from tests.web.conftest import PHONE, LiveServer, screenshot
from tests.web.helpers import make_desk, sign_in
from tests.webhook_receiver import webhook_receiver


def test_an_agent_chooses_a_time_zone_and_every_time_follows_it(
    live: LiveServer, page_factory: Any
) -> None:
    desk = make_desk(live.fd)
    with live.fd.read() as session:
        at = session.scalars(select(Message.created_at)).first()
    page = page_factory()
    sign_in(page, live.url, "ana@example.com")
    page.click("a.who")
    page.wait_for_url(f"{live.url}/profile")
    page.select_option("#pr-zone", "Asia/Kolkata")
    page.click("form[action='/profile'] button[type=submit]")
    page.wait_for_selector(".saved")
    screenshot(page, "profile-desktop")

    page.goto(f"{live.url}/tickets/{desk.ticket_id}")
    shown = page.inner_text(
        f".timeline time[datetime='{at.replace(tzinfo=None).isoformat()}+00:00']"
    )
    assert shown == Formats("en", "Asia/Kolkata").datetime(at)


def test_an_admin_tests_a_webhook_without_leaving_the_page(
    live: LiveServer, page_factory: Any
) -> None:
    make_desk(live.fd)
    with webhook_receiver(statuses=[503]) as receiver:
        with live.fd.transaction() as tx:
            inbox = create_inbox(
                tx,
                SYSTEM,
                name="Shop",
                kind="api",
                config={"webhook_url": receiver.url},
                team_id=None,
            ).id
        page = page_factory()
        sign_in(page, live.url, "admin@example.com")
        page.goto(f"{live.url}/admin/inboxes/{inbox}")
        page.click("form[action$='/test'] button")
        page.wait_for_selector("#check-result li.failed >> text=503")
        assert page.url == f"{live.url}/admin/inboxes/{inbox}"
        page.click("form[action$='/test'] button")
        page.wait_for_selector("#check-result li.ok >> text=200")
        screenshot(page, "inbox-test-desktop")
        assert len(receiver.deliveries) == 2


def test_a_customer_rates_a_solved_ticket_from_the_mailed_link(
    live: LiveServer, page_factory: Any
) -> None:
    desk = make_desk(live.fd)
    with live.fd.transaction() as tx:
        tickets.update_ticket(tx, SYSTEM, desk.ticket_id, {"status": "solved"})
    token = issue_rating_token(live.fd.secret_key, desk.ticket_id, desk.contact_id)
    page = page_factory(PHONE, locale="hy-AM")
    page.goto(f"{live.url}/rate?token={token}&score=bad")
    assert page.is_checked("input[name=score][value=bad]")
    page.check("input[name=score][value=good]")
    page.fill("#rating-comment", "Շատ արագ էր")
    page.click("#rating button[type=submit]")
    page.wait_for_selector(".rating-good")
    screenshot(page, "rating-phone")
    with live.fd.read() as session:
        rating = session.scalars(select(SatisfactionRating)).one()
    assert (rating.score, rating.comment) == ("good", "Շատ արագ էր")
