"""The job that delivers an agent's reply through the ticket's channel.

The slow part (the network) runs outside any transaction; the message's delivery status is
written before and after in short transactions of their own.
"""

from __future__ import annotations

from sqlalchemy import select

from frontdesk.channels.base import (
    DeliveryFailed,
    OutboundAttachment,
    OutboundMessage,
    adapter_class,
    validate_config,
)
from frontdesk.channels.webform import relay_by_email
from frontdesk.domain.settings import general_settings
from frontdesk.jobs.handlers import PermanentFailure
from frontdesk.jobs.queue import ClaimedJob
from frontdesk.models import (
    Agent,
    Contact,
    ContactIdentity,
    Inbox,
    Message,
    Ticket,
    TicketParticipant,
)
from frontdesk.runtime import Frontdesk


def deliver_message(fd: Frontdesk, job: ClaimedJob) -> None:
    message_id = int(job.payload["message_id"])
    with fd.read() as session:
        message = session.get(Message, message_id)
        if message is None:
            raise PermanentFailure(f"message {message_id} no longer exists")
        if message.delivery_status == "sent":
            return  # a repeated job after a crash between send and bookkeeping
        ticket = session.get_one(Ticket, message.ticket_id)
        inbox = session.get_one(Inbox, message.inbox_id)
        contact = session.get_one(Contact, ticket.contact_id)
        author = session.get(Agent, message.author_agent_id) if message.author_agent_id else None
        history = session.execute(
            select(Message.direction, Message.external_id)
            .where(
                Message.ticket_id == ticket.id,
                Message.external_id.is_not(None),
                Message.is_internal.is_(False),
                Message.id < message.id,
            )
            .order_by(Message.id)
        ).all()
        last_inbound = next((e for d, e in reversed(history) if d == "in"), None)
        participants = session.scalars(
            select(ContactIdentity)
            .join(TicketParticipant, TicketParticipant.contact_id == ContactIdentity.contact_id)
            .where(TicketParticipant.ticket_id == ticket.id)
            .order_by(ContactIdentity.id)
        ).all()
        outbound = OutboundMessage(
            message_id=message.id,
            ticket_id=ticket.id,
            ticket_subject=ticket.subject,
            ticket_status=ticket.status,
            thread_key=ticket.thread_key,
            text=message.text,
            html=message.html,
            created_at=message.created_at,
            author_name=author.name if author else "",
            contact_id=contact.id,
            contact_name=contact.name,
            recipients=tuple(
                (i.kind, i.address) for i in contact.identities if i.bounced_at is None
            ),
            in_reply_to=last_inbound,
            attachments=tuple(
                OutboundAttachment(a.id, a.filename, a.content_type, a.size, a.sha256)
                for a in message.attachments
            ),
            read_attachment=fd.storage.get,
            ticket_token=ticket.token,
            references=tuple(e for _, e in history if e)[-20:],
            cc=tuple((i.kind, i.address) for i in participants if i.bounced_at is None),
            inbox_id=inbox.id,
        )
        kind, config = inbox.kind, validate_config(inbox.kind, inbox.config)
        relay_failed: DeliveryFailed | None = None
        if kind == "webform":
            # The web form has no mailbox: its replies go out through an email inbox.
            try:
                kind, config, outbound = relay_by_email(
                    session,
                    config,
                    outbound,
                    portal_url=str(fd.settings.base_url),
                    desk_name=general_settings(session).desk_name,
                )
            except DeliveryFailed as exc:
                relay_failed = exc

    try:
        if relay_failed is not None:
            raise relay_failed
        receipt = adapter_class(kind)(fd.settings).send(config, outbound)
    except DeliveryFailed as exc:
        with fd.transaction() as tx:
            failed = tx.session.get_one(Message, message_id)
            failed.delivery_error = str(exc)
            if job.is_last_attempt or exc.permanent:
                failed.delivery_status = "failed"
                tx.emit(
                    "message.delivery_failed",
                    ticket=ticket,
                    message_id=message_id,
                )
        if exc.permanent:
            raise PermanentFailure(str(exc)) from exc
        raise

    with fd.transaction() as tx:
        sent = tx.session.get_one(Message, message_id)
        sent.delivery_status = "sent"
        sent.delivery_error = None
        sent.sent_at = tx.now()
        if receipt.external_id:
            sent.external_id = receipt.external_id
        tx.emit(
            "message.delivered",
            ticket=ticket,
            message_id=message_id,
        )
