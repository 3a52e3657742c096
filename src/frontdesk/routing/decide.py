"""Pick an agent for a ticket: online, with room for one more ticket of its channel, then
by the rule's mode. Two queries: the candidates, and their active tickets per inbox (read
from the partial index `ix_tickets_active_load` alone)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.models import Agent, RoutingConfig, Ticket, team_members
from frontdesk.models.tickets import ACTIVE_PREDICATE
from frontdesk.routing.settings import RoutingRule, RoutingSettings
from frontdesk.sla.tracking import inbox_kind


@dataclass(frozen=True)
class Candidate:
    id: int
    languages: tuple[str, ...]
    load: float  # weighted active tickets
    active: int  # active tickets of the ticket's channel


def candidates(
    session: Session, settings: RoutingSettings, rule: RoutingRule, ticket: Ticket, channel: str
) -> list[Candidate]:
    """Online agents of the ticket's team (every agent when it has none) with capacity
    left for the ticket's channel."""
    query = select(Agent.id, Agent.languages).where(
        Agent.is_active.is_(True),
        Agent.availability == "online",
        Agent.role.in_(("admin", "agent")),
    )
    if ticket.team_id is not None:
        query = query.join(team_members, team_members.c.agent_id == Agent.id).where(
            team_members.c.team_id == ticket.team_id
        )
    people = session.execute(query.order_by(Agent.id)).all()
    if not people:
        return []
    loads: dict[int, float] = defaultdict(float)
    same_channel: dict[int, int] = defaultdict(int)
    rows = session.execute(
        select(Ticket.assignee_id, Ticket.inbox_id, func.count())
        .where(ACTIVE_PREDICATE, Ticket.assignee_id.in_([p.id for p in people]))
        .group_by(Ticket.assignee_id, Ticket.inbox_id)
    )
    for agent_id, inbox_id, count in rows:
        assert agent_id is not None
        kind = inbox_kind(session, inbox_id)
        loads[agent_id] += count * rule.weight(kind)
        if kind == channel:
            same_channel[agent_id] += count
    result = []
    for person in people:
        cap = settings.capacity(person.id, channel)
        if cap is not None and same_channel[person.id] >= cap:
            continue
        result.append(
            Candidate(
                person.id, tuple(person.languages or ()), loads[person.id], same_channel[person.id]
            )
        )
    return result


def choose(
    session: Session, settings: RoutingSettings, rule: RoutingRule, ticket: Ticket, channel: str
) -> int | None:
    if rule.mode == "manual":
        return None
    pool = candidates(session, settings, rule, ticket, channel)
    if rule.mode == "skills":
        pool = _skilled(settings, ticket, pool)
    if not pool:
        return None
    if rule.mode == "round_robin":
        return _next_in_turn(session, rule, pool)
    # least_loaded, and skills among the equally skilled
    return min(pool, key=lambda c: (c.load, c.active, c.id)).id


def _skilled(settings: RoutingSettings, ticket: Ticket, pool: list[Candidate]) -> list[Candidate]:
    """Agents who have every skill the ticket's tags ask for and speak its language. A
    language no agent of the team speaks is not required (someone must answer)."""
    needed = frozenset(ticket.tags) & settings.vocabulary
    pool = [c for c in pool if needed <= settings.skills.get(c.id, frozenset())]
    language = (ticket.language or "").split("-")[0].casefold()
    if language:
        speakers = [
            c for c in pool if language in {x.split("-")[0].casefold() for x in c.languages}
        ]
        if speakers:
            return speakers
    return pool


def _next_in_turn(session: Session, rule: RoutingRule, pool: list[Candidate]) -> int:
    # The pointer lives in the row, locked, so two processes do not give the same turn.
    config = session.scalars(
        select(RoutingConfig).where(RoutingConfig.id == rule.config_id).with_for_update()
    ).one()
    ids = [c.id for c in pool]
    after = [i for i in ids if config.last_agent_id is None or i > config.last_agent_id]
    chosen = after[0] if after else ids[0]
    config.last_agent_id = chosen
    return chosen
