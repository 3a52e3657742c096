"""The API channel's way in: an integration posts customer messages to its inbox."""

from __future__ import annotations

from fastapi import APIRouter, Response

from frontdesk import metrics
from frontdesk.api.deps import FD, FullAgent
from frontdesk.api.schemas import Accepted, InboundIn, MessageOut, TicketCreated, TicketOut
from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.domain.access import can_see
from frontdesk.domain.errors import NotFound
from frontdesk.domain.inbound import receive
from frontdesk.models import Inbox

router = APIRouter(tags=["api channel"])


@router.post(
    "/inboxes/{inbox_id}/messages",
    status_code=201,
    response_model=TicketCreated | Accepted,
    responses={202: {"model": Accepted, "description": "Stored on a ticket you cannot see"}},
)
def post_inbound(
    inbox_id: int, body: InboundIn, actor: FullAgent, fd: FD, response: Response
) -> TicketCreated | Accepted:
    """Store a customer message on an API inbox. It threads onto the ticket named by
    `ticket_id`, by a message it answers (`in_reply_to`) or by `thread_key`, else opens one.
    Answered 201 when stored, 200 when this `external_id` was stored before."""
    kind, address = body.contact.primary()
    with fd.transaction() as tx:
        inbox = tx.session.get(Inbox, inbox_id)
        if inbox is None or inbox.kind != "api":
            raise NotFound(f"API inbox {inbox_id} not found")
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
                in_reply_to=tuple(body.in_reply_to),
                ticket_id=body.ticket_id,
                language=body.language,
                attachments=tuple(a.decoded() for a in body.attachments),
            ),
        )
        if received.duplicate:
            response.status_code = 200
        else:
            metrics.MESSAGES_RECEIVED.labels("api").inc()
            if received.ticket_created:
                metrics.TICKETS_CREATED.labels("api").inc()
        if not can_see(actor, received.ticket):
            # Stored all the same (the customer wrote), but an integration token of one
            # team learns nothing of another team's ticket by posting to its thread.
            response.status_code = 202
            return Accepted(duplicate=received.duplicate)
        return TicketCreated(
            **TicketOut.of(received.ticket).model_dump(),
            message=MessageOut.of(received.message),
            duplicate=received.duplicate,
        )
