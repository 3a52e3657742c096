"""Service levels end to end, on SQLite and PostgreSQL: which policy applies, due times on
the ticket, the pause while the customer is awaited, warnings, breaches and escalation,
recomputing after a change, and policies that cannot work refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from frontdesk.clock import FrozenClock
from frontdesk.jobs.worker import Worker
from frontdesk.models import SlaEvent, TicketTransfer
from frontdesk.sla.policies import default_policy
from tests.conftest import START, World
from tests.service_helpers import audit_actions, customer_writes, make_inbox, sweep, ticket

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
RIGA_OFFICE = {
    "time_zone": "Europe/Riga",
    "hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": {"country": "LV"},
}


def policy(world: World, **fields: Any) -> dict[str, Any]:
    body = {"name": f"policy {fields.get('position', 0)}", "position": 0, **fields}
    response = world.admin.client.post("/api/v1/sla-policies", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def events(fd: Any, ticket_id: int) -> list[tuple[str, str, int]]:
    with fd.read() as session:
        rows = session.scalars(
            select(SlaEvent).where(SlaEvent.ticket_id == ticket_id).order_by(SlaEvent.id)
        )
        return [(e.target, e.kind, e.percent) for e in rows]


def test_the_default_targets_are_the_figures_customers_expect() -> None:
    expected = {
        "email": 6 * HOUR,
        "whatsapp": HOUR,
        "telegram": HOUR,
        "facebook": HOUR,
        "social": HOUR,
        "chat": 2 * MINUTE,
        "web_form": 6 * HOUR,
    }
    for channel, target in expected.items():
        found = default_policy(channel)
        assert found is not None and found.first_response == target, channel
        assert found.warn_percents == (75, 90)
        assert found.calendar.always_open
    assert default_policy("api") is None


def test_an_email_is_due_six_hours_later_on_the_ticket(world: World) -> None:
    fd = world.fd
    inbox = make_inbox(fd)
    ticket_id = customer_writes(fd, inbox)
    got = world.admin.client.get(f"/api/v1/tickets/{ticket_id}").json()
    assert got["first_response_due_at"] == (START + 6 * HOUR).isoformat().replace("+00:00", "Z")
    assert got["sla_policy_id"] is None
    assert got["resolution_due_at"] is None
    sla = world.admin.client.get(f"/api/v1/tickets/{ticket_id}/sla").json()
    assert sla["policy_name"] == "default for email"


def test_policies_apply_in_order_and_the_first_match_wins(world: World) -> None:
    fd = world.fd
    inbox = make_inbox(fd)
    policy(
        world,
        name="Urgent",
        position=1,
        conditions={"priorities": ["urgent"]},
        first_response_minutes=30,
    )
    policy(
        world,
        name="Refunds",
        position=2,
        conditions={"tags": ["refund"]},
        first_response_minutes=120,
        resolution_minutes=24 * 60,
    )
    urgent_refund = customer_writes(fd, inbox, priority="urgent", tags=("refund",))
    refund = customer_writes(fd, inbox, "Refund please", email="b@example.org", tags=("refund",))
    plain = customer_writes(fd, inbox, "Hello", email="c@example.org")
    assert ticket(fd, urgent_refund).first_response_due_at == START + 30 * MINUTE
    assert ticket(fd, urgent_refund).resolution_due_at is None
    assert ticket(fd, refund).first_response_due_at == START + 2 * HOUR
    assert ticket(fd, refund).resolution_due_at == START + 24 * HOUR
    assert ticket(fd, plain).first_response_due_at == START + 6 * HOUR  # the email default


def test_conditions_on_the_customer_inbox_and_channel(world: World) -> None:
    fd = world.fd
    inbox, other = make_inbox(fd), make_inbox(fd)
    contact = world.admin.client.post(
        "/api/v1/contacts",
        json={
            "name": "Ani",
            "tier": "gold",
            "identities": [{"kind": "email", "address": "gold@example.am"}],
        },
    )
    assert contact.status_code == 201, contact.text
    policy(
        world,
        name="Gold",
        position=1,
        conditions={"tiers": ["gold"], "channels": ["email"]},
        first_response_minutes=15,
    )
    policy(
        world,
        name="Second inbox",
        position=2,
        conditions={"inbox_ids": [other]},
        first_response_minutes=45,
    )
    gold = customer_writes(fd, inbox, email="gold@example.am")
    plain = customer_writes(fd, other, email="plain@example.am")
    assert ticket(fd, gold).first_response_due_at == START + 15 * MINUTE
    assert ticket(fd, plain).first_response_due_at == START + 45 * MINUTE


def test_a_business_calendar_carries_the_due_time_over_the_weekend(
    world: World, clock: FrozenClock
) -> None:
    fd = world.fd
    calendar = world.admin.client.post(
        "/api/v1/calendars", json={"name": "Riga office", "definition": RIGA_OFFICE}
    ).json()
    policy(
        world,
        name="Chat-like email",
        position=1,
        calendar_id=calendar["id"],
        first_response_minutes=10,
    )
    clock.set(datetime(2026, 11, 20, 17, 55, tzinfo=ZoneInfo("Europe/Riga")))  # a Friday
    ticket_id = customer_writes(fd, make_inbox(fd))
    due = ticket(fd, ticket_id).first_response_due_at
    assert due is not None
    assert due.astimezone(ZoneInfo("Europe/Riga")) == datetime(
        2026, 11, 23, 9, 5, tzinfo=ZoneInfo("Europe/Riga")
    )


def test_the_clock_pauses_while_pending_and_resumes_when_the_customer_writes(
    world: World, clock: FrozenClock
) -> None:
    fd = world.fd
    policy(
        world,
        name="Resolve in a day",
        position=1,
        first_response_minutes=60,
        resolution_minutes=8 * 60,
    )
    inbox = make_inbox(fd)
    ticket_id = customer_writes(fd, inbox)
    assert ticket(fd, ticket_id).resolution_due_at == START + 8 * HOUR
    clock.advance(HOUR)
    answered = world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/reply", json={"text": "Which size?", "status": "pending"}
    )
    assert answered.status_code == 201
    waiting = ticket(fd, ticket_id)
    assert waiting.status == "pending"
    assert waiting.sla_paused_at == START + HOUR
    assert waiting.first_response_due_at is waiting.resolution_due_at is None
    clock.advance(5 * HOUR)
    customer_writes(fd, inbox, "Size 42", ticket_id=ticket_id)
    back = ticket(fd, ticket_id)
    assert back.status == "open"
    assert back.sla_paused_at is None
    assert back.sla_paused_seconds == 5 * 3600
    # Eight hours of the clock: one before the pause, seven after it.
    assert back.resolution_due_at == START + 13 * HOUR
    assert back.first_response_due_at is None  # answered


def test_on_hold_pauses_too_and_an_agent_reopening_resumes(
    world: World, clock: FrozenClock
) -> None:
    fd = world.fd
    policy(world, name="Resolve", position=1, resolution_minutes=4 * 60)
    ticket_id = customer_writes(fd, make_inbox(fd))
    patch = world.agent.client.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "on_hold"})
    assert patch.status_code == 200 and patch.json()["sla_paused"] is True
    clock.advance(3 * HOUR)
    world.agent.client.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "open"})
    assert ticket(fd, ticket_id).resolution_due_at == START + 7 * HOUR


def test_the_next_response_clock_runs_from_the_customers_follow_up(
    world: World, clock: FrozenClock
) -> None:
    fd = world.fd
    policy(
        world, name="Conversation", position=1, first_response_minutes=60, next_response_minutes=30
    )
    inbox = make_inbox(fd)
    ticket_id = customer_writes(fd, inbox)
    assert ticket(fd, ticket_id).next_response_due_at is None
    clock.advance(20 * MINUTE)
    world.agent.client.post(f"/api/v1/tickets/{ticket_id}/reply", json={"text": "Looking"})
    assert ticket(fd, ticket_id).first_response_due_at is None
    clock.advance(HOUR)
    customer_writes(fd, inbox, "Any news?", ticket_id=ticket_id)
    assert ticket(fd, ticket_id).next_response_due_at == START + 80 * MINUTE + 30 * MINUTE
    clock.advance(10 * MINUTE)
    world.agent.client.post(f"/api/v1/tickets/{ticket_id}/reply", json={"text": "Shipped"})
    assert ticket(fd, ticket_id).next_response_due_at is None


def test_solving_stops_every_clock(world: World) -> None:
    fd = world.fd
    policy(world, name="All", position=1, first_response_minutes=60, resolution_minutes=600)
    ticket_id = customer_writes(fd, make_inbox(fd))
    world.agent.client.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "solved"})
    solved = ticket(fd, ticket_id)
    assert (solved.first_response_due_at, solved.resolution_due_at, solved.sla_next_alert_at) == (
        None,
        None,
        None,
    )


def test_warnings_at_75_and_90_percent_then_a_breach_each_recorded_once(
    world: World, clock: FrozenClock
) -> None:
    fd = world.fd
    policy(world, name="Hundred minutes", position=1, first_response_minutes=100)
    ticket_id = customer_writes(fd, make_inbox(fd))
    assert ticket(fd, ticket_id).sla_next_alert_at == START + 75 * MINUTE
    clock.advance(74 * MINUTE)
    sweep(fd)
    assert events(fd, ticket_id) == []
    clock.advance(MINUTE)
    sweep(fd)
    assert events(fd, ticket_id) == [("first_response", "warning", 75)]
    clock.advance(15 * MINUTE)
    sweep(fd)
    sweep(fd)
    assert events(fd, ticket_id) == [
        ("first_response", "warning", 75),
        ("first_response", "warning", 90),
    ]
    clock.advance(10 * MINUTE)
    sweep(fd)
    sweep(fd)
    assert events(fd, ticket_id)[-1] == ("first_response", "breach", 100)
    assert len(events(fd, ticket_id)) == 3
    assert ticket(fd, ticket_id).sla_next_alert_at is None
    assert audit_actions(fd, ticket_id).count("sla.breached") == 1
    sla = world.agent.client.get(f"/api/v1/tickets/{ticket_id}/sla").json()
    assert [e["kind"] for e in sla["events"]] == ["warning", "warning", "breach"]


def test_a_late_sweep_records_every_alert_it_missed(world: World, clock: FrozenClock) -> None:
    fd = world.fd
    policy(world, name="Short", position=1, first_response_minutes=10, warn_percents=[50])
    ticket_id = customer_writes(fd, make_inbox(fd))
    clock.advance(HOUR)  # the worker was down
    sweep(fd)
    assert events(fd, ticket_id) == [
        ("first_response", "warning", 50),
        ("first_response", "breach", 100),
    ]


def test_a_breach_escalates_as_the_policy_says(world: World, clock: FrozenClock) -> None:
    fd = world.fd
    lead = world.admin.client.put(
        f"/api/v1/routing/teams/{world.team_a}", json={"lead_agent_id": world.admin.id}
    )
    assert lead.status_code == 200, lead.text
    policy(
        world,
        name="Escalating",
        position=1,
        first_response_minutes=30,
        escalation={
            "notify": ["team_lead", "assignee"],
            "raise_priority": True,
            "reassign_agent_id": world.other_agent.id,
            "reassign_team_id": world.team_b,
        },
    )
    inbox = make_inbox(fd, team_id=world.team_a)
    ticket_id = customer_writes(fd, inbox)
    world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/assign", json={"assignee_id": world.agent.id}
    )
    clock.advance(31 * MINUTE)
    sweep(fd)
    escalated = ticket(fd, ticket_id)
    assert escalated.priority == "high"
    assert (escalated.assignee_id, escalated.team_id) == (world.other_agent.id, world.team_b)
    assert escalated.transfer_count == 1
    with fd.read() as session:
        moved = session.scalars(
            select(TicketTransfer).where(TicketTransfer.ticket_id == ticket_id)
        ).one()
        assert (moved.kind, moved.from_agent_id, moved.reason) == (
            "escalation",
            world.agent.id,
            "SLA breach: first_response",
        )
    actions = audit_actions(fd, ticket_id)
    assert actions.count("notification.sent") == 2  # the lead and the assignee


def test_changing_a_policy_recomputes_the_due_times_of_open_tickets(
    world: World, worker: Worker
) -> None:
    fd = world.fd
    inbox = make_inbox(fd)
    ticket_id = customer_writes(fd, inbox)
    assert ticket(fd, ticket_id).first_response_due_at == START + 6 * HOUR
    created = policy(
        world,
        name="Faster email",
        position=1,
        conditions={"channels": ["email"]},
        first_response_minutes=60,
    )
    worker.run_until_idle()
    assert ticket(fd, ticket_id).first_response_due_at == START + HOUR
    assert ticket(fd, ticket_id).sla_policy_id == created["id"]
    world.admin.client.patch(
        f"/api/v1/sla-policies/{created['id']}", json={"first_response_minutes": 90}
    )
    worker.run_until_idle()
    assert ticket(fd, ticket_id).first_response_due_at == START + 90 * MINUTE
    world.admin.client.delete(f"/api/v1/sla-policies/{created['id']}")
    worker.run_until_idle()
    assert ticket(fd, ticket_id).first_response_due_at == START + 6 * HOUR


def test_raising_the_priority_moves_the_ticket_to_the_matching_policy(world: World) -> None:
    fd = world.fd
    policy(
        world,
        name="Urgent",
        position=1,
        conditions={"priorities": ["urgent"]},
        first_response_minutes=20,
    )
    ticket_id = customer_writes(fd, make_inbox(fd))
    world.agent.client.patch(f"/api/v1/tickets/{ticket_id}", json={"priority": "urgent"})
    assert ticket(fd, ticket_id).first_response_due_at == START + 20 * MINUTE


# ---- the calendar preview -------------------------------------------------------------


def test_the_preview_answers_when_a_friday_evening_chat_in_riga_is_due(world: World) -> None:
    body = {"definition": RIGA_OFFICE, "start": "2026-11-20T17:55:00+02:00", "minutes": 10}
    got = world.agent.client.post("/api/v1/calendars/preview", json=body)
    assert got.status_code == 200, got.text
    assert got.json()["due_local"] == "2026-11-23T09:05:00+02:00"
    assert got.json()["business_minutes"] == 10
    assert got.json()["calendar_minutes"] == 2 * 24 * 60 + 15 * 60 + 10  # Fri 17:55 → Mon 09:05
    stored = world.admin.client.post(
        "/api/v1/calendars", json={"name": "Riga", "definition": RIGA_OFFICE}
    ).json()
    by_id = world.agent.client.post(
        "/api/v1/calendars/preview",
        json={"calendar_id": stored["id"], "start": "2026-11-20T17:55:00+02:00", "minutes": 2},
    )
    assert by_id.json()["due_local"] == "2026-11-20T17:57:00+02:00"


# ---- bad input -------------------------------------------------------------------------


def problem(response: Any) -> tuple[int, str]:
    body = response.json()
    field = body.get("errors", [{}])[0].get("field", "")
    return response.status_code, field


def test_impossible_calendars_are_refused_by_the_api(world: World) -> None:
    admin = world.admin.client
    cases = [
        ({"time_zone": "Europe/Riga", "hours": {}}, "definition.hours", "no opening hours"),
        (
            {
                "time_zone": "Europe/Riga",
                "hours": {"mon": [["09:00", "12:00"], ["11:30", "13:00"]]},
            },
            "definition.hours.mon",
            "overlaps",
        ),
        (
            {"time_zone": "Europe/Atlantis", "always_open": True},
            "definition.time_zone",
            "not a known time zone",
        ),
    ]
    for definition, field, reason in cases:
        made = admin.post("/api/v1/calendars", json={"name": "Bad", "definition": definition})
        assert problem(made) == (422, field), made.text
        assert reason in made.json()["detail"]
        preview = admin.post(
            "/api/v1/calendars/preview",
            json={"definition": definition, "start": "2026-01-01T00:00:00Z", "minutes": 5},
        )
        assert problem(preview) == (422, field)
    naive = admin.post(
        "/api/v1/calendars/preview",
        json={"definition": RIGA_OFFICE, "start": "2026-01-01T10:00:00", "minutes": 5},
    )
    assert problem(naive) == (422, "start")
    assert admin.get("/api/v1/calendars").json() == []


def test_conflicting_policies_are_refused_with_a_clear_message(world: World) -> None:
    admin = world.admin.client
    policy(
        world,
        name="Email",
        position=1,
        conditions={"channels": ["email"]},
        first_response_minutes=60,
    )
    same_place = admin.post(
        "/api/v1/sla-policies", json={"name": "Other", "position": 1, "first_response_minutes": 5}
    )
    assert same_place.status_code == 409
    assert "position 1 is taken by policy 'Email'" in same_place.json()["detail"]
    hidden = admin.post(
        "/api/v1/sla-policies",
        json={
            "name": "Urgent email",
            "position": 2,
            "conditions": {"channels": ["email"], "priorities": ["urgent"]},
            "first_response_minutes": 10,
        },
    )
    assert hidden.status_code == 409
    assert "'Urgent email' (position 2) could never apply" in hidden.json()["detail"]
    # Placed first, the narrower policy is fine.
    policy(
        world,
        name="Urgent email",
        position=0,
        conditions={"channels": ["email"], "priorities": ["urgent"]},
        first_response_minutes=10,
    )
    hiding = admin.post(
        "/api/v1/sla-policies",
        json={"name": "Catch-all", "position": 0, "first_response_minutes": 5},
    )
    assert hiding.status_code == 409


def test_policies_that_cannot_work_are_refused_field_by_field(world: World) -> None:
    admin = world.admin.client
    base = {"name": "P", "position": 3, "first_response_minutes": 60}
    cases = [
        ({"first_response_minutes": None}, "first_response_minutes"),
        ({"first_response_minutes": 0}, "first_response_minutes"),
        ({"conditions": {"colour": ["blue"]}}, "conditions.colour"),
        ({"conditions": {"priorities": ["sometime"]}}, "conditions.priorities"),
        ({"conditions": {"tags": []}}, "conditions.tags"),
        ({"warn_percents": [90, 75]}, "warn_percents"),
        ({"warn_percents": [100]}, "warn_percents"),
        ({"calendar_id": 999}, "calendar"),
        (
            {"escalation": {"reassign_agent_id": world.light_agent.id}},
            "escalation.reassign_agent_id",
        ),
        ({"escalation": {"notify": ["everyone"]}}, "escalation.notify"),
    ]
    for change, field in cases:
        got = admin.post("/api/v1/sla-policies", json={**base, **change})
        assert got.status_code in (404, 422), (change, got.text)
        if got.status_code == 422:
            assert problem(got)[1] == field, (change, got.text)
    assert admin.get("/api/v1/sla-policies").json() == []


def test_a_calendar_in_use_cannot_be_deleted(world: World) -> None:
    admin = world.admin.client
    calendar = admin.post(
        "/api/v1/calendars", json={"name": "Office", "definition": RIGA_OFFICE}
    ).json()
    policy(
        world,
        name="Office hours",
        position=1,
        calendar_id=calendar["id"],
        first_response_minutes=60,
    )
    refused = admin.delete(f"/api/v1/calendars/{calendar['id']}")
    assert refused.status_code == 409 and "Office hours" in refused.json()["detail"]


def test_recomputing_in_bulk_gives_what_the_hooks_gave(world: World, clock: FrozenClock) -> None:
    from frontdesk.sla.recompute import recompute_open_tickets

    fd = world.fd
    calendar = world.admin.client.post(
        "/api/v1/calendars", json={"name": "Riga", "definition": RIGA_OFFICE}
    ).json()
    policy(
        world,
        name="Tagged",
        position=1,
        conditions={"tags": ["vip"]},
        calendar_id=calendar["id"],
        first_response_minutes=45,
        resolution_minutes=600,
    )
    inbox = make_inbox(fd)
    ids = []
    for i in range(6):
        clock.advance(97 * MINUTE)
        ids.append(
            customer_writes(fd, inbox, email=f"c{i}@example.org", tags=("vip",) if i % 2 else ())
        )
    before = {i: ticket(fd, i) for i in ids}
    with fd.write_session() as session:
        from sqlalchemy import update

        from frontdesk.models import Ticket

        session.execute(update(Ticket).values(first_response_due_at=None, resolution_due_at=None))
    assert recompute_open_tickets(fd, batch_size=4) == 6
    for i in ids:
        after = ticket(fd, i)
        assert (after.first_response_due_at, after.resolution_due_at, after.sla_next_alert_at) == (
            before[i].first_response_due_at,
            before[i].resolution_due_at,
            before[i].sla_next_alert_at,
        )
    assert START.tzinfo is UTC


def test_the_minute_tick_runs_the_sweeps_and_queues_its_successor(
    world: World, clock: FrozenClock, worker: Worker
) -> None:
    from frontdesk.automation.schedule import ensure_minute_tick
    from frontdesk.models import Job

    fd = world.fd
    policy(world, name="Hour", position=1, first_response_minutes=60)
    ticket_id = customer_writes(fd, make_inbox(fd))
    worker.run_until_idle()  # the recompute the new policy queued
    ensure_minute_tick(fd)
    ensure_minute_tick(fd)  # a second process starting: still one tick

    def ticks() -> list[tuple[str, datetime]]:
        with fd.read() as session:
            rows = session.scalars(select(Job).where(Job.kind == "minute_tick").order_by(Job.id))
            return [(j.status, j.run_at) for j in rows]

    assert ticks() == [("queued", START + MINUTE)]
    clock.advance(46 * MINUTE)
    worker.run_until_idle()
    assert events(fd, ticket_id) == [("first_response", "warning", 75)]
    assert ticks() == [("done", START + MINUTE), ("queued", START + 47 * MINUTE)]


def test_service_levels_add_no_statement_to_receiving_a_message(world: World) -> None:
    """The SLA columns ride on receive()'s one flush and policies come from the cache: a
    message costs the same statements with policies and calendars as without."""
    from sqlalchemy import event

    fd = world.fd
    inbox = make_inbox(fd)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    def cost(email: str) -> tuple[int, int]:
        customer_writes(fd, inbox, email=f"warm-{email}")  # caches warm, contact known
        event.listen(fd.engine, "before_cursor_execute", count)
        try:
            statements.clear()
            ticket_id = customer_writes(fd, inbox, email=email)
            opened = len(statements)
            statements.clear()
            customer_writes(fd, inbox, "More detail", email=email, ticket_id=ticket_id)
            return opened, len(statements)
        finally:
            event.remove(fd.engine, "before_cursor_execute", count)

    without = cost("plain@example.org")
    calendar = world.admin.client.post(
        "/api/v1/calendars", json={"name": "Riga", "definition": RIGA_OFFICE}
    ).json()
    policy(
        world,
        name="Business hours",
        position=1,
        calendar_id=calendar["id"],
        first_response_minutes=60,
        next_response_minutes=30,
        resolution_minutes=600,
    )
    with_policies = cost("policed@example.org")
    assert ticket(fd, customer_writes(fd, inbox, email="x@example.org")).resolution_due_at
    assert min(without) > 3  # the listener sees the statements
    assert with_policies == without, (without, with_policies)
