"""Routing end to end, on SQLite and PostgreSQL: each mode, availability and capacity, the
queue that drains the moment room frees up, re-routing when an agent goes offline, every
transfer recorded and counted, and escalation to a supervisor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.domain import agents
from frontdesk.domain.actors import SYSTEM
from frontdesk.models import TicketTransfer
from tests.conftest import World
from tests.service_helpers import customer_writes, make_inbox, ticket


def hire(
    world: World, name: str, team_id: int, *, availability: str = "online", **fields: Any
) -> int:
    with world.fd.transaction() as tx:
        agent = agents.create_agent(
            tx, SYSTEM, email=f"{name.lower()}@example.com", name=name, team_ids=[team_id], **fields
        )
        agents.update_agent(tx, SYSTEM, agent.id, {"availability": availability})
        return agent.id


def set_availability(world: World, agent_id: int, availability: str) -> None:
    with world.fd.transaction() as tx:
        agents.update_agent(tx, SYSTEM, agent_id, {"availability": availability})


def routing(world: World, team_id: int, **fields: Any) -> None:
    got = world.admin.client.put(f"/api/v1/routing/teams/{team_id}", json=fields)
    assert got.status_code == 200, got.text


def new_tickets(world: World, inbox: int, count: int, **fields: Any) -> list[int]:
    return [
        customer_writes(
            world.fd, inbox, f"Question {i}", email=f"q{i}-{inbox}@example.org", **fields
        )
        for i in range(count)
    ]


def owners(world: World, ids: list[int]) -> list[int | None]:
    return [ticket(world.fd, i).assignee_id for i in ids]


def test_manual_routing_leaves_tickets_unassigned(world: World) -> None:
    inbox = make_inbox(world.fd, team_id=world.team_a)
    hire(world, "Anna", world.team_a)
    assert owners(world, new_tickets(world, inbox, 2)) == [None, None]


def test_round_robin_takes_online_agents_in_turn(world: World) -> None:
    inbox = make_inbox(world.fd, team_id=world.team_a)
    anna, boris, _away = (
        hire(world, "Anna", world.team_a),
        hire(world, "Boris", world.team_a),
        hire(world, "Cleo", world.team_a, availability="away"),
    )
    routing(world, world.team_a, mode="round_robin")
    ids = new_tickets(world, inbox, 5)
    # The world's own agent of team A is offline, Cleo away: only Anna and Boris take turns.
    assert owners(world, ids) == [anna, boris, anna, boris, anna]
    assert ticket(world.fd, ids[0]).status == "open"
    assert ticket(world.fd, ids[0]).transfer_count == 0  # a first owner is not a transfer


def test_least_loaded_weighs_open_tickets_by_channel(world: World) -> None:
    email = make_inbox(world.fd, team_id=world.team_a)
    api = make_inbox(world.fd, kind="api", team_id=world.team_a)
    anna = hire(world, "Anna", world.team_a)
    boris = hire(world, "Boris", world.team_a, availability="offline")
    routing(world, world.team_a, mode="least_loaded", channel_weights={"email": 1.0, "api": 0.1})
    api_tickets = new_tickets(world, api, 3)  # all to Anna, the only one online
    assert owners(world, api_tickets) == [anna] * 3
    set_availability(world, boris, "online")
    first_email = new_tickets(world, email, 1)
    assert owners(world, first_email) == [boris]  # 0 < 0.3
    # Anna: three API tickets weigh 0.3; Boris: one email weighs 1.0.
    second_email = new_tickets(world, email, 1)
    assert owners(world, second_email) == [anna]
    # Anna 1.3, Boris 1.0: Boris. Once Anna's email waits on the customer (pending is not
    # active), Anna is back at 0.3 and gets the next one.
    assert owners(world, new_tickets(world, api, 1)) == [boris]
    world.admin.client.patch(f"/api/v1/tickets/{second_email[0]}", json={"status": "pending"})
    assert owners(world, new_tickets(world, api, 1)) == [anna]


def test_skills_routing_matches_tags_and_language(world: World) -> None:
    inbox = make_inbox(world.fd, team_id=world.team_a)
    latvian_billing = hire(world, "Līga", world.team_a, languages=["lv", "en"])
    billing = hire(world, "Boris", world.team_a, languages=["en"])
    hire(world, "Cleo", world.team_a, languages=["lv"])
    admin = world.admin.client
    assert admin.put(
        f"/api/v1/agents/{latvian_billing}/skills", json={"skills": ["Billing"]}
    ).json()["skills"] == ["billing"]
    admin.put(f"/api/v1/agents/{billing}/skills", json={"skills": ["billing"]})
    routing(world, world.team_a, mode="skills")
    lv = new_tickets(world, inbox, 1, tags=("billing",), language="lv")
    en = new_tickets(world, inbox, 1, tags=("billing",), language="en")
    assert owners(world, lv) == [latvian_billing]
    assert owners(world, en) == [billing]  # least loaded of the two billing agents
    # Nobody online has the "legal" skill yet: the ticket waits rather than going astray.
    admin.put(f"/api/v1/agents/{world.agent.id}/skills", json={"skills": ["legal"]})
    legal = new_tickets(world, inbox, 1, tags=("legal",))
    assert owners(world, legal) == [None]
    assert [q["ticket_id"] for q in admin.get("/api/v1/routing/queue").json()] == legal
    set_availability(world, world.agent.id, "online")
    assert owners(world, legal) == [world.agent.id]
    assert admin.get("/api/v1/routing/queue").json() == []


def test_full_agents_make_tickets_wait_and_freed_capacity_assigns_them(world: World) -> None:
    inbox = make_inbox(world.fd, team_id=world.team_a)
    anna, boris = hire(world, "Anna", world.team_a), hire(world, "Boris", world.team_a)
    for agent_id in (anna, boris):
        got = world.admin.client.put(
            f"/api/v1/agents/{agent_id}/capacity", json={"capacity": {"email": 1}}
        )
        assert got.json()["capacity"] == {"email": 1}
    routing(world, world.team_a, mode="round_robin")
    ids = new_tickets(world, inbox, 3)
    assert owners(world, ids) == [anna, boris, None]
    queued = world.agent.client.get("/api/v1/routing/queue").json()
    assert [q["ticket_id"] for q in queued] == [ids[2]]
    assert world.other_agent.client.get("/api/v1/routing/queue").json() == []  # not their team
    world.admin.client.patch(f"/api/v1/tickets/{ids[1]}", json={"status": "solved"})
    assert owners(world, ids) == [anna, boris, boris]
    assert world.admin.client.get("/api/v1/routing/queue").json() == []


def test_chat_capacity_defaults_to_three() -> None:
    from frontdesk.routing.settings import RoutingSettings

    settings = RoutingSettings(
        by_team={}, by_inbox={}, capacities={(7, "chat"): 5}, skills={}, vocabulary=frozenset()
    )
    assert settings.capacity(1, "chat") == 3
    assert settings.capacity(7, "chat") == 5
    assert settings.capacity(1, "email") is None


def test_an_agent_going_offline_hands_back_active_tickets_when_the_rule_says(world: World) -> None:
    inbox = make_inbox(world.fd, team_id=world.team_a)
    anna = hire(world, "Anna", world.team_a)
    routing(world, world.team_a, mode="round_robin", on_offline="reroute")
    ids = new_tickets(world, inbox, 2)
    world.admin.client.patch(f"/api/v1/tickets/{ids[1]}", json={"status": "pending"})
    boris = hire(world, "Boris", world.team_a)
    set_availability(world, anna, "offline")
    # The active ticket moves to Boris; the pending one stays with Anna.
    assert owners(world, ids) == [boris, anna]
    moved = ticket(world.fd, ids[0])
    assert moved.transfer_count == 1
    transfers = world.admin.client.get(f"/api/v1/tickets/{ids[0]}/transfers").json()
    assert [(t["kind"], t["from_agent_id"], t["to_agent_id"]) for t in transfers] == [
        ("reroute", anna, None)
    ]
    assert transfers[0]["reason"] == "Anna went offline"


def test_keep_leaves_tickets_with_an_agent_who_goes_offline(world: World) -> None:
    inbox = make_inbox(world.fd, team_id=world.team_a)
    anna = hire(world, "Anna", world.team_a)
    routing(world, world.team_a, mode="round_robin")
    ids = new_tickets(world, inbox, 1)
    hire(world, "Boris", world.team_a)
    set_availability(world, anna, "offline")
    assert owners(world, ids) == [anna]


def test_every_transfer_is_recorded_and_counted(world: World) -> None:
    inbox = make_inbox(world.fd, team_id=world.team_a)
    ticket_id = new_tickets(world, inbox, 1)[0]
    agent = world.agent.client
    assert (
        agent.post(
            f"/api/v1/tickets/{ticket_id}/assign", json={"assignee_id": world.agent.id}
        ).status_code
        == 200
    )
    moved = agent.post(
        f"/api/v1/tickets/{ticket_id}/transfer",
        json={"assignee_id": world.admin.id, "reason": "Needs a refund approval"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["transfer_count"] == 1
    world.admin.client.patch(f"/api/v1/tickets/{ticket_id}", json={"team_id": world.team_b})
    history = world.admin.client.get(f"/api/v1/tickets/{ticket_id}/transfers").json()
    assert [
        (t["kind"], t["from_agent_id"], t["to_agent_id"], t["actor_id"], t["reason"])
        for t in history
    ] == [
        ("transfer", world.agent.id, world.admin.id, world.agent.id, "Needs a refund approval"),
        ("transfer", world.admin.id, world.admin.id, world.admin.id, None),
    ]
    assert (history[1]["from_team_id"], history[1]["to_team_id"]) == (world.team_a, world.team_b)
    assert ticket(world.fd, ticket_id).transfer_count == 2
    assert world.admin.client.get(f"/api/v1/tickets/{ticket_id}").json()["transfer_count"] == 2


def test_any_agent_escalates_to_the_supervisor_in_one_action(world: World) -> None:
    inbox = make_inbox(world.fd, team_id=world.team_a)
    lead = hire(world, "Lead", world.team_a)
    routing(world, world.team_a, lead_agent_id=lead)
    ticket_id = new_tickets(world, inbox, 1)[0]
    world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/assign", json={"assignee_id": world.agent.id}
    )
    escalated = world.light_agent.client.post(
        f"/api/v1/tickets/{ticket_id}/escalate", json={"reason": "The customer asks for a manager"}
    )
    assert escalated.status_code == 200, escalated.text
    assert escalated.json()["assignee_id"] == lead
    with world.fd.read() as session:
        row = session.scalars(
            select(TicketTransfer).where(TicketTransfer.ticket_id == ticket_id)
        ).one()
        assert (row.kind, row.actor_id, row.from_agent_id, row.to_agent_id) == (
            "escalation",
            world.light_agent.id,
            world.agent.id,
            lead,
        )
    again = world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/escalate", json={"reason": "Again"}
    )
    assert again.status_code == 409


def test_without_a_lead_an_escalation_goes_to_an_admin(world: World) -> None:
    inbox = make_inbox(world.fd, team_id=world.team_a)
    ticket_id = new_tickets(world, inbox, 1)[0]
    escalated = world.agent.client.post(
        f"/api/v1/tickets/{ticket_id}/escalate", json={"reason": "Angry"}
    )
    assert escalated.json()["assignee_id"] == world.admin.id


def test_bad_routing_input_is_refused_with_the_field(world: World) -> None:
    admin = world.admin.client
    inbox = make_inbox(world.fd, team_id=world.team_a)
    ticket_id = new_tickets(world, inbox, 1)[0]
    cases = [
        (admin.put(f"/api/v1/routing/teams/{world.team_a}", json={"mode": "lottery"}), 422, "mode"),
        (
            admin.put(
                f"/api/v1/routing/teams/{world.team_a}",
                json={"lead_agent_id": world.light_agent.id},
            ),
            422,
            "lead_agent_id",
        ),
        (
            admin.put(
                f"/api/v1/routing/teams/{world.team_a}", json={"channel_weights": {"email": -1}}
            ),
            422,
            "channel_weights.email",
        ),
        (admin.put("/api/v1/routing/teams/999", json={"mode": "round_robin"}), 404, None),
        (
            admin.put(f"/api/v1/agents/{world.agent.id}/capacity", json={"capacity": {"chat": -2}}),
            422,
            "capacity.chat",
        ),
        (
            admin.put(f"/api/v1/agents/{world.agent.id}/skills", json={"skills": ["two words"]}),
            422,
            "tags",
        ),
        (
            admin.post(
                f"/api/v1/tickets/{ticket_id}/transfer",
                json={"assignee_id": world.light_agent.id, "reason": "x"},
            ),
            422,
            "assignee_id",
        ),
        (
            admin.post(
                f"/api/v1/tickets/{ticket_id}/transfer",
                json={"assignee_id": world.agent.id, "reason": ""},
            ),
            422,
            "reason",
        ),
        (
            admin.post(f"/api/v1/tickets/{ticket_id}/escalate", json={"reason": "   "}),
            422,
            "reason",
        ),
    ]
    for response, status, field in cases:
        assert response.status_code == status, response.text
        if field:
            assert response.json()["errors"][0]["field"] == field, response.text
    assert admin.get(f"/api/v1/routing/teams/{world.team_a}").json()["mode"] == "manual"


def test_an_inbox_rule_wins_over_its_teams(world: World) -> None:
    chat_like = make_inbox(world.fd, team_id=world.team_a)
    other = make_inbox(world.fd, team_id=world.team_a)
    anna = hire(world, "Anna", world.team_a)
    routing(world, world.team_a, mode="round_robin")
    got = world.admin.client.put(f"/api/v1/routing/inboxes/{chat_like}", json={"mode": "manual"})
    assert got.status_code == 200 and got.json()["inbox_id"] == chat_like
    assert owners(world, new_tickets(world, chat_like, 1)) == [None]
    assert owners(world, new_tickets(world, other, 1)) == [anna]
