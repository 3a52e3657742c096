"""The one inbound pipeline: every channel's message enters through receive()."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from frontdesk import ticket_hooks
from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.db.rows import (
    get_row,
    hold,
    insert_row,
    read,
    read_scalar,
    set_loaded,
    table_of,
    write_changes,
)
from frontdesk.domain.actors import Actor
from frontdesk.domain.contacts import IdentityRef, get_contact, resolve_sender
from frontdesk.domain.errors import Invalid, NotFound
from frontdesk.domain.text import check_text, sanitize_html
from frontdesk.domain.tickets import load_ticket, normalize_tags, store_attachments
from frontdesk.domain.tx import Tx
from frontdesk.language import detect
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
    one), record it once per external id, and emit the events it causes after commit.

    Rows are written with prebuilt statements (db/rows.py): this runs for every message
    of every channel, and the ORM's unit of work would cost more than the SQL.
    """
    session = tx.session
    inbox = get_row(session, Inbox, msg.inbox_id)
    if inbox is None or not inbox.is_active:
        raise NotFound(f"inbox {msg.inbox_id} not found")
    hold(session, inbox)
    _validate(msg)

    if msg.external_id is not None:
        found_id = read_scalar(
            session, _MESSAGE_BY_EXTERNAL_ID, {"inbox_id": inbox.id, "external_id": msg.external_id}
        )
        if found_id is not None:
            message = session.get_one(Message, found_id)
            ticket = load_ticket(tx, message.ticket_id)
            assert ticket is not None  # the message's foreign key
            return Received(ticket, message, ticket_created=False, duplicate=True)

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
        _touch_ticket(tx, ticket, reopen=reopened_from is not None, customer=not msg.auto)

    message = insert_row(
        session,
        Message,
        ticket_id=ticket.id,
        inbox_id=inbox.id,
        channel=msg.channel or inbox.kind,
        direction="in",
        is_internal=False,
        author_contact_id=contact.id,
        author_agent_id=None,
        text=msg.text,
        html=sanitize_html(msg.html) if msg.html else None,
        external_id=msg.external_id,
        delivery_status="received",
        quoted_text=msg.quoted_text,
        is_auto=msg.auto,
        meta=msg.meta,
        created_at=now,
    )
    store_attachments(tx, message, msg.attachments)
    _add_participants(tx, ticket, contact, msg.participants)
    ticket_hooks.before_message_stored(tx, ticket)  # SLA clocks
    write_changes(session, ticket)  # the ticket's new state and clocks, in one UPDATE

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
    rows = tx.session.connection().execute(_PARTICIPANTS, {"ticket_id": ticket.id})
    known = set(rows.scalars())
    for person in people:
        try:
            other, _ = resolve_sender(tx, IdentityRef(person.kind, person.address, person.name))
        except Invalid:
            continue  # an unusable Cc address is not worth refusing the message for
        if other.id == contact.id or other.id in known:
            continue
        known.add(other.id)
        insert_row(
            tx.session,
            TicketParticipant,
            ticket_id=ticket.id,
            contact_id=other.id,
            created_at=tx.now(),
        )


def _find_thread(tx: Tx, inbox: Inbox, contact: Contact, msg: InboundMessage) -> Ticket | None:
    """The ticket this message continues: named by the channel, answered message, or the
    channel's conversation key, in that order."""
    session = tx.session
    if msg.ticket_id is not None:
        ticket = load_ticket(tx, msg.ticket_id)
        if ticket is not None and (
            msg.thread_verified
            or ticket.contact_id == contact.id
            or read(session, _IS_PARTICIPANT, {"ticket_id": ticket.id, "contact_id": contact.id})
        ):
            return ticket
    ticket_id = None
    if msg.in_reply_to:
        ticket_id = read_scalar(
            session,
            _TICKET_BY_REFERENCE,
            {"inbox_id": inbox.id, "references": list(msg.in_reply_to)},
        )
    if ticket_id is None and msg.thread_key:
        ticket_id = read_scalar(
            session, _TICKET_BY_THREAD_KEY, {"inbox_id": inbox.id, "thread_key": msg.thread_key}
        )
    return None if ticket_id is None else load_ticket(tx, ticket_id)


def _open_ticket(
    tx: Tx, inbox: Inbox, contact: Contact, msg: InboundMessage, follow_up_of: Ticket | None
) -> Ticket:
    now = tx.now()
    subject = (msg.subject or "").strip() or _subject_from(msg.text)
    ticket = insert_row(
        tx.session,
        Ticket,
        subject=subject,
        status="new",
        priority=msg.priority or "normal",
        inbox_id=inbox.id,
        contact_id=contact.id,
        last_customer_message_at=now,
        team_id=inbox.team_id,
        # The customer's language as they chose it, else as they wrote: routing and the
        # agent see it from the first message on.
        language=msg.language or contact.language or detect(f"{msg.subject or ''}\n{msg.text}"),
        thread_key=msg.thread_key,
        follow_up_of_id=follow_up_of.id if follow_up_of else None,
        created_at=now,
        updated_at=now,
    )
    tags = [
        insert_row(tx.session, TicketTag, ticket_id=ticket.id, tag=tag)
        for tag in normalize_tags(list(msg.tags))
    ]
    set_loaded(ticket, "tag_rows", tags)
    return ticket


def _touch_ticket(tx: Tx, ticket: Ticket, *, reopen: bool, customer: bool) -> None:
    """A new message on an existing ticket: it moves up the lists, and a customer writing
    reopens it (an automatic reply does neither count as writing nor reopen)."""
    if reopen:
        ticket.status = "open"
        ticket.solved_at = None
    if customer:
        ticket.last_customer_message_at = tx.now()
    ticket.updated_at = tx.now()


def _subject_from(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first_line) > 80:
        first_line = first_line[:79].rstrip() + "…"
    return first_line or "(no subject)"


_TICKETS = table_of(Ticket)
_MESSAGES = table_of(Message)
_PARTICIPANTS_TABLE = table_of(TicketParticipant)
_MESSAGE_BY_EXTERNAL_ID = select(_MESSAGES.c.id).where(
    _MESSAGES.c.inbox_id == bindparam("inbox_id"),
    _MESSAGES.c.external_id == bindparam("external_id"),
)
_TICKET_BY_REFERENCE = (
    select(_MESSAGES.c.ticket_id)
    .where(
        _MESSAGES.c.inbox_id == bindparam("inbox_id"),
        _MESSAGES.c.external_id.in_(bindparam("references", expanding=True)),
    )
    .order_by(_MESSAGES.c.id.desc())
    .limit(1)
)
_TICKET_BY_THREAD_KEY = (
    select(_TICKETS.c.id)
    .where(
        _TICKETS.c.inbox_id == bindparam("inbox_id"),
        _TICKETS.c.thread_key == bindparam("thread_key"),
    )
    .order_by(_TICKETS.c.id.desc())
    .limit(1)
)
_PARTICIPANTS = select(_PARTICIPANTS_TABLE.c.contact_id).where(
    _PARTICIPANTS_TABLE.c.ticket_id == bindparam("ticket_id")
)
_IS_PARTICIPANT = _PARTICIPANTS.where(_PARTICIPANTS_TABLE.c.contact_id == bindparam("contact_id"))
