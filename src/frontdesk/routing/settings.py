"""Routing settings per team and inbox, agents' skills and capacities, read once per
process (ConfigCache) because every new ticket asks for them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.config_cache import ConfigCache
from frontdesk.models import AgentCapacity, AgentSkill, RoutingConfig, Ticket

# Concurrent active tickets per agent when nothing else is set: chat 3 (what most chat
# agents handle at once); other channels have no cap.
DEFAULT_CAPACITY = {"chat": 3, "live_chat": 3, "widget": 3}
# How much one active ticket of a channel weighs in least-loaded routing.
DEFAULT_WEIGHTS = {"chat": 1.0, "live_chat": 1.0, "widget": 1.0, "phone": 1.0}
OTHER_WEIGHT = 0.25
SOCIAL_WEIGHT = 0.5
_SOCIAL = ("social", "messaging", "whatsapp", "telegram", "facebook", "instagram", "sms")


@dataclass(frozen=True)
class RoutingRule:
    config_id: int
    mode: str
    lead_agent_id: int | None
    on_offline: str
    channel_weights: Mapping[str, float] = field(default_factory=dict)

    def weight(self, channel: str) -> float:
        if channel in self.channel_weights:
            return float(self.channel_weights[channel])
        if channel in DEFAULT_WEIGHTS:
            return DEFAULT_WEIGHTS[channel]
        return SOCIAL_WEIGHT if channel in _SOCIAL else OTHER_WEIGHT


@dataclass(frozen=True)
class RoutingSettings:
    by_team: Mapping[int, RoutingRule]
    by_inbox: Mapping[int, RoutingRule]
    capacities: Mapping[tuple[int, str], int]
    skills: Mapping[int, frozenset[str]]
    # Every skill some agent has: a ticket tag outside it is not a skill requirement.
    vocabulary: frozenset[str]

    def rule_for(self, ticket: Ticket) -> RoutingRule | None:
        rule = self.by_inbox.get(ticket.inbox_id)
        if rule is None and ticket.team_id is not None:
            rule = self.by_team.get(ticket.team_id)
        return rule

    def capacity(self, agent_id: int, channel: str) -> int | None:
        found = self.capacities.get((agent_id, channel))
        return found if found is not None else DEFAULT_CAPACITY.get(channel)

    @property
    def any_automatic(self) -> bool:
        return any(r.mode != "manual" for r in (*self.by_team.values(), *self.by_inbox.values()))


def _load(session: Session) -> RoutingSettings:
    by_team: dict[int, RoutingRule] = {}
    by_inbox: dict[int, RoutingRule] = {}
    for row in session.scalars(select(RoutingConfig)):
        rule = RoutingRule(
            config_id=row.id,
            mode=row.mode,
            lead_agent_id=row.lead_agent_id,
            on_offline=row.on_offline,
            channel_weights=dict(row.channel_weights),
        )
        if row.inbox_id is not None:
            by_inbox[row.inbox_id] = rule
        elif row.team_id is not None:
            by_team[row.team_id] = rule
    capacities = {
        (row.agent_id, row.channel): row.max_active
        for row in session.scalars(select(AgentCapacity))
    }
    skills: dict[int, set[str]] = defaultdict(set)
    for agent_id, skill in session.execute(select(AgentSkill.agent_id, AgentSkill.skill)):
        skills[agent_id].add(skill)
    return RoutingSettings(
        by_team=by_team,
        by_inbox=by_inbox,
        capacities=capacities,
        skills={k: frozenset(v) for k, v in skills.items()},
        vocabulary=frozenset(s for v in skills.values() for s in v),
    )


ROUTING: ConfigCache[RoutingSettings] = ConfigCache(_load)
