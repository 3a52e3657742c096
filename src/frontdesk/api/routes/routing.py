"""Routing settings, agents' skills and capacities, the queue, transfers and escalation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from frontdesk.api.deps import FD, Admin, AnyAgent, FullAgent
from frontdesk.api.schemas import Input, Text, TicketOut
from frontdesk.domain.access import can_see
from frontdesk.domain.tickets import get_ticket
from frontdesk.models import RoutingConfig, RoutingQueueEntry, Ticket, TicketTransfer
from frontdesk.routing import admin, transfers

router = APIRouter(tags=["routing"])

Mode = Literal["manual", "round_robin", "least_loaded", "skills"]
Reason = Annotated[Text, Field(min_length=1, max_length=1000)]


class RoutingIn(Input):
    mode: Mode | None = None
    lead_agent_id: int | None = None
    on_offline: Literal["keep", "reroute"] | None = None
    channel_weights: dict[Annotated[str, Field(max_length=32)], float] | None = None


class RoutingOut(BaseModel):
    team_id: int | None
    inbox_id: int | None
    mode: str
    lead_agent_id: int | None
    on_offline: str
    channel_weights: dict[str, Any]

    @classmethod
    def of(cls, row: RoutingConfig | None, **scope: int | None) -> RoutingOut:
        if row is None:
            return cls(
                mode="manual",
                lead_agent_id=None,
                on_offline="keep",
                channel_weights={},
                team_id=scope.get("team_id"),
                inbox_id=scope.get("inbox_id"),
            )
        return cls(
            team_id=row.team_id,
            inbox_id=row.inbox_id,
            mode=row.mode,
            lead_agent_id=row.lead_agent_id,
            on_offline=row.on_offline,
            channel_weights=row.channel_weights,
        )


class SkillsIn(Input):
    skills: list[Annotated[Text, Field(max_length=64)]] = Field(max_length=100)


class SkillsOut(BaseModel):
    agent_id: int
    skills: list[str]


class CapacityIn(Input):
    capacity: dict[Annotated[str, Field(min_length=1, max_length=32)], int | None]


class CapacityOut(BaseModel):
    agent_id: int
    capacity: dict[str, int]


class QueuedOut(BaseModel):
    ticket_id: int
    team_id: int | None
    queued_at: datetime


class TransferIn(Input):
    assignee_id: int | None
    team_id: int | None = None
    reason: Reason


class EscalateIn(Input):
    reason: Reason


class TransferOut(BaseModel):
    id: int
    kind: str
    from_agent_id: int | None
    to_agent_id: int | None
    from_team_id: int | None
    to_team_id: int | None
    actor_type: str
    actor_id: int | None
    reason: str | None
    at: datetime

    @classmethod
    def of(cls, row: TicketTransfer) -> TransferOut:
        return cls(**{name: getattr(row, name) for name in cls.model_fields})


@router.get("/routing/teams/{team_id}", response_model=RoutingOut)
def team_routing(team_id: int, actor: AnyAgent, fd: FD) -> RoutingOut:
    with fd.reading() as tx:
        return RoutingOut.of(admin.get_config(tx, team_id=team_id), team_id=team_id)


@router.put("/routing/teams/{team_id}", response_model=RoutingOut)
def set_team_routing(team_id: int, body: RoutingIn, actor: Admin, fd: FD) -> RoutingOut:
    with fd.transaction() as tx:
        fields = body.model_dump(exclude_unset=True)
        return RoutingOut.of(admin.set_config(tx, actor, fields, team_id=team_id))


@router.get("/routing/inboxes/{inbox_id}", response_model=RoutingOut)
def inbox_routing(inbox_id: int, actor: AnyAgent, fd: FD) -> RoutingOut:
    with fd.reading() as tx:
        return RoutingOut.of(admin.get_config(tx, inbox_id=inbox_id), inbox_id=inbox_id)


@router.put("/routing/inboxes/{inbox_id}", response_model=RoutingOut)
def set_inbox_routing(inbox_id: int, body: RoutingIn, actor: Admin, fd: FD) -> RoutingOut:
    with fd.transaction() as tx:
        fields = body.model_dump(exclude_unset=True)
        return RoutingOut.of(admin.set_config(tx, actor, fields, inbox_id=inbox_id))


@router.get("/routing/queue", response_model=list[QueuedOut])
def queue(actor: AnyAgent, fd: FD) -> list[QueuedOut]:
    """Tickets waiting for an agent with room, oldest first (those the caller may see)."""
    with fd.reading() as tx:
        rows = tx.session.execute(
            select(RoutingQueueEntry, Ticket)
            .join(Ticket, Ticket.id == RoutingQueueEntry.ticket_id)
            .order_by(RoutingQueueEntry.queued_at, RoutingQueueEntry.ticket_id)
            .limit(500)
        ).all()
        return [
            QueuedOut(ticket_id=e.ticket_id, team_id=e.team_id, queued_at=e.queued_at)
            for e, t in rows
            if can_see(actor, t)
        ]


@router.get("/agents/{agent_id}/skills", response_model=SkillsOut)
def skills(agent_id: int, actor: AnyAgent, fd: FD) -> SkillsOut:
    with fd.reading() as tx:
        admin._agent(tx, agent_id)
        return SkillsOut(agent_id=agent_id, skills=admin.skills_of(tx, agent_id))


@router.put("/agents/{agent_id}/skills", response_model=SkillsOut)
def set_skills(agent_id: int, body: SkillsIn, actor: Admin, fd: FD) -> SkillsOut:
    with fd.transaction() as tx:
        return SkillsOut(
            agent_id=agent_id, skills=admin.set_skills(tx, actor, agent_id, body.skills)
        )


@router.get("/agents/{agent_id}/capacity", response_model=CapacityOut)
def capacity(agent_id: int, actor: AnyAgent, fd: FD) -> CapacityOut:
    with fd.reading() as tx:
        admin._agent(tx, agent_id)
        return CapacityOut(agent_id=agent_id, capacity=admin.capacities_of(tx, agent_id))


@router.put("/agents/{agent_id}/capacity", response_model=CapacityOut)
def set_capacity(agent_id: int, body: CapacityIn, actor: Admin, fd: FD) -> CapacityOut:
    with fd.transaction() as tx:
        found = admin.set_capacity(tx, actor, agent_id, body.capacity)
        return CapacityOut(agent_id=agent_id, capacity=found)


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketOut)
def transfer(ticket_id: int, body: TransferIn, actor: FullAgent, fd: FD) -> TicketOut:
    """Hand the ticket to someone else (and/or another team), saying why."""
    with fd.transaction() as tx:
        team = body.team_id if "team_id" in body.model_fields_set else ...
        ticket = transfers.transfer(
            tx, actor, ticket_id, body.assignee_id, team_id=team, reason=body.reason
        )
        return TicketOut.of(ticket)


@router.post("/tickets/{ticket_id}/escalate", response_model=TicketOut)
def escalate(ticket_id: int, body: EscalateIn, actor: AnyAgent, fd: FD) -> TicketOut:
    """Connect the customer with someone with authority: the team's lead, or an admin."""
    with fd.transaction() as tx:
        return TicketOut.of(transfers.escalate(tx, actor, ticket_id, body.reason))


@router.get("/tickets/{ticket_id}/transfers", response_model=list[TransferOut])
def ticket_transfers(ticket_id: int, actor: AnyAgent, fd: FD) -> list[TransferOut]:
    with fd.reading() as tx:
        get_ticket(tx, actor, ticket_id)
        return [TransferOut.of(r) for r in transfers.transfers_of(tx, ticket_id)]
