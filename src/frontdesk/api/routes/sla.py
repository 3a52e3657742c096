"""SLA policies, and a ticket's service-level record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from frontdesk.api.deps import FD, Admin, AnyAgent
from frontdesk.api.schemas import Input, ShortText
from frontdesk.domain.errors import NotFound
from frontdesk.domain.tickets import get_ticket
from frontdesk.models import SlaEvent, SlaPolicy
from frontdesk.sla import admin
from frontdesk.sla.tracking import policy_for

router = APIRouter(tags=["service levels"])


class PolicyIn(Input):
    name: ShortText
    position: int
    conditions: dict[str, list[Any]] = Field(default_factory=dict)
    calendar_id: int | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_percents: list[int] | None = None
    escalation: dict[str, Any] = Field(default_factory=dict)
    is_active: bool = True


class PolicyPatch(Input):
    name: ShortText | None = None
    position: int | None = None
    conditions: dict[str, list[Any]] | None = None
    calendar_id: int | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_percents: list[int] | None = None
    escalation: dict[str, Any] | None = None
    is_active: bool | None = None


class PolicyOut(BaseModel):
    id: int
    name: str
    position: int
    conditions: dict[str, list[Any]]
    calendar_id: int | None
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    warn_percents: list[int]
    escalation: dict[str, Any]
    is_active: bool

    @classmethod
    def of(cls, row: SlaPolicy) -> PolicyOut:
        return cls(**{name: getattr(row, name) for name in cls.model_fields})


class SlaEventOut(BaseModel):
    target: str
    kind: str
    percent: int
    due_at: datetime
    at: datetime


class TicketSlaOut(BaseModel):
    ticket_id: int
    policy_id: int | None
    policy_name: str | None
    calendar_time_zone: str | None
    paused: bool
    paused_seconds: int
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    events: list[SlaEventOut]


@router.get("/sla-policies", response_model=list[PolicyOut])
def list_(actor: AnyAgent, fd: FD) -> list[PolicyOut]:
    with fd.reading() as tx:
        rows = tx.session.scalars(select(SlaPolicy).order_by(SlaPolicy.position))
        return [PolicyOut.of(r) for r in rows]


@router.post("/sla-policies", status_code=201, response_model=PolicyOut)
def create(body: PolicyIn, actor: Admin, fd: FD) -> PolicyOut:
    with fd.transaction() as tx:
        return PolicyOut.of(admin.save_policy(tx, actor, body.model_dump()))


@router.get("/sla-policies/{policy_id}", response_model=PolicyOut)
def get(policy_id: int, actor: AnyAgent, fd: FD) -> PolicyOut:
    with fd.reading() as tx:
        row = tx.session.get(SlaPolicy, policy_id)
        if row is None:
            raise NotFound(f"SLA policy {policy_id} not found")
        return PolicyOut.of(row)


@router.patch("/sla-policies/{policy_id}", response_model=PolicyOut)
def update(policy_id: int, body: PolicyPatch, actor: Admin, fd: FD) -> PolicyOut:
    with fd.transaction() as tx:
        fields = body.model_dump(exclude_unset=True)
        return PolicyOut.of(admin.save_policy(tx, actor, fields, policy_id))


@router.delete("/sla-policies/{policy_id}", status_code=204)
def delete(policy_id: int, actor: Admin, fd: FD) -> Response:
    with fd.transaction() as tx:
        admin.delete_policy(tx, actor, policy_id)
    return Response(status_code=204)


@router.get("/tickets/{ticket_id}/sla", response_model=TicketSlaOut)
def ticket_sla(ticket_id: int, actor: AnyAgent, fd: FD) -> TicketSlaOut:
    """The policy that applies, the due times, and every warning and breach so far."""
    with fd.reading() as tx:
        ticket = get_ticket(tx, actor, ticket_id)
        policy = policy_for(tx.session, ticket)
        events = tx.session.scalars(
            select(SlaEvent).where(SlaEvent.ticket_id == ticket.id).order_by(SlaEvent.id)
        )
        return TicketSlaOut(
            ticket_id=ticket.id,
            policy_id=ticket.sla_policy_id,
            policy_name=policy.name if policy else None,
            calendar_time_zone=policy.calendar.time_zone if policy else None,
            paused=ticket.sla_paused_at is not None,
            paused_seconds=ticket.sla_paused_seconds,
            first_response_due_at=ticket.first_response_due_at,
            next_response_due_at=ticket.next_response_due_at,
            resolution_due_at=ticket.resolution_due_at,
            events=[
                SlaEventOut(
                    target=e.target, kind=e.kind, percent=e.percent, due_at=e.due_at, at=e.at
                )
                for e in events
            ],
        )
