"""What agents do to tickets: reply, note, assign, change fields."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm.util import identity_key

from frontdesk import ticket_hooks
from frontdesk.channels.base import InboundAttachment, adapter_class, validate_config
from frontdesk.db.rows import (
    from_row,
    insert_row,
    is_loaded,
    leading_object,
    read,
    set_loaded,
    table_of,
)
from frontdesk.domain.access import check_visible
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Conflict, Invalid
from frontdesk.domain.filenames import safe_filename
from frontdesk.domain.text import check_text, sanitize_html
from frontdesk.domain.tx import Tx
from frontdesk.models import (
    PRIORITIES,
    STATUSES,
    Agent,
    Attachment,
    Inbox,
    Message,
    Team,
    Ticket,
    TicketTag,
)

_TAG = re.compile(r"^[^\s,]{1,64}$")
_TAGS = table_of(TicketTag)
_TAGS_OF_TICKET = (
    select(_TAGS.c.tag).where(_TAGS.c.ticket_id == bindparam("ticket_id")).order_by(_TAGS.c.tag)
)
_TICKET_WITH_TAGS = (
    select(table_of(Ticket), _TAGS.c.tag)
    .outerjoin(_TAGS, _TAGS.c.ticket_id == table_of(Ticket).c.id)
    .where(table_of(Ticket).c.id == bindparam("ticket_id"))
    .order_by(_TAGS.c.tag)
)
EDITABLE_FIELDS = ("subject", "status", "priority", "team_id", "language", "tags", "custom_fields")


def get_ticket(tx: Tx, actor: Actor, ticket_id: int) -> Ticket:
    return check_visible(actor, load_ticket(tx, ticket_id), ticket_id)


def load_ticket(tx: Tx, ticket_id: int) -> Ticket | None:
    """A ticket and its tags, read with prebuilt statements (db/rows.py); with one, when
    the session does not hold the ticket yet (as for every reply that arrives)."""
    session = tx.session
    ticket: Ticket | None = session.identity_map.get(identity_key(Ticket, ticket_id))
    if ticket is None:
        rows = read(session, _TICKET_WITH_TAGS, {"ticket_id": ticket_id})
        if not rows:
            return None
        ticket = leading_object(session, Ticket, rows[0])
        tags = [row[-1] for row in rows if row[-1] is not None]
    elif not is_loaded(ticket, "tag_rows"):
        tags = [tag for (tag,) in read(session, _TAGS_OF_TICKET, {"ticket_id": ticket_id})]
    else:
        return ticket
    if not is_loaded(ticket, "tag_rows"):
        tag_rows = [from_row(session, TicketTag, {"ticket_id": ticket_id, "tag": t}) for t in tags]
        set_loaded(ticket, "tag_rows", tag_rows)
    return ticket


def normalize_tags(tags: Iterable[str]) -> list[str]:
    result: list[str] = []
    for raw in tags:
        tag = check_text(raw, "tags").strip().casefold()
        if not _TAG.match(tag):
            raise Invalid("tags", f"{raw!r} is not a tag: 1-64 characters, no spaces or commas")
        if tag not in result:
            result.append(tag)
    return sorted(result)


def update_ticket(tx: Tx, actor: Actor, ticket_id: int, fields: dict[str, Any]) -> Ticket:
    actor.require_agent("admin", "agent")
    ticket = get_ticket(tx, actor, ticket_id)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(sorted(unknown)[0], "cannot be changed here")
    changes: dict[str, list[Any]] = {}
    for name, value in fields.items():
        if name == "tags":
            value = normalize_tags(value)
            if value != ticket.tags:
                changes["tags"] = [ticket.tags, value]
                ticket.tag_rows = [TicketTag(tag=tag) for tag in value]
            continue
        _check_field(tx, name, value)
        before = getattr(ticket, name)
        if before != value:
            changes[name] = [before, value]
            setattr(ticket, name, value)
    if "status" in changes:
        _on_status_change(tx, ticket)
    if changes:
        ticket.updated_at = tx.now()
        tx.audit(actor, "ticket.updated", "ticket", ticket.id, changes, ticket=ticket.id)
        tx.emit(
            "ticket.updated",
            ticket=ticket,
            changes=sorted(changes),
        )
        ticket_hooks.ticket_updated(tx, actor, ticket, changes)  # SLA, routing, triggers
    return ticket


def assign(
    tx: Tx, actor: Actor, ticket_id: int, assignee_id: int | None, *, team_id: Any = ...
) -> Ticket:
    """Give the ticket one owner (or none). A team may be set in the same step."""
    actor.require_agent("admin", "agent")
    ticket = get_ticket(tx, actor, ticket_id)
    changes: dict[str, list[Any]] = {}
    if team_id is not ...:
        _check_field(tx, "team_id", team_id)
        if team_id != ticket.team_id:
            changes["team_id"] = [ticket.team_id, team_id]
            ticket.team_id = team_id
    if assignee_id is not None:
        agent = tx.session.get(Agent, assignee_id)
        if agent is None or not agent.is_active:
            raise Invalid("assignee_id", f"agent {assignee_id} does not exist")
        if agent.role == "light_agent":
            raise Invalid("assignee_id", "light agents cannot own tickets")
    if assignee_id != ticket.assignee_id:
        changes["assignee_id"] = [ticket.assignee_id, assignee_id]
        ticket.assignee_id = assignee_id
    if ticket.status == "new" and assignee_id is not None:
        changes["status"] = ["new", "open"]
        ticket.status = "open"
    if changes:
        ticket.updated_at = tx.now()
        tx.audit(actor, "ticket.assigned", "ticket", ticket.id, changes, ticket=ticket.id)
        tx.emit(
            "ticket.assigned",
            ticket=ticket,
        )
        ticket_hooks.ticket_assigned(tx, actor, ticket, changes)  # transfers, SLA, routing
    return ticket


def reply(
    tx: Tx,
    actor: Actor,
    ticket_id: int,
    text: str,
    *,
    html: str | None = None,
    attachments: Iterable[InboundAttachment] = (),
    status: str | None = None,
) -> Message:
    """A public answer to the customer, delivered by a job through the ticket's channel."""
    actor.require_agent("admin", "agent")
    ticket = get_ticket(tx, actor, ticket_id)
    if ticket.status == "closed":
        raise Conflict(f"ticket {ticket.id} is closed; the customer's next message opens a new one")
    message = _add_message(tx, actor, ticket, text, html, attachments, internal=False)
    now = tx.now()
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.last_agent_message_at = now
    ticket_hooks.agent_replied(tx, ticket, message)  # the response clocks stop
    inbox = tx.session.get_one(Inbox, ticket.inbox_id)
    config = validate_config(inbox.kind, inbox.config)
    if adapter_class(inbox.kind).delivers(config):
        message.delivery_status = "pending"
        tx.enqueue("deliver_message", {"message_id": message.id}, max_attempts=12)
    else:
        # Nothing to push to: the integrator reads replies from the API.
        message.delivery_status = "stored"
    new_status = status or ("open" if ticket.status == "new" else None)
    if new_status and new_status != ticket.status:
        update_ticket(tx, actor, ticket.id, {"status": new_status})
    tx.emit(
        "message.created",
        ticket=ticket,
        message_id=message.id,
        internal=False,
    )
    return message


def add_note(
    tx: Tx,
    actor: Actor,
    ticket_id: int,
    text: str,
    *,
    html: str | None = None,
    attachments: Iterable[InboundAttachment] = (),
) -> Message:
    """An internal note: seen by agents only, never sent."""
    actor.require_agent()
    ticket = get_ticket(tx, actor, ticket_id)
    message = _add_message(tx, actor, ticket, text, html, attachments, internal=True)
    tx.emit(
        "message.created",
        ticket=ticket,
        message_id=message.id,
        internal=True,
    )
    return message


def ticket_messages(tx: Tx, actor: Actor, ticket_id: int) -> list[Message]:
    ticket = get_ticket(tx, actor, ticket_id)
    query = select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)
    if not actor.is_agent and actor.type != "system":
        query = query.where(Message.is_internal.is_(False))
    return list(tx.session.scalars(query))


def store_attachments(tx: Tx, message: Message, files: Iterable[InboundAttachment]) -> None:
    stored = []
    for file in files:
        name = safe_filename(check_text(file.filename, "filename")) or "attachment"
        sha = tx.storage.put(file.data)
        content_type = check_text(file.content_type, "content_type", max_length=255)
        attachment = insert_row(
            tx.session,
            Attachment,
            message_id=message.id,
            filename=name,
            content_type=content_type or "application/octet-stream",
            size=len(file.data),
            sha256=sha,
            created_at=tx.now(),
        )
        stored.append(attachment)
    set_loaded(message, "attachments", stored)


def _add_message(
    tx: Tx,
    actor: Actor,
    ticket: Ticket,
    text: str,
    html: str | None,
    attachments: Iterable[InboundAttachment],
    *,
    internal: bool,
) -> Message:
    check_text(text, "text")
    files = list(attachments)
    if not text.strip() and not html and not files:
        raise Invalid("text", "must not be empty")
    now = tx.now()
    inbox = tx.session.get_one(Inbox, ticket.inbox_id)
    message = insert_row(
        tx.session,
        Message,
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        channel="internal" if internal else inbox.kind,
        direction="out",
        is_internal=internal,
        author_agent_id=actor.id if actor.is_agent else None,
        text=text,
        html=sanitize_html(check_text(html, "html")) if html else None,
        created_at=now,
    )
    store_attachments(tx, message, files)
    ticket.updated_at = now
    tx.audit(
        actor,
        "ticket.note_added" if internal else "ticket.replied",
        "ticket",
        ticket.id,
        {"message_id": [None, message.id]},
        ticket=ticket.id,
    )
    return message


def _check_field(tx: Tx, name: str, value: Any) -> None:
    if name == "status" and value not in STATUSES:
        raise Invalid("status", f"must be one of {', '.join(STATUSES)}")
    if name == "priority" and value not in PRIORITIES:
        raise Invalid("priority", f"must be one of {', '.join(PRIORITIES)}")
    if name == "subject":
        check_text(value, "subject", max_length=500)
        if not value.strip():
            raise Invalid("subject", "must not be empty")
    if name == "team_id" and value is not None and tx.session.get(Team, value) is None:
        raise Invalid("team_id", f"team {value} does not exist")
    if name == "custom_fields":
        for key, item in value.items():
            check_text(key, "custom_fields", max_length=64)
            if not isinstance(item, str | int | float | bool | None):
                raise Invalid("custom_fields", f"{key}: values must be text, numbers or booleans")


def _on_status_change(tx: Tx, ticket: Ticket) -> None:
    if ticket.status in ("solved", "closed"):
        ticket.solved_at = ticket.solved_at or tx.now()
    else:
        ticket.solved_at = None
