"""Pick an agent for a ticket: online, with room for one more ticket of its channel, then
by the rule's mode. Two queries: the candidates, and their active tickets per inbox (read
from the partial index `ix_tickets_active_load` alone)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from frontdesk.models import Agent, RoutingConfig, Ticket, team_members
from frontdesk.models.tickets import ACTIVE_PREDICATE
from frontdesk.routing.settings import RoutingRule, RoutingSettings
from frontdesk.sla.tracking import INBOX_KINDS, inbox_kind


@dataclass(frozen=True)
class Candidate:
    id: int
    languages: tuple[str, ...]
    load: float  # weighted active tickets
    active: int  # active tickets of the ticket's channel


# Built once: a routing decision runs these for every new ticket, and constructing the
# statements anew costs more than SQLite takes to answer them.
_PEOPLE = (
    select(Agent.id, Agent.languages)
    .where(
        Agent.is_active.is_(True),
        Agent.availability == "online",
        Agent.role.in_(("admin", "agent")),
    )
    .order_by(Agent.id)
)
_TEAM_PEOPLE = _PEOPLE.join(team_members, team_members.c.agent_id == Agent.id).where(
    team_members.c.team_id == bindparam("team_id")
)
_LOADS = (
    select(Ticket.assignee_id, Ticket.inbox_id, func.count())
    .where(ACTIVE_PREDICATE, Ticket.assignee_id.in_(bindparam("ids", expanding=True)))
    .group_by(Ticket.assignee_id, Ticket.inbox_id)
)


def candidates(
    session: Session, settings: RoutingSettings, rule: RoutingRule, ticket: Ticket, channel: str
) -> list[Candidate]:
    """Online agents of the ticket's team (every agent when it has none) with capacity
    left for the ticket's channel."""
    connection = session.connection()
    if ticket.team_id is None:
        people = connection.execute(_PEOPLE).all()
    else:
        people = connection.execute(_TEAM_PEOPLE, {"team_id": ticket.team_id}).all()
    if not people:
        return []
    kinds = INBOX_KINDS.get(session)
    weights: dict[int, tuple[str, float]] = {}
    loads: dict[int | None, float] = defaultdict(float)
    same_channel: dict[int | None, int] = defaultdict(int)
    for agent_id, inbox_id, count in connection.execute(_LOADS, {"ids": [p.id for p in people]}):
        if inbox_id not in weights:
            kind = kinds.get(inbox_id) or inbox_kind(session, inbox_id)
            weights[inbox_id] = (kind, rule.weight(kind))
        kind, weight = weights[inbox_id]
        loads[agent_id] += count * weight
        if kind == channel:
            same_channel[agent_id] += count
    result = []
    for person in people:
        cap = settings.capacity(person.id, channel)
        if cap is not None and same_channel[person.id] >= cap:
            continue
        languages = tuple(person.languages or ())
        result.append(Candidate(person.id, languages, loads[person.id], same_channel[person.id]))
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
