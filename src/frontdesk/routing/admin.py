"""Admin actions on routing: settings per team or inbox, agents' skills and capacities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Invalid, NotFound
from frontdesk.domain.tickets import normalize_tags
from frontdesk.domain.tx import Tx
from frontdesk.models import Agent, AgentCapacity, AgentSkill, Inbox, RoutingConfig, Team
from frontdesk.models.routing import ROUTING_MODES
from frontdesk.routing.assignment import drain_queue
from frontdesk.routing.settings import ROUTING

ON_OFFLINE = ("keep", "reroute")
MAX_CAPACITY = 100


def get_config(
    tx: Tx, *, team_id: int | None = None, inbox_id: int | None = None
) -> RoutingConfig | None:
    column = RoutingConfig.team_id if team_id is not None else RoutingConfig.inbox_id
    return tx.session.scalar(select(RoutingConfig).where(column == (team_id or inbox_id)))


def set_config(
    tx: Tx,
    actor: Actor,
    fields: dict[str, Any],
    *,
    team_id: int | None = None,
    inbox_id: int | None = None,
) -> RoutingConfig:
    actor.require_agent("admin")
    if team_id is not None and tx.session.get(Team, team_id) is None:
        raise NotFound(f"team {team_id} not found")
    if inbox_id is not None and tx.session.get(Inbox, inbox_id) is None:
        raise NotFound(f"inbox {inbox_id} not found")
    _check(tx, fields)
    config = get_config(tx, team_id=team_id, inbox_id=inbox_id)
    before: dict[str, Any] = {}
    if config is None:
        now = tx.now()
        config = RoutingConfig(
            team_id=team_id,
            inbox_id=inbox_id,
            mode="manual",
            on_offline="keep",
            channel_weights={},
            created_at=now,
            updated_at=now,
        )
        tx.session.add(config)
    else:
        before = {k: getattr(config, k) for k in fields}
    for key, value in fields.items():
        setattr(config, key, value)
    config.updated_at = tx.now()
    tx.session.flush()
    changes = {k: [before.get(k), v] for k, v in fields.items() if before.get(k) != v}
    tx.audit(
        actor,
        "routing.configured",
        "team" if team_id else "inbox",
        team_id or inbox_id or 0,
        changes,
    )
    ROUTING.changed(tx.session)
    drain_queue(tx)
    return config


def _check(tx: Tx, fields: dict[str, Any]) -> None:
    if "mode" in fields and fields["mode"] not in ROUTING_MODES:
        raise Invalid("mode", f"must be one of {', '.join(ROUTING_MODES)}")
    if "on_offline" in fields and fields["on_offline"] not in ON_OFFLINE:
        raise Invalid("on_offline", f"must be one of {', '.join(ON_OFFLINE)}")
    lead = fields.get("lead_agent_id")
    if lead is not None:
        agent = tx.session.get(Agent, lead)
        if agent is None or not agent.is_active or agent.role == "light_agent":
            raise Invalid(
                "lead_agent_id", f"agent {lead} cannot lead: unknown, inactive or a light agent"
            )
    for channel, weight in (fields.get("channel_weights") or {}).items():
        if not isinstance(weight, int | float) or not 0 <= weight <= 100:
            raise Invalid(f"channel_weights.{channel}", "must be a number from 0 to 100")


def set_skills(tx: Tx, actor: Actor, agent_id: int, skills: list[str]) -> list[str]:
    actor.require_agent("admin")
    _agent(tx, agent_id)
    clean = normalize_tags(skills)
    before = sorted(
        tx.session.scalars(select(AgentSkill.skill).where(AgentSkill.agent_id == agent_id))
    )
    tx.session.execute(delete(AgentSkill).where(AgentSkill.agent_id == agent_id))
    tx.session.add_all(AgentSkill(agent_id=agent_id, skill=s) for s in clean)
    tx.session.flush()
    tx.audit(actor, "agent.skills_set", "agent", agent_id, {"skills": [before, clean]})
    ROUTING.changed(tx.session)
    return clean


def set_capacity(
    tx: Tx, actor: Actor, agent_id: int, capacity: dict[str, int | None]
) -> dict[str, int]:
    """Per channel; None removes the agent's own figure (the default applies again)."""
    actor.require_agent("admin")
    _agent(tx, agent_id)
    for channel, value in capacity.items():
        if value is not None and not 0 <= value <= MAX_CAPACITY:
            raise Invalid(f"capacity.{channel}", f"must be from 0 to {MAX_CAPACITY}")
        row = tx.session.get(AgentCapacity, (agent_id, channel))
        if value is None:
            if row is not None:
                tx.session.delete(row)
        elif row is None:
            tx.session.add(AgentCapacity(agent_id=agent_id, channel=channel, max_active=value))
        else:
            row.max_active = value
    tx.session.flush()
    tx.audit(
        actor, "agent.capacity_set", "agent", agent_id, {k: [None, v] for k, v in capacity.items()}
    )
    ROUTING.changed(tx.session)
    drain_queue(tx)
    return capacities_of(tx, agent_id)


def capacities_of(tx: Tx, agent_id: int) -> dict[str, int]:
    rows = tx.session.scalars(select(AgentCapacity).where(AgentCapacity.agent_id == agent_id))
    return {r.channel: r.max_active for r in rows}


def skills_of(tx: Tx, agent_id: int) -> list[str]:
    return sorted(
        tx.session.scalars(select(AgentSkill.skill).where(AgentSkill.agent_id == agent_id))
    )


def _agent(tx: Tx, agent_id: int) -> Agent:
    agent = tx.session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    return agent
