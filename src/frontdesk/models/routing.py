"""How tickets find their owner: routing settings per team or inbox, agents' skills and
capacities, the waiting queue, and the record of every transfer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base

ROUTING_MODES = ("manual", "round_robin", "least_loaded", "skills")


class RoutingConfig(Base):
    """Routing for one team or one inbox (an inbox's settings win over its team's)."""

    __tablename__ = "routing_configs"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), unique=True
    )
    inbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), unique=True
    )
    mode: Mapped[str] = mapped_column(String(16), default="manual")
    # The supervisor: gets escalations and SLA notices of the team.
    lead_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    # What happens to an agent's active tickets when they go offline: "keep" or "reroute".
    on_offline: Mapped[str] = mapped_column(String(16), default="keep")
    # Load of one active ticket per channel, for least-loaded routing.
    channel_weights: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Round robin continues after this agent.
    last_agent_id: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AgentSkill(Base):
    __tablename__ = "agent_skills"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(64), primary_key=True)


class AgentCapacity(Base):
    """How many active tickets of a channel an agent takes at once (chat: 3 by default)."""

    __tablename__ = "agent_capacities"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    max_active: Mapped[int]


class RoutingQueueEntry(Base):
    """A ticket waiting for an agent with free capacity."""

    __tablename__ = "routing_queue"
    __table_args__ = (Index("ix_routing_queue_team", "team_id", "queued_at"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int | None]
    queued_at: Mapped[datetime]


class TicketTransfer(Base):
    """A change of owner or team: from whom, to whom, by whom and why."""

    __tablename__ = "ticket_transfers"
    __table_args__ = (Index("ix_ticket_transfers_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # transfer, escalation, reroute
    from_agent_id: Mapped[int | None]
    to_agent_id: Mapped[int | None]
    from_team_id: Mapped[int | None]
    to_team_id: Mapped[int | None]
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(1000))
    at: Mapped[datetime]
