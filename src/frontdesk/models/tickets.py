"""Tickets and the messages on them."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from frontdesk.db.base import Base

if TYPE_CHECKING:
    from frontdesk.models.contacts import Contact

STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
# "Unsolved": the tickets an agent still has to do something about.
OPEN_STATUSES = ("new", "open", "pending", "on_hold")
PRIORITIES = ("low", "normal", "high", "urgent")

# Partial indexes keep the agent's working lists fast however many solved tickets pile up.
# Queries must repeat this exact predicate for SQLite to pick the index.
UNSOLVED_PREDICATE = text("status IN ('new', 'open', 'pending', 'on_hold')")
# "Active": what occupies an agent's capacity (waiting on the customer does not).
ACTIVE_PREDICATE = text("status IN ('new', 'open')")


def new_ticket_token() -> str:
    # Lowercase hex: some mail servers lowercase the addresses the token travels in.
    return secrets.token_hex(10)


def _unsolved_index(name: str, *columns: str) -> Index:
    return Index(
        name,
        *columns,
        sqlite_where=UNSOLVED_PREDICATE,
        postgresql_where=UNSOLVED_PREDICATE,
    )


class Ticket(Base):
    """A conversation with a customer. Its id is the number agents and customers see (#1234)."""

    __tablename__ = "tickets"
    __table_args__ = (
        _unsolved_index("ix_tickets_unsolved_assignee", "assignee_id", "updated_at", "id"),
        _unsolved_index("ix_tickets_unsolved_team", "team_id", "updated_at", "id"),
        _unsolved_index("ix_tickets_unsolved", "updated_at", "id"),
        Index("ix_tickets_status_updated", "status", "updated_at", "id"),
        Index("ix_tickets_contact", "contact_id", "id"),
        Index("ix_tickets_thread", "inbox_id", "thread_key"),
        # Service levels and routing (frontdesk.sla, frontdesk.routing): the minute sweep
        # reads only tickets whose next warning or breach has come; routing counts an
        # agent's active tickets per inbox from the index alone.
        Index("ix_tickets_sla_next_alert", "sla_next_alert_at"),
        Index(
            "ix_tickets_active_load",
            "assignee_id",
            "inbox_id",
            sqlite_where=ACTIVE_PREDICATE,
            postgresql_where=ACTIVE_PREDICATE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(16))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Unguessable: names the ticket in reply addresses and our Message-IDs, so a reply
    # threads even when its mail client dropped the references.
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_ticket_token)
    # The channel's own conversation id (a chat session, a social thread), for threading.
    thread_key: Mapped[str | None] = mapped_column(String(255))
    # A message to a closed ticket opens a new one that points back here.
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    last_customer_message_at: Mapped[datetime | None]
    last_agent_message_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    # Service levels (frontdesk.sla): the policy that applies, the due times it gives (None
    # when that clock is not running), and the pause while the ticket waits on the customer.
    sla_policy_id: Mapped[int | None]
    first_response_due_at: Mapped[datetime | None]
    next_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    sla_paused_at: Mapped[datetime | None]
    # Server defaults too, so rows written by plain SQL (imports, benchmarks) need not
    # name these columns.
    sla_paused_seconds: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    sla_next_alert_at: Mapped[datetime | None]
    # How often the ticket changed hands (frontdesk.routing): the run-around metric.
    transfer_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    tag_rows: Mapped[list[TicketTag]] = relationship(
        cascade="all, delete-orphan", order_by="TicketTag.tag", lazy="selectin"
    )
    contact: Mapped[Contact] = relationship()

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def sla_paused(self) -> bool:
        return self.sla_paused_at is not None


class TicketParticipant(Base):
    """Someone else on the conversation, such as a colleague the customer copied in."""

    __tablename__ = "ticket_participants"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True, index=True)
    created_at: Mapped[datetime]


class TicketTag(Base):
    __tablename__ = "ticket_tags"
    __table_args__ = (Index("ix_ticket_tags_tag", "tag", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # The same delivery from a channel is stored once.
        UniqueConstraint("inbox_id", "external_id"),
        Index("ix_messages_ticket", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id"))
    channel: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(3))  # "in" from the customer, "out" to them
    is_internal: Mapped[bool] = mapped_column(default=False)
    author_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)  # always sanitised before it is stored
    external_id: Mapped[str | None] = mapped_column(String(255))
    # received (inbound), pending → sent | failed (outbound), None for internal notes
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    # What the channel showed but the ticket hides: quoted history, signature.
    quoted_text: Mapped[str | None] = mapped_column(Text)
    # Sent by a machine (vacation reply, list mail): never reopens or opens a ticket.
    is_auto: Mapped[bool] = mapped_column(default=False)
    # Channel details worth keeping: addresses, the raw message's hash, a page URL.
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id", lazy="selectin")
    ticket: Mapped[Ticket] = relationship()
    author_contact: Mapped[Contact | None] = relationship()


class MessageOriginal(Base):
    """Where the bytes a message arrived as (an email's RFC 5322 source) are kept: in
    `data` when small, written in the transaction that stores the message (one file fewer
    per mail: creating a file cost more than the rest of reading one); otherwise in the
    attachment store under `sha256`."""

    __tablename__ = "message_originals"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)


class Attachment(Base):
    """File metadata; the bytes live in the data directory under their SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
