"""The one inbound pipeline: every channel's message enters through receive()."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from frontdesk import ticket_hooks
from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.domain.actors import Actor
from frontdesk.domain.contacts import IdentityRef, get_contact, resolve_sender
from frontdesk.domain.errors import Invalid, NotFound
from frontdesk.domain.text import check_text, sanitize_html
from frontdesk.domain.tickets import normalize_tags, store_attachments
from frontdesk.domain.tx import Tx
from frontdesk.models import (
    PRIORITIES,
    Contact,
    Inbox,
    Message,
    Ticket,
    TicketParticipant,
    TicketTag,
)

SUBJECT_MAX = 500
# A customer writing again reopens a ticket in these states; a closed ticket stays closed
# and the message opens a follow-up instead.
REOPENING_STATUSES = ("pending", "on_hold", "solved")


@dataclass(frozen=True)
class Received:
    ticket: Ticket
    message: Message
    ticket_created: bool
    duplicate: bool


def receive(tx: Tx, msg: InboundMessage) -> Received:
    """Store one customer message: resolve the contact, thread it onto a ticket (or open
    one), record it once per external id, and emit the events it causes after commit."""
    session = tx.session
    inbox = session.get(Inbox, msg.inbox_id)
    if inbox is None or not inbox.is_active:
        raise NotFound(f"inbox {msg.inbox_id} not found")
    _validate(msg)

    if msg.external_id is not None:
        already = session.scalar(
            select(Message).where(
                Message.inbox_id == inbox.id, Message.external_id == msg.external_id
            )
        )
        if already is not None:
            ticket = session.get_one(Ticket, already.ticket_id)
            return Received(ticket, already, ticket_created=False, duplicate=True)

    contact = _resolve_contact(tx, msg)
    now = tx.now()
    found = _find_thread(tx, inbox, contact, msg)
    created = found is None or found.status == "closed"
    reopened_from: str | None = None
    if found is None or found.status == "closed":
        ticket = _open_ticket(tx, inbox, contact, msg, follow_up_of=found)
    else:
        ticket = found
        if ticket.status in REOPENING_STATUSES and not msg.auto:
            reopened_from = ticket.status
            ticket.status = "open"
            ticket.solved_at = None
    if not msg.auto:  # a vacation reply is not the customer writing again
        ticket.last_customer_message_at = now
    ticket.updated_at = now

    message = Message(
        ticket=ticket,
        inbox_id=inbox.id,
        channel=msg.channel or inbox.kind,
        direction="in",
        is_internal=False,
        author_contact=contact,
        text=msg.text,
        html=sanitize_html(msg.html) if msg.html else None,
        external_id=msg.external_id,
        delivery_status="received",
        quoted_text=msg.quoted_text,
        is_auto=msg.auto,
        meta=msg.meta,
        created_at=now,
        attachments=[],
    )
    session.add(message)
    store_attachments(tx, message, msg.attachments)
    _add_participants(tx, ticket, contact, msg.participants)
    ticket_hooks.before_message_stored(tx, ticket)  # SLA clocks: written by the flush below
    # The one flush of the pipeline: contact, identity, ticket, message and attachments
    # go out together, in the order their keys need.
    session.flush()

    customer = Actor.for_contact(contact.id)
    if created:
        tx.audit(
            customer,
            "ticket.created",
            "ticket",
            ticket.id,
            {
                "subject": [None, ticket.subject],
                "status": [None, "new"],
                "inbox_id": [None, inbox.id],
                "channel": [None, message.channel],
            },
            ticket=ticket.id,
        )
    elif reopened_from:
        tx.audit(
            customer,
            "ticket.reopened",
            "ticket",
            ticket.id,
            {"status": [reopened_from, "open"]},
            ticket=ticket.id,
        )
    if created:
        tx.emit("ticket.created", ticket=ticket, subject=ticket.subject)
    tx.emit("message.received", ticket=ticket, message_id=message.id, channel=message.channel)
    ticket_hooks.message_received(tx, ticket, message, created=created)  # routing, triggers
    return Received(ticket, message, ticket_created=created, duplicate=False)


def _validate(msg: InboundMessage) -> None:
    check_text(msg.text, "message")
    if msg.subject is not None:
        check_text(msg.subject, "subject", max_length=SUBJECT_MAX)
    if msg.html is not None:
        check_text(msg.html, "html")
    if not msg.text.strip() and not msg.html and not msg.attachments:
        raise Invalid("message", "must not be empty")
    if msg.priority is not None and msg.priority not in PRIORITIES:
        raise Invalid("priority", f"must be one of {', '.join(PRIORITIES)}")


def _resolve_contact(tx: Tx, msg: InboundMessage) -> Contact:
    sender = msg.sender
    if sender.contact_id is not None:
        contact = get_contact(tx, sender.contact_id)
    elif sender.kind and sender.address:
        contact, _ = resolve_sender(tx, IdentityRef(sender.kind, sender.address, sender.name))
    else:
        raise Invalid("contact", "a sender identity (kind and address) is required")
    # A merged contact's identities moved; a stale reference still lands on the survivor.
    while contact.merged_into_id is not None:
        contact = get_contact(tx, contact.merged_into_id)
    return contact


def _add_participants(tx: Tx, ticket: Ticket, contact: Contact, people: tuple[Sender, ...]) -> None:
    if not people:
        return
    known = (
        set()
        if ticket.id is None
        else set(
            tx.session.scalars(
                select(TicketParticipant.contact_id).where(TicketParticipant.ticket_id == ticket.id)
            )
        )
    )
    for person in people:
        try:
            other, _ = resolve_sender(tx, IdentityRef(person.kind, person.address, person.name))
        except Invalid:
            continue  # an unusable Cc address is not worth refusing the message for
        tx.session.flush()
        if other.id == contact.id or other.id in known:
            continue
        known.add(other.id)
        tx.session.add(
            TicketParticipant(ticket_id=ticket.id, contact_id=other.id, created_at=tx.now())
        )


def _find_thread(tx: Tx, inbox: Inbox, contact: Contact, msg: InboundMessage) -> Ticket | None:
    """The ticket this message continues: named by the channel, answered message, or the
    channel's conversation key, in that order."""
    session = tx.session
    if msg.ticket_id is not None:
        ticket = session.get(Ticket, msg.ticket_id)
        if ticket is not None and (
            msg.thread_verified
            or ticket.contact_id == contact.id
            or _is_participant(tx, ticket, contact)
        ):
            return ticket
    if msg.in_reply_to:
        ticket_id = session.scalar(
            select(Message.ticket_id)
            .where(Message.inbox_id == inbox.id, Message.external_id.in_(msg.in_reply_to))
            .order_by(Message.id.desc())
            .limit(1)
        )
        if ticket_id is not None:
            return session.get(Ticket, ticket_id)
    if msg.thread_key:
        return session.scalar(
            select(Ticket)
            .where(Ticket.inbox_id == inbox.id, Ticket.thread_key == msg.thread_key)
            .order_by(Ticket.id.desc())
            .limit(1)
        )
    return None


def _is_participant(tx: Tx, ticket: Ticket, contact: Contact) -> bool:
    if contact.id is None:
        return False
    return tx.session.get(TicketParticipant, (ticket.id, contact.id)) is not None


def _open_ticket(
    tx: Tx, inbox: Inbox, contact: Contact, msg: InboundMessage, follow_up_of: Ticket | None
) -> Ticket:
    now = tx.now()
    subject = (msg.subject or "").strip() or _subject_from(msg.text)
    ticket = Ticket(
        subject=subject,
        status="new",
        priority=msg.priority or "normal",
        inbox_id=inbox.id,
        contact=contact,
        last_customer_message_at=now,
        team_id=inbox.team_id,
        language=msg.language or contact.language,
        custom_fields={},
        thread_key=msg.thread_key,
        follow_up_of_id=follow_up_of.id if follow_up_of else None,
        created_at=now,
        updated_at=now,
    )
    ticket.tag_rows = [TicketTag(tag=tag) for tag in normalize_tags(list(msg.tags))]
    tx.session.add(ticket)
    return ticket


def _subject_from(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first_line) > 80:
        first_line = first_line[:79].rstrip() + "…"
    return first_line or "(no subject)"
