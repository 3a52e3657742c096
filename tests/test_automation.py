"""Automation end to end, on SQLite and PostgreSQL: triggers on events, an honest
automatic acknowledgement, triggers that would loop refused or stopped, time rules that
fire once, macros with placeholders, webhooks, and every action in the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from frontdesk.clock import FrozenClock
from frontdesk.jobs.worker import Worker
from frontdesk.models import AuditEntry, Message
from tests.conftest import START, World
from tests.service_helpers import audit_actions, customer_writes, make_inbox, sweep, ticket
from tests.webhook_receiver import webhook_receiver

RIGA_OFFICE = {
    "time_zone": "Europe/Riga",
    "hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
}


def create(world: World, path: str, **body: Any) -> dict[str, Any]:
    made = world.admin.client.post(f"/api/v1/{path}", json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


def outbound(world: World, ticket_id: int) -> list[Message]:
    with world.fd.read() as session:
        return list(
            session.scalars(
                select(Message)
                .where(Message.ticket_id == ticket_id, Message.direction == "out")
                .order_by(Message.id)
            )
        )


def test_a_trigger_on_new_tickets_sets_fields_and_the_audit_trail_names_it(world: World) -> None:
    inbox = make_inbox(world.fd)
    trigger = create(
        world,
        "triggers",
        name="Refunds first",
        event="ticket.created",
        conditions=[{"field": "message.text", "op": "contains", "value": "REFUND"}],
        actions=[
            {"type": "set_priority", "priority": "high"},
            {"type": "add_tags", "tags": ["refund"]},
            {"type": "set_team", "team_id": world.team_b},
        ],
    )
    matched = customer_writes(world.fd, inbox, "I want a refund for order 77")
    other = customer_writes(world.fd, inbox, "Where is order 78?", email="x@example.org")
    got = ticket(world.fd, matched)
    assert (got.priority, got.tags, got.team_id) == ("high", ["refund"], world.team_b)
    assert ticket(world.fd, other).priority == "normal"
    with world.fd.read() as session:
        fired = session.scalars(
            select(AuditEntry).where(
                AuditEntry.ticket_id == matched, AuditEntry.action == "trigger.fired"
            )
        ).one()
        assert (fired.entity_id, fired.actor_type) == (trigger["id"], "system")
        changes = session.scalars(
            select(AuditEntry).where(
                AuditEntry.ticket_id == matched, AuditEntry.action == "ticket.updated"
            )
        ).all()
        assert {e.actor_type for e in changes} == {"system"}


def test_an_acknowledgement_tells_the_customer_an_honest_time_and_is_not_a_response(
    world: World, clock: FrozenClock
) -> None:
    calendar = world.admin.client.post(
        "/api/v1/calendars", json={"name": "Riga", "definition": RIGA_OFFICE}
    ).json()
    world.admin.client.post(
        "/api/v1/sla-policies",
        json={
            "name": "Email",
            "position": 1,
            "calendar_id": calendar["id"],
            "first_response_minutes": 120,
        },
    )
    create(
        world,
        "triggers",
        name="Acknowledge",
        event="ticket.created",
        actions=[
            {
                "type": "send_reply",
                "text": "Paldies, {{contact.first_name}}! "
                "Atbildēsim līdz {{ticket.expected_reply}}.",
            }
        ],
    )
    clock.set(START.replace(day=6, hour=15, minute=30))  # Friday 17:30 in Riga
    ticket_id = customer_writes(world.fd, make_inbox(world.fd))
    sent = outbound(world, ticket_id)
    assert [m.text for m in sent] == [
        "Paldies, Ελένη! Atbildēsim līdz 2026-03-09 10:30 (Europe/Riga)."
    ]
    assert sent[0].author_agent_id is None
    after = ticket(world.fd, ticket_id)
    assert after.first_response_at is None
    assert (
        after.first_response_due_at is not None and after.first_response_due_at.hour == 8
    )  # 10:30 Riga
    assert after.status == "new"


def test_a_trigger_that_would_fire_itself_is_refused_with_a_clear_message(world: World) -> None:
    admin = world.admin.client
    selfish = admin.post(
        "/api/v1/triggers",
        json={
            "name": "Urgent stays urgent",
            "event": "ticket.updated",
            "conditions": [{"field": "priority", "op": "is", "value": "urgent"}],
            "actions": [{"type": "add_tags", "tags": ["hot"]}],
        },
    )
    assert selfish.status_code == 422
    assert "would fire itself" in selfish.json()["detail"]
    assert selfish.json()["errors"][0]["field"] == "conditions"
    own_guard = admin.post(
        "/api/v1/triggers",
        json={
            "name": "Priority ping-pong",
            "event": "ticket.updated",
            "conditions": [{"field": "priority", "op": "changed"}],
            "actions": [{"type": "set_priority", "priority": "urgent"}],
        },
    )
    assert own_guard.status_code == 422
    fine = admin.post(
        "/api/v1/triggers",
        json={
            "name": "Tag solved",
            "event": "ticket.updated",
            "conditions": [{"field": "status", "op": "changed_to", "value": "solved"}],
            "actions": [{"type": "add_tags", "tags": ["done"]}],
        },
    )
    assert fine.status_code == 201, fine.text
    assert [t["name"] for t in admin.get("/api/v1/triggers").json()] == ["Tag solved"]


def test_triggers_that_feed_each_other_fire_once_each_and_stop(world: World) -> None:
    create(
        world,
        "triggers",
        name="Waiting means high",
        event="ticket.updated",
        conditions=[{"field": "status", "op": "changed"}],
        actions=[{"type": "set_priority", "priority": "high"}],
    )
    create(
        world,
        "triggers",
        name="High means open",
        event="ticket.updated",
        conditions=[{"field": "priority", "op": "changed"}],
        actions=[{"type": "set_status", "status": "open"}],
    )
    ticket_id = customer_writes(world.fd, make_inbox(world.fd))
    changed = world.agent.client.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "pending"})
    assert changed.status_code == 200
    after = ticket(world.fd, ticket_id)
    assert (after.priority, after.status) == ("high", "open")
    assert audit_actions(world.fd, ticket_id).count("trigger.fired") == 2


def test_a_time_rule_acts_on_tickets_pending_for_three_days_once(
    world: World, clock: FrozenClock
) -> None:
    create(
        world,
        "time-rules",
        name="Pending over three days",
        conditions=[
            {"field": "status", "op": "is", "value": "pending"},
            {"field": "hours_since_updated", "op": "greater_than", "value": 72},
        ],
        actions=[{"type": "add_tags", "tags": ["stale"]}, {"type": "notify", "to": ["assignee"]}],
    )
    inbox = make_inbox(world.fd)
    ticket_id = customer_writes(world.fd, inbox)
    fresh = customer_writes(world.fd, inbox, "Another", email="other@example.org")
    world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/assign", json={"assignee_id": world.agent.id}
    )
    world.agent.client.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "pending"})
    clock.advance(timedelta(hours=71))
    sweep(world.fd)
    assert ticket(world.fd, ticket_id).tags == []
    clock.advance(timedelta(hours=2))
    assert sweep(world.fd)["time rules"] == 1
    assert ticket(world.fd, ticket_id).tags == ["stale"]
    assert ticket(world.fd, fresh).tags == []
    clock.advance(timedelta(hours=100))
    assert sweep(world.fd)["time rules"] == 0  # once per ticket
    actions = audit_actions(world.fd, ticket_id)
    assert actions.count("time_rule.fired") == 1 and "notification.sent" in actions


def test_a_time_rule_without_a_time_condition_is_refused(world: World) -> None:
    got = world.admin.client.post(
        "/api/v1/time-rules",
        json={
            "name": "Everything",
            "conditions": [{"field": "status", "op": "is", "value": "open"}],
            "actions": [{"type": "set_status", "status": "solved"}],
        },
    )
    assert got.status_code == 422 and "time condition" in got.json()["detail"]


def test_a_macro_runs_several_actions_as_the_agent_with_placeholders(world: World) -> None:
    macro = create(
        world,
        "macros",
        name="Ask for the order number",
        actions=[
            {
                "type": "send_reply",
                "text": "Բարև {{contact.first_name}}, #{{ticket.number}}: "
                "պատվերի համարը? — {{agent.name}}",
            },
            {"type": "set_status", "status": "pending"},
            {"type": "add_tags", "tags": ["needs-order-number"]},
        ],
    )
    ticket_id = customer_writes(world.fd, make_inbox(world.fd))
    applied = world.agent.client.post(
        f"/api/v1/macros/{macro['id']}/apply", json={"ticket_id": ticket_id}
    )
    assert applied.status_code == 200, applied.text
    assert (applied.json()["status"], applied.json()["tags"]) == ("pending", ["needs-order-number"])
    sent = outbound(world, ticket_id)
    assert sent[0].text == f"Բարև Ελένη, #{ticket_id}: պատվերի համարը? — Agent"
    assert sent[0].author_agent_id == world.agent.id
    assert ticket(world.fd, ticket_id).first_response_at == START  # the agent's own answer
    with world.fd.read() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.ticket_id == ticket_id)).all()
        assert {(r.action, r.actor_id) for r in rows} >= {
            ("macro.applied", world.agent.id),
            ("ticket.replied", world.agent.id),
            ("ticket.updated", world.agent.id),
        }
    light = world.light_agent.client.post(
        f"/api/v1/macros/{macro['id']}/apply", json={"ticket_id": ticket_id}
    )
    assert light.status_code == 403


def test_rules_with_bad_parts_are_refused_with_the_field(world: World) -> None:
    admin = world.admin.client
    cases = [
        (
            "macros",
            {"name": "M", "actions": [{"type": "send_reply", "text": "Hi {{contact.shoe_size}}"}]},
            "actions.0.text",
        ),
        ("macros", {"name": "M", "actions": []}, "actions"),
        ("macros", {"name": "M", "actions": [{"type": "explode"}]}, "actions.0.type"),
        (
            "macros",
            {"name": "M", "actions": [{"type": "assign", "agent_id": world.light_agent.id}]},
            "actions.0.agent_id",
        ),
        (
            "triggers",
            {
                "name": "T",
                "event": "ticket.deleted",
                "actions": [{"type": "add_note", "text": "x"}],
            },
            "event",
        ),
        (
            "triggers",
            {
                "name": "T",
                "event": "ticket.created",
                "conditions": [{"field": "mood", "op": "is", "value": 1}],
                "actions": [{"type": "add_note", "text": "x"}],
            },
            "conditions.0.field",
        ),
        (
            "triggers",
            {
                "name": "T",
                "event": "ticket.created",
                "conditions": [{"field": "priority", "op": "is", "value": "whenever"}],
                "actions": [{"type": "add_note", "text": "x"}],
            },
            "conditions.0.value",
        ),
        (
            "triggers",
            {
                "name": "T",
                "event": "ticket.created",
                "actions": [{"type": "webhook", "url": "file:///etc/passwd"}],
            },
            "actions.0.url",
        ),
        (
            "triggers",
            {
                "name": "T",
                "event": "ticket.created",
                "conditions": [{"field": "status", "op": "changed"}],
                "actions": [{"type": "add_note", "text": "x"}],
            },
            "conditions.0.op",
        ),
    ]
    for path, body, field in cases:
        got = admin.post(f"/api/v1/{path}", json=body)
        assert got.status_code == 422, (body, got.text)
        assert got.json()["errors"][0]["field"] == field, (body, got.text)
    assert admin.get("/api/v1/macros").json() == [] and admin.get("/api/v1/triggers").json() == []


def test_a_webhook_action_posts_the_ticket(world: World, worker: Worker) -> None:
    with webhook_receiver() as hook:
        create(
            world,
            "triggers",
            name="Tell the CRM",
            event="message.received",
            actions=[{"type": "webhook", "url": hook.url}],
        )
        ticket_id = customer_writes(world.fd, make_inbox(world.fd), "Σας ευχαριστώ")
        worker.run_until_idle()
        assert [d.json["ticket"]["id"] for d in hook.deliveries] == [ticket_id]
        assert hook.deliveries[0].json["source"] == "trigger Tell the CRM"


def test_changing_and_deleting_triggers_takes_effect_at_once(world: World) -> None:
    made = create(
        world,
        "triggers",
        name="Tag",
        event="ticket.created",
        actions=[{"type": "add_tags", "tags": ["a"]}],
    )
    inbox = make_inbox(world.fd)
    assert ticket(world.fd, customer_writes(world.fd, inbox, email="1@example.org")).tags == ["a"]
    patched = world.admin.client.patch(
        f"/api/v1/triggers/{made['id']}", json={"actions": [{"type": "add_tags", "tags": ["b"]}]}
    )
    assert patched.status_code == 200, patched.text
    assert ticket(world.fd, customer_writes(world.fd, inbox, email="2@example.org")).tags == ["b"]
    assert world.admin.client.delete(f"/api/v1/triggers/{made['id']}").status_code == 204
    assert ticket(world.fd, customer_writes(world.fd, inbox, email="3@example.org")).tags == []
