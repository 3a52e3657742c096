"""Agents, teams, passwords and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk import ticket_hooks
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Conflict, Invalid, NotFound, PermissionDenied
from frontdesk.domain.identities import normalize_identity
from frontdesk.domain.settings import check_time_zone
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import ROLES, Agent, ApiToken, Team
from frontdesk.models.agents import AVAILABILITY

_hasher = PasswordHasher()
# Verifying against this keeps an unknown email as slow as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
TOKEN_PREFIX = "fd_"  # noqa: S105 (a prefix, not a secret)
MIN_PASSWORD = 10


def create_agent(
    tx: Tx,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str = "agent",
    password: str | None = None,
    languages: list[str] | None = None,
    team_ids: list[int] | None = None,
) -> Agent:
    actor.require_agent("admin")
    _, email = normalize_identity("email", email)
    if role not in ROLES:
        raise Invalid("role", f"must be one of {', '.join(ROLES)}")
    agent = Agent(
        email=email,
        name=check_text(name, "name", max_length=200).strip() or email,
        role=role,
        languages=languages or [],
        availability="offline",
        is_active=True,
        created_at=tx.now(),
        password_hash=_hash_password(password) if password else None,
    )
    teams = _teams(tx, team_ids or [])
    try:
        with tx.session.begin_nested():
            tx.session.add(agent)
            agent.teams = teams
    except IntegrityError:
        raise Conflict(f"an agent with email {email} exists") from None
    tx.audit(
        actor, "agent.created", "agent", agent.id, {"email": [None, email], "role": [None, role]}
    )
    return agent


def update_agent(tx: Tx, actor: Actor, agent_id: int, fields: dict[str, Any]) -> Agent:
    """Admins change anything; an agent may change their own name, languages, availability,
    password, time zone and UI language."""
    agent = tx.session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"agent {agent_id} not found")
    own = {"name", "languages", "availability", "password", "time_zone", "ui_language"}
    if not actor.is_admin and not (actor.id == agent_id and set(fields) <= own):
        raise PermissionDenied("your role does not allow this")
    changes: dict[str, list[Any]] = {}
    for key, value in fields.items():
        if key == "password":
            agent.password_hash = _hash_password(value)
            changes["password"] = ["***", "***"]
            continue
        if key == "team_ids":
            teams = _teams(tx, value)
            if [t.id for t in teams] != agent.team_ids:
                changes["team_ids"] = [agent.team_ids, [t.id for t in teams]]
                agent.teams = teams
            continue
        if key == "role" and value not in ROLES:
            raise Invalid("role", f"must be one of {', '.join(ROLES)}")
        if key == "time_zone" and value is not None:
            value = check_time_zone(value)
        if key == "ui_language" and value is not None:
            value = check_text(value, "ui_language", max_length=16).strip() or None
        if key == "name":
            value = check_text(value, "name", max_length=200).strip() or agent.email
        if key == "availability" and value not in AVAILABILITY:
            raise Invalid("availability", f"must be one of {', '.join(AVAILABILITY)}")
        if key == "role" and agent.id == actor.id and value != "admin":
            raise Invalid("role", "admins cannot demote themselves")
        if getattr(agent, key) != value:
            changes[key] = [getattr(agent, key), value]
            setattr(agent, key, value)
    if changes:
        tx.audit(actor, "agent.updated", "agent", agent.id, changes)
        tx.emit("agent.updated", agent_id=agent.id, changes=sorted(changes))
        ticket_hooks.agent_updated(tx, agent, changes)  # availability moves the routing queue
    return agent


def create_team(tx: Tx, actor: Actor, name: str, member_ids: list[int]) -> Team:
    actor.require_agent("admin")
    team = Team(name=check_text(name, "name", max_length=100).strip(), created_at=tx.now())
    if not team.name:
        raise Invalid("name", "must not be empty")
    members = _agents(tx, member_ids)
    try:
        with tx.session.begin_nested():
            tx.session.add(team)
            team.members = members
    except IntegrityError:
        raise Conflict(f"a team named {name!r} exists") from None
    tx.audit(actor, "team.created", "team", team.id, {"name": [None, team.name]})
    return team


def update_team(tx: Tx, actor: Actor, team_id: int, fields: dict[str, Any]) -> Team:
    actor.require_agent("admin")
    team = tx.session.get(Team, team_id)
    if team is None:
        raise NotFound(f"team {team_id} not found")
    changes: dict[str, list[Any]] = {}
    if "name" in fields and fields["name"] != team.name:
        changes["name"] = [team.name, fields["name"]]
        team.name = check_text(fields["name"], "name", max_length=100).strip()
    if "member_ids" in fields:
        members = _agents(tx, fields["member_ids"])
        changes["member_ids"] = [[a.id for a in team.members], [a.id for a in members]]
        team.members = members
    try:
        tx.session.flush()
    except IntegrityError:
        raise Conflict(f"a team named {fields.get('name')!r} exists") from None
    tx.audit(actor, "team.updated", "team", team.id, changes)
    return team


def authenticate_password(session: Session, email: str, password: str) -> Agent | None:
    agent = session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    stored = agent.password_hash if agent and agent.is_active else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return agent if stored else None


def create_token(tx: Tx, actor: Actor, agent_id: int, name: str) -> tuple[ApiToken, str]:
    """Returns the stored token row and the token itself, which is never shown again."""
    if not actor.is_admin and actor.id != agent_id:
        raise PermissionDenied("your role does not allow this")
    agent = tx.session.get(Agent, agent_id)
    if agent is None or not agent.is_active:
        raise NotFound(f"agent {agent_id} not found")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        agent_id=agent.id,
        name=check_text(name, "name", max_length=100) or "token",
        token_hash=hash_token(secret),
        prefix=secret[:10],
        created_at=tx.now(),
    )
    tx.session.add(token)
    tx.session.flush()
    tx.audit(actor, "token.created", "agent", agent.id, {"token": [None, token.prefix]})
    return token, secret


def revoke_token(tx: Tx, actor: Actor, token_id: int) -> None:
    token = tx.session.get(ApiToken, token_id)
    if token is None or (not actor.is_admin and token.agent_id != actor.id):
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = tx.now()
        tx.audit(actor, "token.revoked", "agent", token.agent_id, {"token": [token.prefix, None]})


def agent_for_token(session: Session, secret: str) -> Agent | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = session.execute(
        select(Agent)
        .join(ApiToken, ApiToken.agent_id == Agent.id)
        .where(ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    return row if row is not None and row.is_active else None


def hash_token(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; argon2 would cost ~200 ms
    # on every API request.
    return hashlib.sha256(secret.encode()).hexdigest()


def _hash_password(password: str) -> str:
    check_text(password, "password", max_length=1000)
    if len(password) < MIN_PASSWORD:
        raise Invalid("password", f"must be at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _teams(tx: Tx, team_ids: list[int]) -> list[Team]:
    teams = list(tx.session.scalars(select(Team).where(Team.id.in_(team_ids)).order_by(Team.id)))
    missing = set(team_ids) - {t.id for t in teams}
    if missing:
        raise Invalid("team_ids", f"team {min(missing)} does not exist")
    return teams


def _agents(tx: Tx, agent_ids: list[int]) -> list[Agent]:
    agents = list(
        tx.session.scalars(select(Agent).where(Agent.id.in_(agent_ids)).order_by(Agent.id))
    )
    missing = set(agent_ids) - {a.id for a in agents}
    if missing:
        raise Invalid("member_ids", f"agent {min(missing)} does not exist")
    return agents
