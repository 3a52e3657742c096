"""Agents' own time zone and language, the desk's general settings, customers' ratings of
solved tickets, and the separate hourly limits of sign-in and reset mails: over HTTP, on
both databases."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from frontdesk.api.routes.auth import limiter
from frontdesk.domain import tickets
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.domain.satisfaction import issue_rating_token
from frontdesk.jobs.worker import Worker
from frontdesk.models import Agent, AuditEntry, Inbox, Job, Message, SatisfactionRating
from frontdesk.runtime import Frontdesk
from frontdesk.web.i18n import Formats
from frontdesk.web.routes import portal
from tests.email.smtp_server import smtp_server
from tests.web.helpers import make_desk
from tests.web.test_pages import csrf_of, signed_in


def run_jobs(fd: Frontdesk) -> None:
    """Run the due jobs in a thread of their own, as a worker does: the browser tests of
    the same session keep an event loop running in this one, and sending mail starts its
    own."""
    worker = threading.Thread(target=Worker(fd, name="test").run_until_idle)
    worker.start()
    worker.join()


def message_time(fd: Frontdesk, ticket_id: int) -> Any:
    with fd.read() as session:
        return session.scalars(
            select(Message.created_at).where(Message.ticket_id == ticket_id)
        ).first()


def test_an_agent_sees_every_time_on_their_own_clock(fd: Frontdesk, app: Any) -> None:
    desk = make_desk(fd)
    client, token = signed_in(app, "ana@example.com")
    at = message_time(fd, desk.ticket_id)
    utc = Formats("en", None).datetime(at)
    yerevan = Formats("en", "Asia/Yerevan").datetime(at)
    assert utc != yerevan
    assert utc in client.get(f"/tickets/{desk.ticket_id}").text

    saved = client.post(
        "/profile",
        data={
            "name": "Ana A.",
            "time_zone": "Asia/Yerevan",
            "ui_language": "",
            "csrf_token": token,
        },
        follow_redirects=False,
    )

    assert saved.status_code == 303
    page = client.get(f"/tickets/{desk.ticket_id}").text
    assert yerevan in page and utc not in page
    assert yerevan in client.get("/inbox").text
    with fd.read() as session:
        agent = session.get_one(Agent, desk.agent_id)
        assert (agent.name, agent.time_zone) == ("Ana A.", "Asia/Yerevan")
    # The next sign-in, on another device, keeps it.
    again, _ = signed_in(app, "ana@example.com")
    assert yerevan in again.get(f"/tickets/{desk.ticket_id}").text


def test_a_time_zone_that_does_not_exist_is_refused(fd: Frontdesk, app: Any) -> None:
    make_desk(fd)
    client, token = signed_in(app, "ana@example.com")
    for zone in ("Mars/Olympus_Mons", "../../etc/passwd", "Europe/Riga\x00"):
        answer = client.post(
            "/profile", data={"name": "Ana", "time_zone": zone, "csrf_token": token}
        )
        assert answer.status_code == 422, zone
    bad_language = client.post(
        "/profile", data={"name": "Ana", "ui_language": "xx", "csrf_token": token}
    )
    assert bad_language.status_code == 422
    with fd.read() as session:
        assert (
            session.scalars(select(Agent.time_zone).where(Agent.email == "ana@example.com")).one()
            is None
        )


def test_the_profile_language_follows_the_agent_to_the_next_sign_in(
    fd: Frontdesk, app: Any
) -> None:
    make_desk(fd)
    client, token = signed_in(app, "ana@example.com")
    client.post("/profile", data={"name": "Ana", "ui_language": "el", "csrf_token": token})
    fresh, _ = signed_in(app, "ana@example.com")
    assert 'lang="el"' in fresh.get("/inbox").text


def test_the_portal_names_the_zone_of_its_times(fd: Frontdesk, app: Any) -> None:
    from frontdesk.domain.portal import issue_signin_token

    desk = make_desk(fd)
    at = message_time(fd, desk.ticket_id)
    client = TestClient(app, raise_server_exceptions=False)
    signin = issue_signin_token(fd.secret_key, desk.contact_id, fd.clock.now())
    client.post("/portal/signin", data={"token": signin, "csrf_token": csrf_of(client, "/portal")})
    page = client.get(f"/portal/tickets/{desk.ticket_id}").text
    assert Formats("en", "UTC").datetime(at) in page and ">UTC<" in page

    with fd.transaction() as tx:
        from frontdesk.models import Contact

        tx.session.get_one(Contact, desk.contact_id).time_zone = "Asia/Kolkata"
    fd.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]  # a link works once
    again = TestClient(app, raise_server_exceptions=False)
    signin = issue_signin_token(fd.secret_key, desk.contact_id, fd.clock.now())
    again.post("/portal/signin", data={"token": signin, "csrf_token": csrf_of(again, "/portal")})
    page = again.get(f"/portal/tickets/{desk.ticket_id}").text
    assert Formats("en", "Asia/Kolkata").datetime(at) in page and "Asia/Kolkata" in page


def test_admins_change_the_general_settings_and_everyone_sees_them(fd: Frontdesk, app: Any) -> None:
    desk = make_desk(fd)
    admin, token = signed_in(app, "admin@example.com")
    agent, agent_token = signed_in(app, "ana@example.com")
    form = {
        "desk_name": "Αυρόρα Υποστήριξη",
        "default_language": "sl",
        "default_time_zone": "Europe/Ljubljana",
        "portal_enabled": "true",
        "csrf_token": token,
    }
    assert agent.get("/admin/settings").status_code == 403
    assert (
        agent.post("/admin/settings", data={**form, "csrf_token": agent_token}).status_code == 403
    )

    assert admin.post("/admin/settings", data=form, follow_redirects=False).status_code == 303

    visitor = TestClient(app, raise_server_exceptions=False)
    home = visitor.get("/portal", headers={"Accept-Language": "ja"}).text
    assert "<title>" in home and "Αυρόρα Υποστήριξη</title>" in home
    assert 'lang="sl"' in home
    assert 'lang="el"' in visitor.get("/portal", headers={"Accept-Language": "el"}).text
    at = message_time(fd, desk.ticket_id)
    assert (
        Formats("sl", "Europe/Ljubljana").datetime(at)
        in agent.get(f"/tickets/{desk.ticket_id}").text
    )
    with fd.read() as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "settings.updated"))
    assert entry.changes["desk_name"] == ["Frontdesk", "Αυρόρα Υποστήριξη"]
    assert entry.changes["satisfaction_enabled"] == [True, False]

    # Turning the portal off takes it away; the workspace stays.
    assert admin.post("/admin/settings", data={**form, "portal_enabled": ""}).status_code == 200
    assert visitor.get("/portal").status_code == 404
    assert (
        visitor.post(
            "/portal/link", data={"email": "a@b.org", "csrf_token": csrf_of(visitor, "/login")}
        ).status_code
        == 404
    )
    assert agent.get("/inbox").status_code == 200


def test_settings_that_make_no_sense_are_refused(fd: Frontdesk, app: Any) -> None:
    make_desk(fd)
    admin, token = signed_in(app, "admin@example.com")
    good = {"desk_name": "Desk", "default_language": "en", "default_time_zone": "UTC"}
    for field, value in (
        ("desk_name", "   "),
        ("default_language", "xx"),
        ("default_time_zone", "Nowhere/Special"),
    ):
        answer = admin.post("/admin/settings", data={**good, field: value, "csrf_token": token})
        assert answer.status_code == 422, field
    assert "Frontdesk</title>" in admin.get("/admin/settings").text


def solved_ticket(fd: Frontdesk, ticket_id: int) -> None:
    with fd.transaction() as tx:
        tickets.update_ticket(tx, SYSTEM, ticket_id, {"status": "solved"})


def test_a_customer_rates_a_solved_ticket_by_the_mailed_link_and_may_change_it(
    fd: Frontdesk, app: Any
) -> None:
    desk = make_desk(fd)
    with smtp_server() as smtp:
        with fd.transaction() as tx:
            create_inbox(
                tx,
                SYSTEM,
                name="Mail",
                kind="email",
                config={"address": "help@example.com", "smtp": smtp.config()},
                team_id=None,
            )
        solved_ticket(fd, desk.ticket_id)
        run_jobs(fd)
        [mail] = smtp.messages
    body = mail.get_body(("plain",)).get_content()
    assert mail["To"].addresses[0].addr_spec == "ani@example.org"
    good = re.search(r"(http\S+/rate\?token=\S+&score=good)", body)
    assert good, body
    path = good.group(1).split("8000", 1)[1]

    visitor = TestClient(app, raise_server_exceptions=False)
    page = visitor.get(path)
    assert page.status_code == 200 and 'value="good" required checked' in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    csrf = csrf_of(visitor, "/portal")
    rated = visitor.post("/rate", data={"token": token, "score": "good", "csrf_token": csrf})
    assert rated.status_code == 200
    changed = visitor.post(
        "/rate",
        data={"token": token, "score": "bad", "comment": "Ցավոք՝ ուշ", "csrf_token": csrf},
    )
    assert changed.status_code == 200

    with fd.read() as session:
        [rating] = session.scalars(select(SatisfactionRating))
        audits = session.scalars(
            select(AuditEntry.changes).where(AuditEntry.action == "ticket.rated")
        ).all()
    assert (rating.score, rating.comment) == ("bad", "Ցավոք՝ ուշ")
    assert [a["satisfaction"] for a in audits] == [[None, "good"], ["good", "bad"]]

    agent, _ = signed_in(app, "ana@example.com")
    ticket_page = agent.get(f"/tickets/{desk.ticket_id}").text
    assert "Ցավոք՝ ուշ" in ticket_page and "rating-bad" in ticket_page

    with fd.transaction() as tx:
        tickets.update_ticket(tx, SYSTEM, desk.ticket_id, {"status": "closed"})
    late = visitor.post("/rate", data={"token": token, "score": "good", "csrf_token": csrf})
    assert late.status_code == 409
    forged = visitor.get("/rate?token=" + token[:-3] + "abc&score=good")
    assert forged.status_code == 403


def test_the_customer_panel_shows_the_satisfaction_history(fd: Frontdesk, app: Any) -> None:
    desk = make_desk(fd)
    solved_ticket(fd, desk.ticket_id)
    token = issue_rating_token(fd.secret_key, desk.ticket_id, desk.contact_id)
    visitor = TestClient(app, raise_server_exceptions=False)
    csrf = csrf_of(visitor, "/portal")
    visitor.post(
        "/rate", data={"token": token, "score": "good", "comment": "Fast", "csrf_token": csrf}
    )
    with fd.transaction() as tx:
        from frontdesk.channels.base import InboundMessage, Sender
        from frontdesk.domain.inbound import receive
        from frontdesk.models import Ticket

        inbox_id = tx.session.get_one(Ticket, desk.ticket_id).inbox_id
        later = receive(
            tx,
            InboundMessage(
                inbox_id=inbox_id,
                sender=Sender(contact_id=desk.contact_id),
                subject="Another question",
                text="Hello again",
            ),
        ).ticket.id
    agent, _ = signed_in(app, "ana@example.com")
    panel = agent.get(f"/tickets/{later}").text
    history = panel.split("satisfaction", 1)[1]
    assert f'href="/tickets/{desk.ticket_id}"' in history and "Fast" in history
    assert "rating-good" in history


def test_a_ticket_not_solved_cannot_be_rated_and_the_portal_offers_it_once_solved(
    fd: Frontdesk, app: Any
) -> None:
    from frontdesk.domain.portal import issue_signin_token

    desk = make_desk(fd)
    client = TestClient(app, raise_server_exceptions=False)
    signin = issue_signin_token(fd.secret_key, desk.contact_id, fd.clock.now())
    client.post("/portal/signin", data={"token": signin, "csrf_token": csrf_of(client, "/portal")})
    csrf = csrf_of(client, "/portal/tickets")
    early = client.post(
        f"/portal/tickets/{desk.ticket_id}/rating", data={"score": "good", "csrf_token": csrf}
    )
    assert early.status_code == 409
    assert "How did we do?" not in client.get(f"/portal/tickets/{desk.ticket_id}").text
    solved_ticket(fd, desk.ticket_id)
    offered = client.get(f"/portal/tickets/{desk.ticket_id}").text
    assert "How did we do?" in offered
    assert f'action="/portal/tickets/{desk.ticket_id}/rating"' in offered
    nonsense = client.post(
        f"/portal/tickets/{desk.ticket_id}/rating", data={"score": "meh", "csrf_token": csrf}
    )
    assert nonsense.status_code == 422
    rated = client.post(
        f"/portal/tickets/{desk.ticket_id}/rating",
        data={"score": "good", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert rated.status_code == 303
    with fd.read() as session:
        assert session.scalars(select(SatisfactionRating.score)).one() == "good"


def test_sign_in_links_and_password_resets_each_have_their_own_hourly_limit(
    fd: Frontdesk, app: Any
) -> None:
    make_desk(fd)
    with smtp_server() as smtp:
        with fd.transaction() as tx:
            create_inbox(
                tx,
                SYSTEM,
                name="Mail",
                kind="email",
                config={"address": "help@example.com", "smtp": smtp.config()},
                team_id=None,
            )
            # Ana is an agent and, with the same address, a customer too.
            from frontdesk.domain.contacts import IdentityRef, create_contact

            create_contact(tx, SYSTEM, {"name": "Ana"}, [IdentityRef("email", "ana@example.com")])
        portal.form_limit._hits.clear()
        limiter._failures.clear()
        client = TestClient(app, raise_server_exceptions=False)
        csrf = csrf_of(client, "/portal")
        for _ in range(2):
            client.post("/portal/link", data={"email": "ana@example.com", "csrf_token": csrf})
            client.post("/password-reset", data={"email": "ana@example.com", "csrf_token": csrf})
            run_jobs(fd)
        subjects = sorted(m["Subject"] for m in smtp.messages)
    # One of each in the hour, not one of either; the second of each waits for the next hour.
    assert subjects == ["Choose a new password", "Your sign-in link"]
    with fd.read() as session:
        purposes = sorted(
            j.payload["purpose"]
            for j in session.scalars(select(Job).where(Job.kind == "send_email_notice"))
        )
    assert purposes == ["password_reset", "password_reset", "signin_link", "signin_link"]


def test_an_admin_edits_an_email_channel_and_an_empty_password_keeps_the_saved_one(
    fd: Frontdesk, app: Any
) -> None:
    make_desk(fd)
    smtp = {"host": "mail.example.com", "port": 587, "username": "u", "password": "Գաղտնի-1"}
    with fd.transaction() as tx:
        inbox = create_inbox(
            tx,
            SYSTEM,
            name="Mail",
            kind="email",
            config={"address": "help@example.com", "smtp": smtp},
            team_id=None,
        ).id
    admin, token = signed_in(app, "admin@example.com")
    page = admin.get(f"/admin/inboxes/{inbox}").text
    assert "Գաղտնի-1" not in page and 'value="mail.example.com"' in page
    form = {
        "csrf_token": token,
        "name": "Help mail",
        "address": "help@example.com",
        "from_name": "Aurora",
        "imap.host": "imap.example.com",
        "imap.port": "993",
        "imap.security": "tls",
        "imap.username": "u",
        "imap.password": "imap secret",
        "imap.folder": "Support",
        "smtp.host": "smtp.example.com",
        "smtp.port": "465",
        "smtp.security": "tls",
        "smtp.username": "u",
        "smtp.password": "",
    }
    saved = admin.post(f"/admin/inboxes/{inbox}", data=form, follow_redirects=False)
    assert saved.status_code == 303
    with fd.read() as session:
        config = session.get_one(Inbox, inbox).config
    assert config["smtp"]["password"] == "Գաղտնի-1"
    assert (config["smtp"]["host"], config["smtp"]["port"]) == ("smtp.example.com", 465)
    assert (config["imap"]["folder"], config["imap"]["password"]) == ("Support", "imap secret")

    bad_port = admin.post(f"/admin/inboxes/{inbox}", data={**form, "smtp.port": "seventy"})
    assert bad_port.status_code == 422 and "smtp.port" in bad_port.text
    off = admin.post(f"/admin/inboxes/{inbox}", data={**form, "imap.host": ""})
    assert off.status_code == 200
    with fd.read() as session:
        assert session.get_one(Inbox, inbox).config["imap"] is None
    assert admin.get("/admin/inboxes/999999").status_code == 404


def test_an_admin_sets_up_a_chat_channel_and_its_invitations_stay(fd: Frontdesk, app: Any) -> None:
    make_desk(fd)
    rule = {"name": "Pricing", "path_prefix": "/pricing", "message": {"en": "Questions?"}}
    with fd.transaction() as tx:
        inbox = create_inbox(
            tx, SYSTEM, name="Chat", kind="chat", config={"invitations": [rule]}, team_id=None
        ).id
    admin, token = signed_in(app, "admin@example.com")
    page = admin.get(f"/admin/inboxes/{inbox}").text
    assert f'data-inbox="{inbox}"' in page  # the code to put on a site
    form = {
        "csrf_token": token,
        "name": "Chat",
        "allowed_origins": "https://shop.example.com\nhttps://help.example.org",
        "color": "#aa3300",
        "position": "left",
        "greeting.hy": "Բարև, ինչո՞վ կարող ենք օգնել",
        "greeting.ta": "வணக்கம்!",
        "prechat.enabled": "true",
        "prechat.require_email": "true",
        "bot_answers_first": "true",
    }
    saved = admin.post(f"/admin/inboxes/{inbox}", data=form, follow_redirects=False)
    assert saved.status_code == 303
    with fd.read() as session:
        config = session.get_one(Inbox, inbox).config
    assert config["allowed_origins"] == ["https://shop.example.com", "https://help.example.org"]
    assert (config["color"], config["position"], config["bot_answers_first"]) == (
        "#aa3300",
        "left",
        True,
    )
    assert config["greeting"] == {"hy": "Բարև, ինչո՞վ կարող ենք օգնել", "ta": "வணக்கம்!"}
    assert config["prechat"] == {"enabled": True, "ask_name": False, "require_email": True}
    assert config["invitations"][0]["name"] == "Pricing"  # set through the API, kept
    page = admin.get(f"/admin/inboxes/{inbox}").text
    assert "Բարև, ինչո՞վ կարող ենք օգնել" in page and 'value="#aa3300"' in page

    bad = admin.post(f"/admin/inboxes/{inbox}", data={**form, "allowed_origins": "not a site"})
    assert bad.status_code == 422
    with fd.read() as session:
        assert session.get_one(Inbox, inbox).config["color"] == "#aa3300"
