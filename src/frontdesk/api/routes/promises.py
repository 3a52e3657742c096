"""Promises on tickets, follow-up settings per inbox, and snoozing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from frontdesk.api.deps import FD, Admin, AnyAgent, FullAgent
from frontdesk.api.schemas import Input, Text, TicketOut
from frontdesk.domain.access import can_see
from frontdesk.domain.errors import Invalid
from frontdesk.models import Promise, Ticket
from frontdesk.promises import followups, records

router = APIRouter(tags=["promises and follow-ups"])


class PromiseIn(Input):
    text: Annotated[Text, Field(min_length=1, max_length=2000)]
    due_at: datetime
    owner_id: int | None = None
    remind_minutes_before: Annotated[int, Field(ge=0, le=7 * 24 * 60)] = 30


class PromiseOut(BaseModel):
    id: int
    ticket_id: int
    owner_id: int
    text: str
    due_at: datetime
    remind_at: datetime
    reminded_at: datetime | None
    status: str
    overdue: bool
    resolved_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: Promise) -> PromiseOut:
        return cls(
            id=row.id,
            ticket_id=row.ticket_id,
            owner_id=row.owner_id,
            text=row.text,
            due_at=row.due_at,
            remind_at=row.remind_at,
            reminded_at=row.reminded_at,
            status=row.status,
            overdue=row.status == "broken",
            resolved_at=row.resolved_at,
            created_at=row.created_at,
        )


class PromiseSummary(BaseModel):
    broken_by_owner: dict[int, int]
    broken_total: int


class FollowUpIn(Input):
    follow_up_after_days: Annotated[int, Field(ge=1, le=365)]
    solve_after_days: Annotated[int, Field(ge=1, le=365)]
    follow_up_text: Annotated[Text, Field(min_length=1, max_length=5000)]


class FollowUpOut(BaseModel):
    inbox_id: int
    follow_up_after_days: int | None
    solve_after_days: int | None
    follow_up_text: str | None


class SnoozeIn(Input):
    until: datetime


@router.post("/tickets/{ticket_id}/promises", status_code=201, response_model=PromiseOut)
def make(ticket_id: int, body: PromiseIn, actor: FullAgent, fd: FD) -> PromiseOut:
    with fd.transaction() as tx:
        promise = records.make_promise(
            tx,
            actor,
            ticket_id,
            text=body.text,
            due_at=body.due_at,
            owner_id=body.owner_id,
            remind_before=timedelta(minutes=body.remind_minutes_before),
        )
        return PromiseOut.of(promise)


@router.get("/tickets/{ticket_id}/promises", response_model=list[PromiseOut])
def of_ticket(ticket_id: int, actor: AnyAgent, fd: FD) -> list[PromiseOut]:
    with fd.reading() as tx:
        return [PromiseOut.of(p) for p in records.promises_of_ticket(tx, actor, ticket_id)]


@router.get("/promises", response_model=list[PromiseOut])
def list_(
    actor: AnyAgent,
    fd: FD,
    owner: Annotated[str | None, Query(description="agent id or 'me'")] = None,
    status: Literal["open", "kept", "broken", "cancelled"] | None = None,
) -> list[PromiseOut]:
    """Promises by due time; `status=broken` lists the overdue ones."""
    owner_id = actor.id if owner == "me" else (int(owner) if owner and owner.isdigit() else None)
    if owner is not None and owner_id is None:
        raise Invalid("owner", "must be an agent id or 'me'")
    with fd.reading() as tx:
        rows = records.list_promises(tx, owner_id, status)
        return [
            PromiseOut.of(p)
            for p in rows
            if can_see(actor, tx.session.get_one(Ticket, p.ticket_id))
        ]


@router.get("/promises/summary", response_model=PromiseSummary)
def summary(actor: AnyAgent, fd: FD) -> PromiseSummary:
    with fd.reading() as tx:
        counts = records.broken_counts(tx)
        return PromiseSummary(broken_by_owner=counts, broken_total=sum(counts.values()))


@router.post("/promises/{promise_id}/keep", response_model=PromiseOut)
def keep(promise_id: int, actor: FullAgent, fd: FD) -> PromiseOut:
    with fd.transaction() as tx:
        return PromiseOut.of(records.resolve_promise(tx, actor, promise_id, "kept"))


@router.post("/promises/{promise_id}/cancel", response_model=PromiseOut)
def cancel(promise_id: int, actor: FullAgent, fd: FD) -> PromiseOut:
    with fd.transaction() as tx:
        return PromiseOut.of(records.resolve_promise(tx, actor, promise_id, "cancelled"))


@router.get("/inboxes/{inbox_id}/follow-up", response_model=FollowUpOut)
def follow_up(inbox_id: int, actor: AnyAgent, fd: FD) -> FollowUpOut:
    with fd.reading() as tx:
        policy = followups.get_policy(tx, inbox_id)
        if policy is None:
            return FollowUpOut(
                inbox_id=inbox_id,
                follow_up_after_days=None,
                solve_after_days=None,
                follow_up_text=None,
            )
        return FollowUpOut(
            inbox_id=inbox_id,
            follow_up_after_days=policy.follow_up_after_days,
            solve_after_days=policy.solve_after_days,
            follow_up_text=policy.follow_up_text,
        )


@router.put("/inboxes/{inbox_id}/follow-up", response_model=FollowUpOut)
def set_follow_up(inbox_id: int, body: FollowUpIn, actor: Admin, fd: FD) -> FollowUpOut:
    with fd.transaction() as tx:
        policy = followups.set_policy(tx, actor, inbox_id, **body.model_dump())
        return FollowUpOut(
            inbox_id=inbox_id,
            follow_up_after_days=policy.follow_up_after_days,
            solve_after_days=policy.solve_after_days,
            follow_up_text=policy.follow_up_text,
        )


@router.post("/tickets/{ticket_id}/snooze", response_model=TicketOut)
def snooze(ticket_id: int, body: SnoozeIn, actor: FullAgent, fd: FD) -> TicketOut:
    """Put the ticket aside until a date: pending now, open again then."""
    with fd.transaction() as tx:
        return TicketOut.of(followups.snooze(tx, actor, ticket_id, body.until))
