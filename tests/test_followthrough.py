"""Promises and follow-ups, on SQLite and PostgreSQL: reminders before a promise is due,
broken promises flagged and counted, pending tickets nudged and then solved, snoozed
tickets coming back, and the customer's message clearing it all."""

from __future__ import annotations

from datetime import timedelta

from frontdesk.clock import FrozenClock
from frontdesk.models import Message
from tests.conftest import START, World
from tests.service_helpers import audit_actions, customer_writes, make_inbox, sweep, ticket

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def iso(delta: timedelta) -> str:
    return (START + delta).isoformat()


def promise(world: World, ticket_id: int, due: timedelta, **fields: object) -> dict[str, object]:
    made = world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/promises",
        json={"text": "Call back tomorrow at 10:00", "due_at": iso(due), **fields},
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def outbound(world: World, ticket_id: int) -> list[str]:
    with world.fd.read() as session:
        return [
            m.text
            for m in session.query(Message)
            .filter_by(ticket_id=ticket_id, direction="out")
            .order_by(Message.id)
        ]


def test_the_owner_is_reminded_before_a_promise_is_due_and_a_kept_one_is_closed(
    world: World, clock: FrozenClock
) -> None:
    ticket_id = customer_writes(world.fd, make_inbox(world.fd))
    made = promise(world, ticket_id, DAY, remind_minutes_before=60)
    assert (made["owner_id"], made["status"]) == (world.agent.id, "open")
    clock.advance(DAY - 2 * HOUR)
    sweep(world.fd)
    assert "notification.sent" not in audit_actions(world.fd, ticket_id)
    clock.advance(HOUR)
    sweep(world.fd)
    sweep(world.fd)
    assert audit_actions(world.fd, ticket_id).count("notification.sent") == 1
    kept = world.agent.client.post(f"/api/v1/promises/{made['id']}/keep")
    assert kept.json()["status"] == "kept"
    clock.advance(2 * HOUR)
    sweep(world.fd)
    assert (
        world.agent.client.get(f"/api/v1/tickets/{ticket_id}/promises").json()[0]["status"]
        == "kept"
    )
    assert world.admin.client.get("/api/v1/promises/summary").json()["broken_total"] == 0


def test_a_promise_not_kept_in_time_is_flagged_and_counted_as_broken(
    world: World, clock: FrozenClock
) -> None:
    ticket_id = customer_writes(world.fd, make_inbox(world.fd))
    made = promise(world, ticket_id, 2 * HOUR)
    other = promise(world, ticket_id, 3 * DAY, owner_id=world.admin.id)
    clock.advance(2 * HOUR)
    sweep(world.fd)
    broken = world.agent.client.get(
        "/api/v1/promises", params={"owner": "me", "status": "broken"}
    ).json()
    assert [(p["id"], p["overdue"]) for p in broken] == [(made["id"], True)]
    summary = world.admin.client.get("/api/v1/promises/summary").json()
    assert summary == {"broken_by_owner": {str(world.agent.id): 1}, "broken_total": 1}
    late = world.agent.client.post(f"/api/v1/promises/{made['id']}/keep")
    assert late.status_code == 409  # broken stays broken in the count
    assert (
        world.admin.client.get(f"/api/v1/promises?owner={world.admin.id}").json()[0]["id"]
        == other["id"]
    )
    assert "promise.broken" in audit_actions(world.fd, ticket_id)


def test_promises_that_cannot_be_kept_are_refused(world: World) -> None:
    ticket_id = customer_writes(world.fd, make_inbox(world.fd))
    client = world.agent.client
    cases = [
        ({"text": "Soon", "due_at": iso(-HOUR)}, "due_at"),
        ({"text": "Soon", "due_at": "2026-03-03T10:00:00"}, "due_at"),
        ({"text": "   ", "due_at": iso(HOUR)}, "text"),
        ({"text": "Soon", "due_at": iso(HOUR), "owner_id": world.light_agent.id}, "owner_id"),
    ]
    for body, field in cases:
        got = client.post(f"/api/v1/tickets/{ticket_id}/promises", json=body)
        assert got.status_code == 422, got.text
        assert got.json()["errors"][0]["field"] == field
    assert client.get(f"/api/v1/tickets/{ticket_id}/promises").json() == []


def test_a_pending_ticket_is_followed_up_then_solved_without_an_answer(
    world: World, clock: FrozenClock
) -> None:
    inbox = make_inbox(world.fd)
    set_up = world.admin.client.put(
        f"/api/v1/inboxes/{inbox}/follow-up",
        json={
            "follow_up_after_days": 2,
            "solve_after_days": 3,
            "follow_up_text": "Sveiki, {{contact.first_name}}! "
            "Vai jautājums #{{ticket.number}} vēl aktuāls?",
        },
    )
    assert set_up.status_code == 200, set_up.text
    ticket_id = customer_writes(world.fd, inbox)
    world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/reply", json={"text": "Which colour?", "status": "pending"}
    )
    clock.advance(2 * DAY - HOUR)
    sweep(world.fd)
    assert len(outbound(world, ticket_id)) == 1
    clock.advance(HOUR)
    sweep(world.fd)
    assert (
        outbound(world, ticket_id)[-1] == f"Sveiki, Ελένη! Vai jautājums #{ticket_id} vēl aktuāls?"
    )
    waiting = ticket(world.fd, ticket_id)
    assert waiting.status == "pending"
    clock.advance(3 * DAY)
    sweep(world.fd)
    solved = ticket(world.fd, ticket_id)
    assert solved.status == "solved"
    assert {"ticket.followed_up", "ticket.auto_solved"} <= set(audit_actions(world.fd, ticket_id))
    # Solved, the customer writes again: the ticket reopens.
    customer_writes(world.fd, inbox, "Red, please", ticket_id=ticket_id)
    assert ticket(world.fd, ticket_id).status == "open"


def test_the_customer_answering_cancels_the_follow_up(world: World, clock: FrozenClock) -> None:
    inbox = make_inbox(world.fd)
    world.admin.client.put(
        f"/api/v1/inboxes/{inbox}/follow-up",
        json={"follow_up_after_days": 1, "solve_after_days": 1, "follow_up_text": "Still there?"},
    )
    ticket_id = customer_writes(world.fd, inbox)
    world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/reply", json={"text": "Size?", "status": "pending"}
    )
    clock.advance(HOUR)
    customer_writes(world.fd, inbox, "42", ticket_id=ticket_id)
    clock.advance(5 * DAY)
    sweep(world.fd)
    assert outbound(world, ticket_id) == ["Size?"]
    assert ticket(world.fd, ticket_id).status == "open"


def test_a_snoozed_ticket_comes_back_open_on_its_date(world: World, clock: FrozenClock) -> None:
    ticket_id = customer_writes(world.fd, make_inbox(world.fd))
    world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/assign", json={"assignee_id": world.agent.id}
    )
    snoozed = world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/snooze", json={"until": iso(3 * DAY)}
    )
    assert snoozed.status_code == 200, snoozed.text
    assert snoozed.json()["status"] == "pending"
    clock.advance(3 * DAY - HOUR)
    sweep(world.fd)
    assert ticket(world.fd, ticket_id).status == "pending"
    clock.advance(HOUR)
    sweep(world.fd)
    assert ticket(world.fd, ticket_id).status == "open"
    assert "notification.sent" in audit_actions(world.fd, ticket_id)
    past = world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/snooze", json={"until": iso(-HOUR)}
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "until"


def test_follow_up_settings_are_checked(world: World) -> None:
    inbox = make_inbox(world.fd)
    admin = world.admin.client
    bad = [
        (
            {"follow_up_after_days": 0, "solve_after_days": 1, "follow_up_text": "x"},
            "follow_up_after_days",
        ),
        (
            {
                "follow_up_after_days": 1,
                "solve_after_days": 1,
                "follow_up_text": "Hi {{customer.nickname}}",
            },
            "follow_up_text",
        ),
    ]
    for body, field in bad:
        got = admin.put(f"/api/v1/inboxes/{inbox}/follow-up", json=body)
        assert got.status_code == 422 and got.json()["errors"][0]["field"] == field, got.text
    assert admin.get(f"/api/v1/inboxes/{inbox}/follow-up").json()["follow_up_after_days"] is None
