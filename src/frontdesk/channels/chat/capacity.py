"""Who may take a chat: agents online, able to see the inbox's tickets, under their chat
capacity.

This is the seam for the routing rules (built apart, in `frontdesk.routing`): they may
choose among `offer_targets()` or replace it; `check_capacity()` stays the rule every
accept and transfer obeys, whoever chose the agent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select

from frontdesk.db.rows import read, read_scalar
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


def anyone_online(tx: Tx, team_id: int | None) -> bool:
    """Whether an agent who may see the team's chats is online (admins see all)."""
    statement = _ANYONE_ONLINE[team_id is not None]
    return read_scalar(tx.session, statement, _team(team_id)) is not None


def offer_targets(tx: Tx, team_id: int | None, default: int, *, limit: int = 20) -> list[int]:
    """Online agents who could take a new chat of the team now, the least busy first."""
    statement = _OFFER_TARGETS[team_id is not None]
    rows = read(tx.session, statement, {**_team(team_id), "default": default, "limit": limit})
    return [row[0] for row in rows]


def _team(team_id: int | None) -> dict[str, int]:
    return {} if team_id is None else {"team_id": team_id}


# Prebuilt (db/rows.py), for any team and for a given one: every new chat asks both.
def _eligible(of_team: bool) -> list[Any]:
    clauses: list[Any] = [
        Agent.is_active.is_(True),
        or_(Agent.role == "admin", Agent.role == "agent"),
        Agent.availability == "online",
    ]
    if of_team:
        member = select(team_members.c.agent_id).where(
            team_members.c.team_id == bindparam("team_id")
        )
        clauses.append(or_(Agent.role == "admin", Agent.id.in_(member)))
    return clauses


def _offer_targets(of_team: bool) -> Select[Any]:
    busy = (
        select(ChatSession.agent_id, func.count().label("n"))
        .where(or_(*(ChatSession.state == state for state in OCCUPYING)))
        .where(ChatSession.agent_id.is_not(None))
        .group_by(ChatSession.agent_id)
        .subquery()
    )
    seats = func.coalesce(ChatCapacity.max_chats, bindparam("default"))
    taken = func.coalesce(busy.c.n, 0)
    return (
        select(Agent.id)
        .outerjoin(busy, busy.c.agent_id == Agent.id)
        .outerjoin(ChatCapacity, ChatCapacity.agent_id == Agent.id)
        .where(*_eligible(of_team), taken < seats)
        .order_by(taken, Agent.id)
        .limit(bindparam("limit"))
    )


_ANYONE_ONLINE = {team: select(Agent.id).where(*_eligible(team)).limit(1) for team in (False, True)}
_OFFER_TARGETS = {team: _offer_targets(team) for team in (False, True)}
