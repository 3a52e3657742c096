"""What a visitor does: open the widget, write, fill in the pre-chat form, read, end the
chat, ask for its transcript. Each action is one transaction; messages enter through the
one inbound pipeline, `domain.inbound.receive()`, stored once per client id."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk import metrics
from frontdesk.channels.base import InboundAttachment, InboundMessage, Sender, parsed_config
from frontdesk.channels.chat.capacity import anyone_online, offer_targets
from frontdesk.channels.chat.config import LANGUAGES, ChatInboxConfig
from frontdesk.channels.chat.frames import (
    chat_frame,
    external_id,
    message_frame,
    thread_key,
)
from frontdesk.channels.chat.tokens import UploadClaim
from frontdesk.db.rows import first_object, get_row, insert_row, write, write_changes
from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.contacts import IdentityRef, find_by_identity, resolve_sender
from frontdesk.domain.errors import NotFound
from frontdesk.domain.identities import normalize_identity
from frontdesk.domain.inbound import receive
from frontdesk.domain.text import check_text
from frontdesk.domain.tickets import update_ticket
from frontdesk.domain.tx import Tx
from frontdesk.models import (
    Agent,
    ChatInvitation,
    ChatSession,
    ChatVisitor,
    Contact,
    ContactIdentity,
    Inbox,
    Message,
    Ticket,
)
from frontdesk.runtime import Frontdesk

# "bot": the knowledge-base bot answers, and no agent has been asked yet.
LIVE_STATES = ("bot", "waiting", "active", "offline")
HISTORY_LIMIT = 500
URL_MAX = 2000


@dataclass(frozen=True)
class Visit:
    """Who a connection speaks for. A visitor who has only looked has no row yet: the
    row, and the contact behind it, are made when they first write or give their name."""

    inbox_id: int
    key: str
    visitor_id: int | None = None
    contact_id: int | None = None
    locale: str | None = None
    page_url: str | None = None
    referrer: str | None = None


@dataclass(frozen=True)
class ChatRef:
    """The chat a connection is on, with what agents' event filters need."""

    chat_id: int
    ticket_id: int
    team_id: int | None
    assignee_id: int | None
    state: str

    @classmethod
    def of(cls, chat: ChatSession, ticket: Ticket) -> ChatRef:
        return cls(chat.id, ticket.id, ticket.team_id, ticket.assignee_id, chat.state)


def chat_inbox(session: Session, inbox_id: int) -> tuple[Inbox, ChatInboxConfig]:
    inbox = get_row(session, Inbox, inbox_id)
    if inbox is None or inbox.kind != "chat" or not inbox.is_active:
        raise NotFound(f"chat inbox {inbox_id} not found")
    return inbox, parsed_config(ChatInboxConfig, inbox_id, inbox.config)


def find_visit(fd: Frontdesk, inbox_id: int, key: str, locale: str | None) -> Visit:
    with fd.read() as session:
        chat_inbox(session, inbox_id)
        row = session.scalar(select(ChatVisitor).where(ChatVisitor.key == key))
    locale = locale if locale in LANGUAGES else None
    if row is None or row.inbox_id != inbox_id:
        return Visit(inbox_id, key, locale=locale)
    return Visit(inbox_id, key, row.id, row.contact_id, locale or row.locale)


def on_page(visit: Visit, url: str | None, referrer: str | None) -> Visit:
    return replace(visit, page_url=_url(url, "page.url"), referrer=_url(referrer, "page.referrer"))


def welcome(fd: Frontdesk, visit: Visit, after_id: int) -> tuple[dict[str, Any], ChatRef | None]:
    """The first frame: how the widget looks, whether anyone is online, the chat and
    every message after `after_id` (what the visitor missed while away)."""
    with fd.reading() as tx:
        inbox, config = chat_inbox(tx.session, visit.inbox_id)
        visitor = tx.session.get(ChatVisitor, visit.visitor_id) if visit.visitor_id else None
        chat, ticket = _latest_chat(tx, visit)
        agent = tx.session.get(Agent, chat.agent_id) if chat and chat.agent_id else None
        frame = {
            "type": "welcome",
            "visitor": {
                "name": visitor.name if visitor else "",
                "email": visitor.email if visitor else None,
            },
            "inbox": config.public(),
            "online": anyone_online(tx, inbox.team_id),
            "chat": chat_frame(chat, agent),
            "messages": visitor_messages(tx.session, visit, after_id),
        }
        ref = ChatRef.of(chat, ticket) if chat and ticket else None
        return frame, ref


def visitor_messages(session: Session, visit: Visit, after_id: int) -> list[dict[str, Any]]:
    """The visitor's own conversation only: tickets of this inbox threaded on their key."""
    query = (
        select(Message)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(
            Ticket.inbox_id == visit.inbox_id,
            Ticket.thread_key == thread_key(visit.key),
            Message.is_internal.is_(False),
            Message.is_auto.is_(False),
            Message.id > after_id,
        )
        # A new page gets the latest messages; a reconnect the ones after its last.
        .order_by(Message.id.desc() if after_id == 0 else Message.id)
        .limit(HISTORY_LIMIT)
    )
    messages = sorted(session.scalars(query), key=lambda m: m.id)
    return render(session, messages)


def render(session: Session, messages: list[Message]) -> list[dict[str, Any]]:
    agent_ids = {m.author_agent_id for m in messages if m.author_agent_id}
    contact_ids = {m.author_contact_id for m in messages if m.author_contact_id}
    agents = (
        dict(session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(agent_ids))).all())
        if agent_ids
        else {}
    )
    contacts = (
        dict(
            session.execute(
                select(Contact.id, Contact.name).where(Contact.id.in_(contact_ids))
            ).all()
        )
        if contact_ids
        else {}
    )
    return [
        message_frame(
            m,
            agents.get(m.author_agent_id or 0) or contacts.get(m.author_contact_id or 0) or "",
        )
        for m in messages
    ]


@dataclass(frozen=True)
class Posted:
    visit: Visit
    ack: dict[str, Any]
    message: dict[str, Any]
    chat: ChatRef
    chat_frame: dict[str, Any]


def post_message(
    fd: Frontdesk, visit: Visit, client_id: str, text: str, uploads: list[UploadClaim]
) -> Posted:
    """Store a visitor's message once, however often the widget resends it."""
    files = tuple(
        InboundAttachment(u.filename, u.content_type, fd.storage.get(u.sha256)) for u in uploads
    )
    for attempt in (1, 2):
        try:
            return _post(fd, visit, client_id, text, files)
        except IntegrityError:
            # The same client id from two connections at once: the loser's second try
            # finds the winner's message and answers it as a duplicate.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _post(
    fd: Frontdesk,
    visit: Visit,
    client_id: str,
    text: str,
    files: tuple[InboundAttachment, ...],
) -> Posted:
    with fd.transaction() as tx:
        inbox, config = chat_inbox(tx.session, visit.inbox_id)
        visitor = _ensure_visitor(tx, visit)
        visit = replace(visit, visitor_id=visitor.id, contact_id=visitor.contact_id)
        received = receive(
            tx,
            InboundMessage(
                inbox_id=inbox.id,
                sender=Sender(contact_id=visitor.contact_id),
                text=text,
                external_id=external_id(visit.key, client_id),
                thread_key=thread_key(visit.key),
                attachments=files,
                language=visit.locale,
                meta={"page_url": visit.page_url, "referrer": visit.referrer},
            ),
        )
        ticket = received.ticket
        if not received.duplicate:
            metrics.MESSAGES_RECEIVED.labels("chat").inc()
            if received.ticket_created:
                metrics.TICKETS_CREATED.labels("chat").inc()
        chat = _open_chat(tx, visitor.id, ticket.id)
        if chat is None:
            chat = _start_chat(tx, fd, inbox, visitor, ticket, visit, config.bot_answers_first)
        if not received.duplicate:
            write(tx.session, _ANSWER_INVITATIONS, {"key": visit.key, "now": tx.now()})
        frame = message_frame(received.message, visitor.name)
        agent = get_row(tx.session, Agent, chat.agent_id) if chat.agent_id else None
        return Posted(
            visit,
            {
                "type": "ack",
                "client_id": client_id,
                "id": received.message.id,
                "duplicate": received.duplicate,
            },
            frame,
            ChatRef.of(chat, ticket),
            chat_frame(chat, agent),
        )


def _start_chat(
    tx: Tx,
    fd: Frontdesk,
    inbox: Inbox,
    visitor: ChatVisitor,
    ticket: Ticket,
    visit: Visit,
    bot_first: bool,
) -> ChatSession:
    chat = insert_row(
        tx.session,
        ChatSession,
        inbox_id=inbox.id,
        visitor_id=visitor.id,
        ticket_id=ticket.id,
        state="bot",
        page_url=visit.page_url,
        referrer=visit.referrer,
        transfers=0,
        started_at=tx.now(),
    )
    if bot_first:
        # Nobody is asked yet: the bot answers first (bot_turns.py hands over).
        tx.emit(
            "chat.bot",
            ticket=ticket,
            chat_id=chat.id,
            visitor_key=visitor.key,
            page_url=chat.page_url,
            referrer=chat.referrer,
        )
    else:
        offer(tx, fd, chat, ticket, visitor.key)
        write_changes(tx.session, chat)  # its state
    tx.audit(
        Actor.for_contact(visitor.contact_id),
        "chat.started",
        "chat",
        chat.id,
        {"state": [None, chat.state], "page_url": [None, chat.page_url]},
        ticket=ticket.id,
    )
    return chat


def offer(tx: Tx, fd: Frontdesk, chat: ChatSession, ticket: Ticket, visitor_key: str) -> None:
    """Ask the online agents with a free seat to take the chat; with nobody online, the
    chat is an offline message, answered by email."""
    online = anyone_online(tx, ticket.team_id)
    chat.state = "waiting" if online else "offline"
    targets = offer_targets(tx, ticket.team_id, fd.settings.chat_capacity) if online else []
    tx.emit(
        "chat.waiting" if online else "chat.offline",
        ticket=ticket,
        chat_id=chat.id,
        visitor_key=visitor_key,
        offered_to=targets,
        page_url=chat.page_url,
        referrer=chat.referrer,
    )


_ANSWER_INVITATIONS = (
    update(ChatInvitation)
    .where(ChatInvitation.visitor_key == bindparam("key"), ChatInvitation.answered_at.is_(None))
    .values(answered_at=bindparam("now"))
)


def _ensure_visitor(tx: Tx, visit: Visit) -> ChatVisitor:
    if visit.visitor_id is not None:
        known = get_row(tx.session, ChatVisitor, visit.visitor_id)
        if known is None:
            raise NotFound(f"chat visitor {visit.visitor_id} not found")
        return known
    # Prebuilt statements (db/rows.py): every new visitor's first message comes here.
    existing = first_object(tx.session, ChatVisitor, _VISITOR_BY_KEY, {"key": visit.key})
    if existing is not None:
        return existing
    contact, _ = resolve_sender(tx, IdentityRef("chat", visit.key))
    if visit.locale and not contact.language:
        contact.language = visit.locale
        write_changes(tx.session, contact)
    return insert_row(
        tx.session,
        ChatVisitor,
        inbox_id=visit.inbox_id,
        key=visit.key,
        contact_id=contact.id,
        name="",
        locale=visit.locale,
        created_at=tx.now(),
        last_seen_at=tx.now(),
    )


_VISITOR_BY_KEY = select(ChatVisitor).where(ChatVisitor.key == bindparam("key"))


_OPEN_CHAT = (
    select(ChatSession)
    .where(
        ChatSession.visitor_id == bindparam("visitor"),
        ChatSession.ticket_id == bindparam("ticket"),
        # Not `IN`: a list parameter would make the statement be compiled on every call.
        or_(*(ChatSession.state == state for state in LIVE_STATES)),
    )
    .order_by(ChatSession.id.desc())
    .limit(1)
)


def _open_chat(tx: Tx, visitor_id: int, ticket_id: int) -> ChatSession | None:
    return first_object(
        tx.session, ChatSession, _OPEN_CHAT, {"visitor": visitor_id, "ticket": ticket_id}
    )


def _latest_chat(tx: Tx, visit: Visit) -> tuple[ChatSession | None, Ticket | None]:
    if visit.visitor_id is None:
        return None, None
    chat = tx.session.scalar(
        select(ChatSession)
        .where(ChatSession.visitor_id == visit.visitor_id)
        .order_by(ChatSession.id.desc())
        .limit(1)
    )
    return chat, (tx.session.get(Ticket, chat.ticket_id) if chat else None)


def introduce(fd: Frontdesk, visit: Visit, name: str, email: str | None) -> Visit:
    """The pre-chat (or offline) form. A new email becomes an identity of the visitor's
    contact; an email another contact already has is only noted on the visitor: typing an
    address proves nothing, so an agent decides whether to merge the two."""
    name = check_text(name, "name", max_length=200).strip()
    with fd.transaction() as tx:
        chat_inbox(tx.session, visit.inbox_id)
        visitor = _ensure_visitor(tx, visit)
        contact = tx.session.get_one(Contact, visitor.contact_id)
        changes: dict[str, list[Any]] = {}
        if name and name != visitor.name:
            changes["name"] = [visitor.name, name]
            visitor.name = name
            if not contact.name:
                contact.name = name
        if email:
            _, address = normalize_identity("email", email)
            if find_by_identity(tx, "email", address) is None:
                tx.session.add(
                    ContactIdentity(
                        contact_id=contact.id, kind="email", address=address, created_at=tx.now()
                    )
                )
            if address != visitor.email:
                changes["email"] = [visitor.email, address]
                visitor.email = address
        if changes:
            tx.audit(
                Actor.for_contact(contact.id), "chat.introduced", "contact", contact.id, changes
            )
            tx.emit("contact.updated", contact_id=contact.id)
        return replace(visit, visitor_id=visitor.id, contact_id=visitor.contact_id)


def end_chat(fd: Frontdesk, visit: Visit) -> ChatRef | None:
    with fd.transaction() as tx:
        chat, ticket = _latest_chat(tx, visit)
        if chat is None or ticket is None or chat.state not in LIVE_STATES:
            return None
        finish(tx, chat, Actor.for_contact(ticket.contact_id))
        return ChatRef.of(chat, ticket)


def finish(tx: Tx, chat: ChatSession, actor: Actor) -> Ticket:
    """End a chat: its ticket becomes solved, with the whole conversation on it. A visitor
    who writes again reopens the ticket and starts a new chat on it."""
    ticket = tx.session.get_one(Ticket, chat.ticket_id)
    chat.state = "ended"
    chat.ended_at = tx.now()
    if ticket.status not in ("solved", "closed"):
        update_ticket(tx, SYSTEM, ticket.id, {"status": "solved"})
    tx.audit(actor, "chat.ended", "chat", chat.id, {"state": ["active", "ended"]}, ticket=ticket.id)
    tx.emit("chat.ended", ticket=ticket, chat_id=chat.id)
    return ticket


def mark_read(fd: Frontdesk, visit: Visit, message_id: int) -> ChatRef | None:
    """A read receipt: the visitor has seen everything up to `message_id`."""
    with fd.transaction() as tx:
        chat, ticket = _latest_chat(tx, visit)
        if chat is None or ticket is None:
            return None
        if chat.visitor_read_id is not None and chat.visitor_read_id >= message_id:
            return ChatRef.of(chat, ticket)
        chat.visitor_read_id = message_id
        tx.emit("chat.read", ticket=ticket, chat_id=chat.id, by="visitor", message_id=message_id)
        return ChatRef.of(chat, ticket)


def _url(value: str | None, field: str) -> str | None:
    if not value:
        return None
    value = check_text(value, field)[:URL_MAX]
    return value if value.startswith(("http://", "https://")) else None
