"""Load the demo world (demo/content.py) through the same domain actions a real
installation uses, with the clock set back so the history looks lived-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.clock import FrozenClock, SystemClock
from frontdesk.config import Settings
from frontdesk.demo import content
from frontdesk.domain import agents, contacts, tickets
from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.contacts import IdentityRef
from frontdesk.domain.inbound import receive
from frontdesk.models import Agent, Ticket
from frontdesk.runtime import Frontdesk

DEMO_PASSWORD = "frontdesk-demo"  # noqa: S105 — printed by `frontdesk demo`; demo data only


def load_demo(settings: Settings) -> bool:
    """Fill an empty help desk with the demo world. Returns False if it had tickets."""
    clock = FrozenClock(SystemClock().now())
    fd = Frontdesk(settings, clock=clock)
    try:
        with fd.read() as session:
            if session.scalar(select(func.count()).select_from(Ticket)):
                return False
        start = clock.now()
        clock.set(start - timedelta(days=45))
        agent_ids, team_ids, contact_ids = _people(fd)
        for spec in sorted(content.TICKETS, key=lambda t: -int(t["days_ago"])):
            _ticket(fd, clock, start, spec, agent_ids, team_ids, contact_ids)
        return True
    finally:
        fd.close()


def _people(fd: Frontdesk) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    with fd.transaction() as tx:
        team_ids = {
            t["key"]: agents.create_team(tx, SYSTEM, t["name"], []).id for t in content.TEAMS
        }
        agent_ids: dict[str, int] = {}
        for spec in content.AGENTS:
            existing = tx.session.scalar(select(Agent).where(Agent.email == spec["email"]))
            if existing is not None:
                agent_ids[spec["email"]] = existing.id
                agents.update_agent(
                    tx, SYSTEM, existing.id, {"team_ids": [team_ids[k] for k in spec["teams"]]}
                )
                continue
            agent = agents.create_agent(
                tx,
                SYSTEM,
                email=spec["email"],
                name=spec["name"],
                role=spec["role"],
                password=DEMO_PASSWORD,
                languages=list(spec["languages"]),
                team_ids=[team_ids[k] for k in spec["teams"]],
            )
            agent_ids[spec["email"]] = agent.id
        org_ids = {
            o["key"]: contacts.create_organization(
                tx, SYSTEM, {"name": o["name"], "tier": o["tier"], "notes": o["notes"]}
            ).id
            for o in content.ORGANIZATIONS
        }
        contact_ids: dict[str, int] = {}
        for spec in content.CONTACTS:
            fields: dict[str, Any] = {
                "name": spec["name"],
                "language": spec["language"],
                "time_zone": spec["time_zone"],
                "tier": spec["tier"],
                "lifetime_value": spec["lifetime_value"],
                "notes": spec["notes"],
                "organization_id": org_ids[spec["organization"]] if spec["organization"] else None,
            }
            identities = [IdentityRef(i["kind"], i["address"]) for i in spec["identities"]]
            contact_ids[spec["key"]] = contacts.create_contact(tx, SYSTEM, fields, identities).id
        default_api_inbox(tx)
    return agent_ids, team_ids, contact_ids


def _ticket(
    fd: Frontdesk,
    clock: FrozenClock,
    start: datetime,
    spec: dict[str, Any],
    agent_ids: dict[str, int],
    team_ids: dict[str, int],
    contact_ids: dict[str, int],
) -> None:
    opened = start - timedelta(days=int(spec["days_ago"]), hours=3)
    contact_id = contact_ids[spec["contact"]]
    assignee = agent_ids.get(spec["assignee"]) if spec["assignee"] else None
    agent_actor = SYSTEM if assignee is None else Actor("agent", assignee, "agent")
    ticket_id: int | None = None
    for message in spec["messages"]:
        clock.set(opened + timedelta(minutes=int(message["minutes_after"])))
        with fd.transaction() as tx:
            if message["from"] == "customer":
                inbox = default_api_inbox(tx)
                received = receive(
                    tx,
                    InboundMessage(
                        inbox_id=inbox.id,
                        sender=Sender(contact_id=contact_id),
                        channel=spec["channel"],
                        subject=spec["subject"],
                        text=message["text"],
                        ticket_id=ticket_id,
                        priority=spec["priority"],
                        tags=tuple(spec["tags"]),
                    ),
                )
                if ticket_id is None:
                    ticket_id = received.ticket.id
                    team = team_ids[spec["team"]] if spec["team"] else None
                    if assignee is not None or team is not None:
                        tickets.assign(tx, SYSTEM, ticket_id, assignee, team_id=team)
            elif ticket_id is not None and message["from"] == "agent":
                tickets.reply(tx, agent_actor, ticket_id, message["text"])
            elif ticket_id is not None:
                tickets.add_note(tx, agent_actor, ticket_id, message["text"])
    if ticket_id is not None:
        with fd.transaction() as tx:
            if tx.session.get_one(Ticket, ticket_id).status != spec["status"]:
                tickets.update_ticket(tx, SYSTEM, ticket_id, {"status": spec["status"]})
