"""Who may take a chat: agents online, able to see the inbox's tickets, under their chat
capacity.

This is the seam for the routing rules (built apart, in `frontdesk.routing`): they may
choose among `offer_targets()` or replace it; `check_capacity()` stays the rule every
accept and transfer obeys, whoever chose the agent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from frontdesk.domain.errors import Conflict
from frontdesk.domain.tx import Tx
from frontdesk.models import Agent, ChatCapacity, ChatSession, team_members

# States that occupy a seat of the agent's capacity.
OCCUPYING = ("active",)


def capacity_of(tx: Tx, agent_id: int, default: int) -> int:
    row = tx.session.get(ChatCapacity, agent_id)
    return row.max_chats if row is not None else default


def open_chats(tx: Tx, agent_id: int) -> int:
    return int(
        tx.session.scalar(
            select(func.count())
            .select_from(ChatSession)
            .where(ChatSession.agent_id == agent_id, ChatSession.state.in_(OCCUPYING))
        )
        or 0
    )


def check_capacity(tx: Tx, agent: Agent, default: int) -> None:
    """Refuse a chat to an agent who already has as many as they take. The agent's row is
    locked first (PostgreSQL), so two accepts at once cannot both take the last seat;
    SQLite writers are serialised already."""
    tx.session.execute(select(Agent.id).where(Agent.id == agent.id).with_for_update())
    limit = capacity_of(tx, agent.id, default)
    if open_chats(tx, agent.id) >= limit:
        raise Conflict(f"{agent.name} already has {limit} chats open (their capacity)")


def _eligible(team_id: int | None) -> list[Any]:
    clauses: list[Any] = [
        Agent.is_active.is_(True),
        Agent.role.in_(("admin", "agent")),
        Agent.availability == "online",
    ]
    if team_id is not None:
        member = select(team_members.c.agent_id).where(team_members.c.team_id == team_id)
        clauses.append(or_(Agent.role == "admin", Agent.id.in_(member)))
    return clauses


def anyone_online(tx: Tx, team_id: int | None) -> bool:
    """Whether an agent who may see the team's chats is online (admins see all)."""
    return tx.session.scalar(select(Agent.id).where(*_eligible(team_id)).limit(1)) is not None


def offer_targets(tx: Tx, team_id: int | None, default: int, *, limit: int = 20) -> list[int]:
    """Online agents who could take a new chat of the team now, the least busy first."""
    busy = (
        select(ChatSession.agent_id, func.count().label("n"))
        .where(ChatSession.state.in_(OCCUPYING), ChatSession.agent_id.is_not(None))
        .group_by(ChatSession.agent_id)
        .subquery()
    )
    seats = func.coalesce(ChatCapacity.max_chats, default)
    taken = func.coalesce(busy.c.n, 0)
    rows = tx.session.execute(
        select(Agent.id)
        .outerjoin(busy, busy.c.agent_id == Agent.id)
        .outerjoin(ChatCapacity, ChatCapacity.agent_id == Agent.id)
        .where(*_eligible(team_id), taken < seats)
        .order_by(taken, Agent.id)
        .limit(limit)
    )
    return [row[0] for row in rows]
