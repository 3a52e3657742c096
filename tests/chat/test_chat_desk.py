"""The agent's side of chat and what visitors do around it: capacity, transfer, ending and
reopening, offline messages answered by email, transcripts, invitations, files, and the
event-stream fallback. Real servers, real clients, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from frontdesk.jobs.worker import Worker
from frontdesk.models import ChatInvitation, ChatSession, Message, Ticket
from tests.chat.helpers import Visitor, agent_events, chat_inbox, set_online, visitor
from tests.conftest import World, count
from tests.email.smtp_server import SmtpServer, smtp_server
from tests.servers import served_in_thread


@pytest.fixture
def base(app: Any) -> Iterator[str]:
    with served_in_thread(app) as url:
        yield url


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def api(base: str, token: str | None) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def start_chat(base: str, inbox: int, text: str) -> tuple[Visitor, Any, int]:
    """A visitor who wrote; returns the open socket's context, the visitor and the chat id."""
    context = visitor(base, inbox)
    guest = context.__enter__()
    guest.hello()
    guest.write(text)
    chat = guest.until(lambda f: f["type"] == "chat" and f["id"])
    return guest, context, chat["id"]


def test_an_agent_takes_three_chats_by_default_and_the_fourth_is_refused(
    world: World, base: str
) -> None:
    fd = world.fd
    inbox = chat_inbox(fd, team_id=world.team_a)
    set_online(fd, world.agent.id)
    opened = [start_chat(base, inbox, f"Ερώτηση {n}") for n in range(5)]
    try:
        with api(base, world.agent.token) as agent:
            waiting = agent.get("/api/v1/chats", params={"state": "waiting"}).json()["items"]
            assert [c["id"] for c in waiting] == [chat_id for _, _, chat_id in opened]
            codes = [agent.post(f"/api/v1/chats/{c}/accept").status_code for _, _, c in opened[:4]]
            assert codes == [200, 200, 200, 409]
            refusal = agent.post(f"/api/v1/chats/{opened[3][2]}/accept").json()
            assert "capacity" in refusal["detail"]
            # The admin lets this agent take five.
            with api(base, world.admin.token) as admin:
                raised = admin.put(
                    f"/api/v1/agents/{world.agent.id}/chat-capacity", json={"max_chats": 5}
                )
                assert raised.status_code == 200
                assert admin.post(f"/api/v1/chats/{opened[0][2]}/accept").status_code == 409
            assert agent.post(f"/api/v1/chats/{opened[3][2]}/accept").status_code == 200
            mine = agent.get("/api/v1/chats", params={"mine": "true", "state": "active"})
            assert len(mine.json()["items"]) == 4
            # A waiting chat nobody accepted cannot be replied to yet.
            assert (
                agent.post(f"/api/v1/chats/{opened[4][2]}/reply", json={"text": "Hi"}).status_code
                == 409
            )
    finally:
        for _, context, _ in opened:
            context.__exit__(None, None, None)


def test_a_transfer_hands_the_chat_with_its_transcript_to_another_agent_or_team(
    world: World, base: str
) -> None:
    fd = world.fd
    inbox = chat_inbox(fd, team_id=world.team_a)
    set_online(fd, world.agent.id)
    set_online(fd, world.other_agent.id)
    guest, context, chat_id = start_chat(base, inbox, "Ik wil mijn rekening wijzigen")
    try:
        with api(base, world.agent.token) as agent, api(base, world.other_agent.token) as other:
            agent.post(f"/api/v1/chats/{chat_id}/accept").raise_for_status()
            agent.post(
                f"/api/v1/chats/{chat_id}/reply", json={"text": "Een moment"}
            ).raise_for_status()
            # To team B: the chat waits again, offered to team B's online agents.
            with agent_events(base, world.other_agent.token) as events:
                moved = agent.post(
                    f"/api/v1/chats/{chat_id}/transfer",
                    json={
                        "team_id": world.team_b,
                        "note": "Billing question, wants to change plan",
                    },
                )
                assert moved.status_code == 200, moved.text
                assert (moved.json()["state"], moved.json()["transfers"]) == ("waiting", 1)
                offer = events.until(lambda e: e["type"] == "chat.transferred")
                assert offer["offered_to"] == [world.other_agent.id]
            assert agent.get(f"/api/v1/chats/{chat_id}").status_code == 404  # team A's no more
            seen = other.get(f"/api/v1/chats/{chat_id}").json()
            assert [(m["from"], m["internal"], m["text"]) for m in seen["transcript"]] == [
                ("visitor", False, "Ik wil mijn rekening wijzigen"),
                ("agent", False, "Een moment"),
                ("agent", True, "Billing question, wants to change plan"),
            ]
            with agent_events(base, world.other_agent.token) as events:
                other.post(f"/api/v1/chats/{chat_id}/accept").raise_for_status()
                assert guest.until(lambda f: f["type"] == "chat" and f["agent"] == "Other_Agent")
                # The visitor typing now shows to the new owner, in the other team.
                guest.send({"type": "typing", "active": True})
                typing = events.until(lambda e: e["type"] == "chat.typing" and e["by"] == "visitor")
                assert typing["team_id"] == world.team_b
            # The note never reaches the visitor.
            assert not any(f.get("text", "").startswith("Billing") for f in guest.seen)
            # Agent to agent: refused when the colleague has no free seat.
            with api(base, world.admin.token) as admin:
                admin.put(f"/api/v1/agents/{world.admin.id}/chat-capacity", json={"max_chats": 1})
                other.post(
                    f"/api/v1/chats/{chat_id}/transfer", json={"agent_id": world.admin.id}
                ).raise_for_status()
                assert admin.get(f"/api/v1/chats/{chat_id}").json()["agent_id"] == world.admin.id
    finally:
        context.__exit__(None, None, None)


def test_an_ended_chat_is_a_solved_ticket_that_reopens_when_the_visitor_writes_again(
    world: World, base: str
) -> None:
    fd = world.fd
    inbox = chat_inbox(fd)
    set_online(fd, world.agent.id)
    guest, context, chat_id = start_chat(base, inbox, "Ալո")
    try:
        with api(base, world.agent.token) as agent:
            agent.post(f"/api/v1/chats/{chat_id}/accept").raise_for_status()
            ended = agent.post(f"/api/v1/chats/{chat_id}/end")
            assert ended.json()["state"] == "ended"
            assert guest.until(lambda f: f["type"] == "chat" and f["state"] == "ended")
            with fd.read() as session:
                ticket = session.get_one(Ticket, ended.json()["ticket_id"])
                assert ticket.status == "solved"
            guest.write("Մի հարց էլ ունեմ")
            again = guest.until(lambda f: f["type"] == "chat" and f["id"] != chat_id)
            assert again["state"] == "waiting"
            with fd.read() as session:
                assert session.get_one(Ticket, ticket.id).status == "open"
                second = session.get_one(ChatSession, again["id"])
                assert second.ticket_id == ticket.id
            # The visitor may end it too.
            guest.send({"type": "end"})
            guest.until(lambda f: f["type"] == "chat" and f["state"] == "ended")
    finally:
        context.__exit__(None, None, None)


def test_with_nobody_online_the_visitor_leaves_a_message_answered_by_email(
    world: World, base: str, smtp: SmtpServer, worker: Worker
) -> None:
    fd = world.fd
    with api(base, world.admin.token) as admin:
        email_inbox = admin.post(
            "/api/v1/inboxes",
            json={
                "name": "Support mail",
                "kind": "email",
                "config": {"address": "help@shop.example", "smtp": smtp.config()},
            },
        ).json()["id"]
    inbox = chat_inbox(fd, email_inbox_id=email_inbox)
    with visitor(base, inbox) as guest:
        welcome = guest.hello(locale="sl")
        assert welcome["online"] is False
        guest.send({"type": "prechat", "name": "Špela", "email": "Spela@Example.si"})
        assert guest.until("visitor")["email"] == "Spela@Example.si"
        guest.write("Ali pošiljate v Ljubljano?")
        chat = guest.until(lambda f: f["type"] == "chat" and f["id"])
        assert chat["state"] == "offline"
        guest.send({"type": "transcript"})
        assert guest.until("transcript")["email"] == "spela@example.si"
        for _ in range(2):
            guest.send({"type": "transcript", "email": "someone@example.org"})
            assert guest.until("transcript")["email"] == "someone@example.org"
        # A fourth within the hour is refused: the widget cannot be used to mail-bomb.
        guest.send({"type": "transcript", "email": "someone@example.org"})
        refused = guest.until("error")
        assert (refused["code"], refused["field"]) == ("invalid", "transcript")
    with api(base, world.agent.token) as agent:
        offline = agent.get("/api/v1/chats", params={"state": "offline"}).json()["items"]
        assert offline[0]["visitor"] == {
            "contact_id": offline[0]["visitor"]["contact_id"],
            "name": "Špela",
            "email": "spela@example.si",
        }
        ticket_id = offline[0]["ticket_id"]
        agent.post(
            f"/api/v1/tickets/{ticket_id}/reply", json={"text": "Da, v dveh dneh."}
        ).raise_for_status()
    assert worker.run_until_idle() == 4
    transcripts = [m for m in smtp.messages if m["Subject"] == "Vaš klepet z nami"]
    assert [m["To"] for m in transcripts] == [
        "spela@example.si",
        "someone@example.org",
        "someone@example.org",
    ]
    assert "Ali pošiljate v Ljubljano?" in transcripts[0].get_content()
    [answer] = [m for m in smtp.messages if m["Subject"] != "Vaš klepet z nami"]
    assert answer["To"].addresses[0].addr_spec == "spela@example.si"
    assert "Da, v dveh dneh." in answer.get_content()
    with fd.read() as session:
        sent = session.query(Message).filter_by(direction="out").one()
        assert sent.delivery_status == "sent"


def test_invitations_follow_the_rules_and_never_pester(world: World, base: str) -> None:
    fd = world.fd
    rules = [
        {
            "name": "pricing",
            "path_prefix": "/pricing",
            "seconds_on_page": 20,
            "message": {"en": "Questions about plans?", "el": "Ερωτήσεις για τα πακέτα;"},
        },
    ]
    inbox = chat_inbox(fd, invitations=rules, invitations_per_day=2)
    with visitor(base, inbox) as guest:
        guest.hello(locale="el", page={"url": "https://shop.example/pricing/team"})
        rule = guest.until("invitation.rule")
        assert (rule["rule"], rule["after"]) == ("pricing", 20)
        guest.send({"type": "invite", "rule": "pricing"})
        shown = guest.until("invitation")
        assert shown["message"] == "Ερωτήσεις για τα πακέτα;"
        token = guest.seen[0]["token"]
        # Unanswered: no second invitation, in this tab or another.
        guest.send({"type": "invite", "rule": "pricing"})
        guest.send({"type": "ping"})
        assert guest.until(lambda f: f["type"] in ("invitation", "pong"))["type"] == "pong"
    with visitor(base, inbox) as tab:
        tab.hello(token=token, page={"url": "https://shop.example/pricing"})
        tab.send({"type": "invite", "rule": "pricing"})
        tab.send({"type": "ping"})
        assert tab.until(lambda f: f["type"] in ("invitation", "pong"))["type"] == "pong"
        # Answered by writing: one more is allowed today (the cap is two)…
        tab.write("Πόσο κοστίζει το ομαδικό;")
        tab.send({"type": "invite", "rule": "pricing"})
        assert tab.until("invitation")["rule"] == "pricing"
        tab.write("Ευχαριστώ")
        # …and no third.
        tab.send({"type": "invite", "rule": "pricing"})
        tab.send({"type": "ping"})
        assert tab.until(lambda f: f["type"] in ("invitation", "pong"))["type"] == "pong"
        # A page outside the rule gets no invitation at all.
        tab.send({"type": "page", "url": "https://shop.example/about"})
        tab.send({"type": "invite", "rule": "pricing"})
        tab.send({"type": "ping"})
        assert tab.until(lambda f: f["type"] in ("invitation", "pong"))["type"] == "pong"
    assert count(fd, ChatInvitation) == 2


def test_the_event_stream_and_posted_frames_carry_a_chat_where_websockets_are_blocked(
    world: World, base: str
) -> None:
    fd = world.fd
    inbox = chat_inbox(fd, allowed_origins=["https://shop.example"])
    elsewhere = chat_inbox(fd)
    with visitor(base, elsewhere) as stranger:
        other_token = stranger.hello()["token"]
    set_online(fd, world.agent.id)
    origin = {"Origin": "https://shop.example"}
    with httpx.Client(base_url=base, timeout=30, headers=origin) as web:
        hello = web.post(
            f"/chat/{inbox}/send",
            content=json.dumps({"token": None, "frame": {"type": "hello", "locale": "lv"}}),
            headers={"Content-Type": "text/plain"},
        )
        assert hello.headers["access-control-allow-origin"] == "https://shop.example"
        [welcome, *_] = hello.json()
        token = welcome["token"]

        def post(frame: dict[str, Any]) -> list[dict[str, Any]]:
            answer = web.post(
                f"/chat/{inbox}/send", content=json.dumps({"token": token, "frame": frame})
            )
            assert answer.status_code == 200, answer.text
            return list(answer.json())

        ack = post(
            {"type": "message", "client_id": "lv-1", "text": "Sveiki! Kur ir mana pasūtījuma?"}
        )
        assert ack[0]["type"] == "ack"
        assert (
            post({"type": "message", "client_id": "lv-1", "text": "Sveiki!"})[0]["duplicate"]
            is True
        )
        upload = web.post(
            f"/chat/{inbox}/upload",
            data={"token": token},
            files={"file": ("čeks.txt", "Rēķins Nr. 7".encode(), "text/plain")},
        )
        assert upload.status_code == 201, upload.text
        with_file = post(
            {
                "type": "message",
                "client_id": "lv-2",
                "text": "",
                "attachments": [upload.json()["upload"]],
            }
        )
        attachment = with_file[1]["attachments"][0]
        assert attachment["filename"] == "čeks.txt"
        got = web.get(f"/chat/{inbox}/files/{attachment['id']}", params={"token": token})
        assert got.content == "Rēķins Nr. 7".encode()
        chat_id = ack[2]["id"]  # the chat the first message started
        with api(base, world.agent.token) as agent:
            agent.post(f"/api/v1/chats/{chat_id}/accept").raise_for_status()
            with web.stream(
                "GET", f"/chat/{inbox}/stream", params={"token": token, "last_seen": ack[0]["id"]}
            ) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.iter_lines()
                first = json.loads(next(line for line in lines if line.startswith("data: "))[6:])
                assert first["type"] == "welcome"
                assert [m["id"] for m in first["messages"]] == [with_file[0]["id"]]
                agent.post(
                    f"/api/v1/chats/{chat_id}/reply", json={"text": "Rīt."}
                ).raise_for_status()
                for line in lines:
                    if line.startswith("data: "):
                        frame = json.loads(line[6:])
                        if frame["type"] == "message":
                            assert frame["text"] == "Rīt."
                            break
        # Another origin may not post, and a made-up token is refused.
        assert (
            web.post(
                f"/chat/{inbox}/send", content="{}", headers={"Origin": "https://evil.example"}
            ).status_code
            == 403
        )
        for wrong in ("nope", other_token):  # made up, or another inbox's visitor
            bad = web.post(
                f"/chat/{inbox}/send",
                content=json.dumps({"token": wrong, "frame": {"type": "ping"}}),
            )
            assert bad.status_code == 401
