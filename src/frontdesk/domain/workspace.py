"""What the agent workspace reads and changes in bulk: a ticket's whole story (timeline and
customer), the directory the pickers show, and bulk changes of many tickets.

Every read here costs a fixed number of queries, whatever the number of messages or
tickets, so that no page turns into one query per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from frontdesk.channels.base import InboundAttachment
from frontdesk.domain import tickets
from frontdesk.domain.access import can_see, ticket_filter
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Invalid
from frontdesk.domain.satisfaction import PastRating, satisfaction_history
from frontdesk.domain.tx import Tx
from frontdesk.models import (
    OPEN_STATUSES,
    Agent,
    Attachment,
    AuditEntry,
    Contact,
    Inbox,
    Message,
    MessageOriginal,
    Organization,
    Team,
    Ticket,
)

# Audit actions the timeline leaves out: the message itself already shows them.
_SHOWN_AS_MESSAGES = {"ticket.replied", "ticket.note_added", "ticket.created", "ticket.mentioned"}
# @ana or @ana.lopez: the local part of an agent's email, or their name without spaces.
_MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
BULK_ACTIONS = ("assign", "status", "priority", "tag")


@dataclass(slots=True)  # not frozen: that makes building each row five times slower
class Named:
    """An agent, team or inbox as the pickers and the timeline show it."""

    id: int
    name: str
    role: str = ""
    is_active: bool = True


@dataclass(frozen=True)
class Directory:
    """Agents, teams and inboxes by id: small tables, read once per page."""

    agents: Mapping[int, Agent | Named]
    teams: Mapping[int, Team | Named]
    inboxes: Mapping[int, Inbox | Named]

    def agent_name(self, agent_id: int | None) -> str:
        agent = self.agents.get(agent_id) if agent_id is not None else None
        return agent.name if agent else ""

    @property
    def assignable(self) -> list[Agent | Named]:
        return [a for a in self.agents.values() if a.is_active and a.role != "light_agent"]


@dataclass(slots=True)  # not frozen: that makes building each row five times slower
class TimelineMessage:
    """A message as the timeline shows it: plain values read as rows, since a long
    conversation's ORM objects cost more than the page around them."""

    attachments: list[Attachment]
    id: int
    direction: str
    is_internal: bool
    channel: str
    author_contact_id: int | None
    author_contact_name: str | None
    author_agent_id: int | None
    delivery_status: str | None
    created_at: datetime
    text: str
    html: str | None
    has_original: bool  # arrived as an email whose raw source is kept


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: Literal["message", "event"]
    message: TimelineMessage | None = None
    event: AuditEntry | None = None


@dataclass
class CustomerPanel:
    contact: Contact
    organization: Organization | None
    open_tickets: list[Ticket] = field(default_factory=list)
    past_tickets: list[Ticket] = field(default_factory=list)
    satisfaction: list[PastRating] = field(default_factory=list)  # newest first


@dataclass
class TicketStory:
    ticket: Ticket
    timeline: list[TimelineItem]
    customer: CustomerPanel
    last_message_id: int


def directory(session: Session, *, with_teams: bool = False) -> Directory:
    """Names, roles and whether active, as plain rows (every agent page reads them); with
    `with_teams`, the whole agents with their teams, teams and inboxes (administration)."""
    if with_teams:
        agents: Mapping[int, Agent | Named] = {
            a.id: a for a in session.scalars(select(Agent).order_by(Agent.name))
        }
        teams: Mapping[int, Team | Named] = {
            t.id: t for t in session.scalars(select(Team).order_by(Team.name))
        }
        inboxes: Mapping[int, Inbox | Named] = {
            i.id: i for i in session.scalars(select(Inbox).order_by(Inbox.name))
        }
        return Directory(agents, teams, inboxes)
    agents = {
        row.id: Named(*row)
        for row in session.execute(
            select(Agent.id, Agent.name, Agent.role, Agent.is_active).order_by(Agent.name)
        )
    }
    teams = {
        row.id: Named(*row)
        for row in session.execute(select(Team.id, Team.name).order_by(Team.name))
    }
    inboxes = {
        row.id: Named(*row)
        for row in session.execute(select(Inbox.id, Inbox.name).order_by(Inbox.name))
    }
    return Directory(agents, teams, inboxes)


def ticket_story(tx: Tx, actor: Actor, ticket_id: int, *, others: int = 10) -> TicketStory:
    """The ticket, every message and change on it in order, and the customer beside it."""
    ticket = tickets.get_ticket(tx, actor, ticket_id)
    session = tx.session
    query = (
        select(
            Message.id,
            Message.direction,
            Message.is_internal,
            Message.channel,
            Message.author_contact_id,
            # Who wrote, when it is not the ticket's customer (a colleague in copy).
            select(Contact.name)
            .where(Contact.id == Message.author_contact_id)
            .scalar_subquery()
            .label("author_contact_name"),
            Message.author_agent_id,
            Message.delivery_status,
            Message.created_at,
            Message.text,
            Message.html,
            select(MessageOriginal.message_id)
            .where(MessageOriginal.message_id == Message.id)
            .exists(),
        )
        .where(Message.ticket_id == ticket.id)
        .order_by(Message.id)
    )
    if not actor.is_agent:
        query = query.where(Message.is_internal.is_(False))
    rows = session.execute(query).all()
    files: dict[int, list[Attachment]] = {}
    for attachment in session.scalars(
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .where(Message.ticket_id == ticket.id)
        .order_by(Attachment.id)
    ):
        files.setdefault(attachment.message_id, []).append(attachment)
    messages = [TimelineMessage(files.get(row[0], []), *row) for row in rows]
    items = [TimelineItem(m.created_at, "message", message=m) for m in messages]
    if actor.is_agent:
        events = session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.ticket_id == ticket.id,
                AuditEntry.action.not_in(sorted(_SHOWN_AS_MESSAGES)),
            )
            .order_by(AuditEntry.id)
        )
        items += [TimelineItem(e.at, "event", event=e) for e in events]
    items.sort(key=lambda item: (item.at, item.kind == "event"))
    return TicketStory(
        ticket=ticket,
        timeline=items,
        customer=customer_panel(tx, actor, ticket.contact_id, exclude=ticket.id, limit=others),
        last_message_id=messages[-1].id if messages else 0,
    )


def customer_panel(
    tx: Tx, actor: Actor, contact_id: int, *, exclude: int | None = None, limit: int = 10
) -> CustomerPanel:
    """The customer and their other tickets on any channel that the actor may see."""
    session = tx.session
    contact = session.get_one(Contact, contact_id)
    org = session.get(Organization, contact.organization_id) if contact.organization_id else None
    query = (
        select(Ticket)
        .where(Ticket.contact_id == contact.id, ticket_filter(actor))
        .options(lazyload(Ticket.contact), lazyload(Ticket.tag_rows))  # the panel shows neither
        .order_by(Ticket.id.desc())
        .limit(limit * 2)
    )
    if exclude is not None:
        query = query.where(Ticket.id != exclude)
    panel = CustomerPanel(contact, org)
    if actor.is_agent:
        panel.satisfaction = satisfaction_history(session, contact.id, limit=limit)
    for other in session.scalars(query):
        bucket = panel.open_tickets if other.status in OPEN_STATUSES else panel.past_tickets
        if len(bucket) < limit:
            bucket.append(other)
    return panel


def newer_customer_messages(tx: Tx, actor: Actor, ticket_id: int, after_id: int) -> int:
    """How many customer messages arrived after the one the agent last saw: a reply
    written against an older view is held back so the agent can read them first."""
    ticket = tickets.get_ticket(tx, actor, ticket_id)
    return int(
        tx.session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.ticket_id == ticket.id,
                Message.id > after_id,
                Message.direction == "in",
            )
        )
        or 0
    )


def bulk_change(
    tx: Tx, actor: Actor, ticket_ids: list[int], action: str, value: str
) -> list[Ticket]:
    """Apply one change to many tickets, each through its own domain action, all in the
    caller's transaction: every ticket changes or none does."""
    if action not in BULK_ACTIONS:
        raise Invalid("action", f"must be one of {', '.join(BULK_ACTIONS)}")
    if not ticket_ids:
        raise Invalid("ticket_ids", "choose at least one ticket")
    changed = []
    for ticket_id in ticket_ids:
        if action == "assign":
            assignee = None if value in ("", "none") else _int(value, "value")
            changed.append(tickets.assign(tx, actor, ticket_id, assignee))
        elif action in ("status", "priority"):
            changed.append(tickets.update_ticket(tx, actor, ticket_id, {action: value}))
        else:
            ticket = tickets.get_ticket(tx, actor, ticket_id)
            tags = [*ticket.tags, *value.split()]
            changed.append(tickets.update_ticket(tx, actor, ticket_id, {"tags": tags}))
    return changed


def note_with_mentions(
    tx: Tx,
    actor: Actor,
    ticket_id: int,
    text: str,
    attachments: Iterable[InboundAttachment] = (),
) -> tuple[Message, list[int]]:
    """An internal note; the agents it @mentions (and who may see the ticket) are told."""
    message = tickets.add_note(tx, actor, ticket_id, text, attachments=attachments)
    handles = {h.rstrip(".").casefold() for h in _MENTION.findall(text)}
    if not handles:
        return message, []
    ticket = tickets.get_ticket(tx, actor, ticket_id)
    mentioned = [
        agent.id
        for agent in tx.session.scalars(select(Agent).where(Agent.is_active.is_(True)))
        if agent.id != actor.id
        and (
            agent.email.split("@")[0].casefold() in handles
            or agent.name.replace(" ", "").casefold() in handles
        )
        and can_see(Actor.for_agent(agent), ticket)
    ]
    if mentioned:
        tx.audit(
            actor,
            "ticket.mentioned",
            "ticket",
            ticket.id,
            {"mentioned": [None, mentioned], "message_id": [None, message.id]},
            ticket=ticket.id,
        )
        tx.emit(
            "agent.mentioned",
            ticket=ticket,
            agent_ids=mentioned,
            by=actor.id,
            message_id=message.id,
        )
    return message, mentioned


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Invalid(name, "must be a number") from None
