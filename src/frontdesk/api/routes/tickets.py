"""Tickets: list, create, read, change, reply, note, assign."""

from __future__ import annotations

from functools import cache, partial
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from prometheus_client import Counter
from pydantic import BaseModel
from sqlalchemy import select

from frontdesk import metrics
from frontdesk.api.deps import FD, AnyAgent, FullAgent
from frontdesk.api.schemas import (
    Accepted,
    AssignIn,
    AuditOut,
    MessageOut,
    NoteIn,
    Page,
    ReplyIn,
    TicketCreate,
    TicketCreated,
    TicketOut,
    TicketUpdate,
    TicketWithMessages,
    json_response,
)
from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.domain import tickets
from frontdesk.domain.access import can_see
from frontdesk.domain.actors import Actor
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.errors import Invalid
from frontdesk.domain.inbound import receive
from frontdesk.domain.ticket_list import Sort, TicketFilter, list_tickets
from frontdesk.models import AuditEntry
from frontdesk.runtime import Frontdesk

router = APIRouter(prefix="/tickets", tags=["tickets"])


def _id_or_none(
    value: str | None, field: str, me: int | None = None
) -> int | Literal["none"] | None:
    if value is None:
        return None
    if value == "none":
        return "none"
    if value == "me" and me is not None:
        return me
    try:
        return int(value)
    except ValueError:
        raise Invalid(field, "must be an id, 'none'" + (" or 'me'" if me else "")) from None


@router.get("", response_model=Page[TicketOut])
def list_(
    actor: AnyAgent,
    fd: FD,
    status: Annotated[str | None, Query(description="comma-separated, or 'unsolved'")] = None,
    priority: str | None = None,
    assignee: Annotated[str | None, Query(description="agent id, 'me' or 'none'")] = None,
    team: Annotated[str | None, Query(description="team id or 'none'")] = None,
    inbox: int | None = None,
    contact: int | None = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    sort: Sort = "-updated_at",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    filters = TicketFilter(
        statuses=tuple(s for s in (status or "").split(",") if s),
        priorities=tuple(p for p in (priority or "").split(",") if p),
        assignee=_id_or_none(assignee, "assignee", me=actor.id),
        team=_id_or_none(team, "team"),
        inbox_id=inbox,
        contact_id=contact,
        tag=tag,
        language=language,
    )
    with fd.read() as session:
        rows, next_cursor = list_tickets(
            session, actor, filters, sort=sort, limit=limit, cursor=cursor
        )
        page = Page[TicketOut](items=[TicketOut.of(t) for t in rows], next_cursor=next_cursor)
    return json_response(page)


@router.post(
    "",
    status_code=201,
    response_model=TicketCreated,
    responses={202: {"model": Accepted, "description": "Stored on a ticket you cannot see"}},
)
async def create(body: TicketCreate, actor: FullAgent, fd: FD) -> Response:
    """Open a ticket for a customer. The message enters through the same pipeline as every
    channel's; with an `external_id`, sending the same request twice stores it once."""
    # Tickets opened at the same moment share one transaction (group_commit.py).
    model, status, opened_on = await fd.writes.run(partial(_create, body, actor, fd))
    if opened_on:
        _count(opened_on)
    return json_response(model, status)


def _create(body: TicketCreate, actor: Actor, fd: Frontdesk) -> tuple[BaseModel, int, str | None]:
    """The answer, its status, and the channel of the ticket it opened (None: none)."""
    kind, address = body.contact.primary()
    with fd.transaction() as tx:
        inbox_id = body.inbox_id or default_api_inbox(tx).id
        received = receive(
            tx,
            InboundMessage(
                inbox_id=inbox_id,
                sender=Sender(kind, address, body.contact.name),
                subject=body.subject,
                text=body.message,
                html=body.html,
                external_id=body.external_id,
                thread_key=body.thread_key,
                language=body.language,
                priority=body.priority,
                tags=tuple(body.tags),
                attachments=tuple(a.decoded() for a in body.attachments),
            ),
        )
        ticket = received.ticket
        if received.ticket_created:
            if body.custom_fields:
                tickets.update_ticket(tx, actor, ticket.id, {"custom_fields": body.custom_fields})
            if body.assignee_id is not None or body.team_id is not None:
                tickets.assign(
                    tx,
                    actor,
                    ticket.id,
                    body.assignee_id,
                    team_id=body.team_id if body.team_id is not None else ticket.team_id,
                )
        opened_on = received.message.channel if received.ticket_created else None
        if not can_see(actor, ticket):  # see post_inbound: nothing shown of it
            return Accepted(duplicate=received.duplicate), 202, opened_on
        created = TicketCreated.model_construct(
            # Built from our own validated rows: no second validation.
            **TicketOut.of(ticket).__dict__,
            message=MessageOut.of(received.message),
            duplicate=received.duplicate,
        )
    return created, 201 if received.ticket_created else 200, opened_on


def _count(channel: str) -> None:
    for counter in _counters(channel):
        counter.inc()


@cache
def _counters(channel: str) -> tuple[Counter, Counter]:
    # Looking a label up costs more than counting: once per channel.
    return metrics.TICKETS_CREATED.labels(channel), metrics.MESSAGES_RECEIVED.labels(channel)


@router.get("/{ticket_id}", response_model=TicketWithMessages)
def get(ticket_id: int, actor: AnyAgent, fd: FD) -> TicketWithMessages:
    with fd.reading() as tx:
        ticket = tickets.get_ticket(tx, actor, ticket_id)
        messages = tickets.ticket_messages(tx, actor, ticket_id)
        return TicketWithMessages(
            **TicketOut.of(ticket).model_dump(), messages=[MessageOut.of(m) for m in messages]
        )


@router.patch("/{ticket_id}", response_model=TicketOut)
def update(ticket_id: int, body: TicketUpdate, actor: FullAgent, fd: FD) -> TicketOut:
    with fd.transaction() as tx:
        ticket = tickets.update_ticket(tx, actor, ticket_id, body.model_dump(exclude_unset=True))
        return TicketOut.of(ticket)


@router.get("/{ticket_id}/messages", response_model=list[MessageOut])
def messages(ticket_id: int, actor: AnyAgent, fd: FD) -> list[MessageOut]:
    with fd.reading() as tx:
        return [MessageOut.of(m) for m in tickets.ticket_messages(tx, actor, ticket_id)]


@router.post("/{ticket_id}/reply", status_code=201, response_model=MessageOut)
def reply(ticket_id: int, body: ReplyIn, actor: FullAgent, fd: FD) -> MessageOut:
    """Answer the customer on the ticket's channel; delivery happens in a job."""
    with fd.transaction() as tx:
        message = tickets.reply(
            tx,
            actor,
            ticket_id,
            body.text,
            html=body.html,
            status=body.status,
            attachments=[a.decoded() for a in body.attachments],
        )
        return MessageOut.of(message)


@router.post("/{ticket_id}/notes", status_code=201, response_model=MessageOut)
def note(ticket_id: int, body: NoteIn, actor: AnyAgent, fd: FD) -> MessageOut:
    with fd.transaction() as tx:
        message = tickets.add_note(
            tx,
            actor,
            ticket_id,
            body.text,
            html=body.html,
            attachments=[a.decoded() for a in body.attachments],
        )
        return MessageOut.of(message)


@router.post("/{ticket_id}/assign", response_model=TicketOut)
def assign(ticket_id: int, body: AssignIn, actor: FullAgent, fd: FD) -> TicketOut:
    with fd.transaction() as tx:
        team = body.team_id if "team_id" in body.model_fields_set else ...
        return TicketOut.of(tickets.assign(tx, actor, ticket_id, body.assignee_id, team_id=team))


@router.get("/{ticket_id}/audit", response_model=list[AuditOut])
def audit(ticket_id: int, actor: AnyAgent, fd: FD) -> list[AuditOut]:
    """Every change to the ticket: who, what, before and after."""
    with fd.reading() as tx:
        tickets.get_ticket(tx, actor, ticket_id)
        rows = tx.session.scalars(
            select(AuditEntry).where(AuditEntry.ticket_id == ticket_id).order_by(AuditEntry.id)
        )
        return [AuditOut.model_validate(r) for r in rows]
