"""What a signed-in customer can do: see their own tickets and answer them."""

from __future__ import annotations

from fastapi import APIRouter

from frontdesk.api.deps import FD, Customer
from frontdesk.api.schemas import MessageOut, Page, PortalReplyIn, TicketOut, TicketWithMessages
from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.domain import tickets
from frontdesk.domain.inbound import receive
from frontdesk.domain.ticket_list import TicketFilter, list_tickets

router = APIRouter(prefix="/portal", tags=["portal"])


@router.get("/tickets", response_model=Page[TicketOut])
def my_tickets(actor: Customer, fd: FD, cursor: str | None = None) -> Page[TicketOut]:
    with fd.read() as session:
        rows, next_cursor = list_tickets(session, actor, TicketFilter(), sort="-id", cursor=cursor)
        return Page[TicketOut](items=[TicketOut.of(t) for t in rows], next_cursor=next_cursor)


@router.get("/tickets/{ticket_id}", response_model=TicketWithMessages)
def my_ticket(ticket_id: int, actor: Customer, fd: FD) -> TicketWithMessages:
    with fd.reading() as tx:
        ticket = tickets.get_ticket(tx, actor, ticket_id)
        messages = tickets.ticket_messages(tx, actor, ticket_id)  # internal notes left out
        return TicketWithMessages(
            **TicketOut.of(ticket).model_dump(), messages=[MessageOut.of(m) for m in messages]
        )


@router.post("/tickets/{ticket_id}/messages", status_code=201, response_model=MessageOut)
def answer(ticket_id: int, body: PortalReplyIn, actor: Customer, fd: FD) -> MessageOut:
    """The customer writes on their ticket; it enters through the one inbound pipeline."""
    assert actor.id is not None
    with fd.transaction() as tx:
        ticket = tickets.get_ticket(tx, actor, ticket_id)
        received = receive(
            tx,
            InboundMessage(
                inbox_id=ticket.inbox_id,
                sender=Sender(contact_id=actor.id),
                channel="portal",
                text=body.text,
                ticket_id=ticket.id,
                attachments=tuple(a.decoded() for a in body.attachments),
            ),
        )
        return MessageOut.of(received.message)
