"""Live chat: visitors of a chat widget, their chat sessions, agents' chat capacity and the
invitations shown to visitors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base

# waiting: nobody has it yet; active: an agent accepted it; ended: over (its ticket is
# solved); offline: left as a message while no agent was online, answered by email.
CHAT_STATES = ("waiting", "active", "ended", "offline")


class ChatVisitor(Base):
    """A browser that opened the widget of one chat inbox. The widget keeps a signed token
    naming `key` in localStorage; the key is also the address of the contact's "chat"
    identity."""

    __tablename__ = "chat_visitors"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # Given in the pre-chat or offline form; transcripts and offline answers go here.
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class ChatSession(Base):
    """One conversation in the widget, on the visitor's ticket. A visitor who writes after
    a chat ended starts a new session on the same (reopened) ticket."""

    __tablename__ = "chat_sessions"
    __table_args__ = (
        # Capacity: how many chats an agent has open.
        Index("ix_chat_sessions_agent_state", "agent_id", "state"),
        Index("ix_chat_sessions_visitor", "visitor_id", "id"),
        Index("ix_chat_sessions_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id"))
    visitor_id: Mapped[int] = mapped_column(ForeignKey("chat_visitors.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="waiting")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    page_url: Mapped[str | None] = mapped_column(String(2000))
    referrer: Mapped[str | None] = mapped_column(String(2000))
    transfers: Mapped[int] = mapped_column(default=0)
    # Read receipts: the last message id each side has seen.
    visitor_read_id: Mapped[int | None]
    agent_read_id: Mapped[int | None]
    started_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


class ChatCapacity(Base):
    """How many chats one agent takes at once, where it differs from the default."""

    __tablename__ = "chat_capacities"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    max_chats: Mapped[int]


class ChatInvitation(Base):
    """A proactive invitation shown to a visitor; answered when the visitor wrote after it."""

    __tablename__ = "chat_invitations"
    __table_args__ = (Index("ix_chat_invitations_visitor", "visitor_key", "shown_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The widget's visitor key: invitations go to visitors who may never write, so they
    # have no visitor row (and no contact) of their own.
    visitor_key: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(100))
    shown_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
