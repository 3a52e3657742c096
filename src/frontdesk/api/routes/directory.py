"""Agents, teams, inboxes and API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from frontdesk.api.deps import FD, Admin, AnyAgent, forget_cached_tokens
from frontdesk.api.schemas import (
    AgentCreate,
    AgentOut,
    AgentPatch,
    InboxIn,
    InboxOut,
    InboxPatch,
    TeamIn,
    TeamOut,
    TeamPatch,
    TokenCreated,
    TokenIn,
    TokenOut,
)
from frontdesk.domain import agents, inboxes
from frontdesk.domain.errors import NotFound
from frontdesk.models import Agent, ApiToken, Inbox, InboxOAuthGrant, Team

router = APIRouter(tags=["agents and inboxes"])


@router.get("/agents", response_model=list[AgentOut])
def list_agents(actor: AnyAgent, fd: FD) -> list[AgentOut]:
    with fd.read() as session:
        return [AgentOut.of(a) for a in session.scalars(select(Agent).order_by(Agent.id))]


@router.post("/agents", status_code=201, response_model=AgentOut)
def create_agent(body: AgentCreate, actor: Admin, fd: FD) -> AgentOut:
    with fd.transaction() as tx:
        return AgentOut.of(agents.create_agent(tx, actor, **body.model_dump()))


@router.get("/agents/{agent_id}", response_model=AgentOut)
def get_agent(agent_id: int, actor: AnyAgent, fd: FD) -> AgentOut:
    with fd.read() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFound(f"agent {agent_id} not found")
        return AgentOut.of(agent)


@router.patch("/agents/{agent_id}", response_model=AgentOut)
def update_agent(agent_id: int, body: AgentPatch, actor: AnyAgent, fd: FD) -> AgentOut:
    """Admins change any agent; an agent changes their own name, languages, availability
    and password."""
    with fd.transaction() as tx:
        agent = agents.update_agent(tx, actor, agent_id, body.model_dump(exclude_unset=True))
        out = AgentOut.of(agent)
    forget_cached_tokens()  # a role or an active flag may have changed
    return out


@router.get("/teams", response_model=list[TeamOut])
def list_teams(actor: AnyAgent, fd: FD) -> list[TeamOut]:
    with fd.read() as session:
        return [TeamOut.of(t) for t in session.scalars(select(Team).order_by(Team.id))]


@router.post("/teams", status_code=201, response_model=TeamOut)
def create_team(body: TeamIn, actor: Admin, fd: FD) -> TeamOut:
    with fd.transaction() as tx:
        out = TeamOut.of(agents.create_team(tx, actor, body.name, body.member_ids))
    forget_cached_tokens()  # its members see its tickets at once, as after update_team
    return out


@router.patch("/teams/{team_id}", response_model=TeamOut)
def update_team(team_id: int, body: TeamPatch, actor: Admin, fd: FD) -> TeamOut:
    with fd.transaction() as tx:
        out = TeamOut.of(
            agents.update_team(tx, actor, team_id, body.model_dump(exclude_unset=True))
        )
    forget_cached_tokens()  # team membership decides which tickets an agent sees
    return out


@router.get("/inboxes", response_model=list[InboxOut])
def list_inboxes(actor: AnyAgent, fd: FD) -> list[InboxOut]:
    with fd.read() as session:
        rows = session.scalars(select(Inbox).order_by(Inbox.id)).all()
        grants = (
            {g.inbox_id: g for g in session.scalars(select(InboxOAuthGrant))}
            if actor.is_admin
            else {}
        )
        return [InboxOut.of(i, with_config=actor.is_admin, grant=grants.get(i.id)) for i in rows]


@router.post("/inboxes", status_code=201, response_model=InboxOut)
def create_inbox(body: InboxIn, actor: Admin, fd: FD) -> InboxOut:
    with fd.transaction() as tx:
        inbox = inboxes.create_inbox(
            tx, actor, name=body.name, kind=body.kind, config=body.config, team_id=body.team_id
        )
        return InboxOut.of(inbox, with_config=True)


@router.get("/inboxes/{inbox_id}", response_model=InboxOut)
def get_inbox(inbox_id: int, actor: AnyAgent, fd: FD) -> InboxOut:
    with fd.read() as session:
        inbox = session.get(Inbox, inbox_id)
        if inbox is None:
            raise NotFound(f"inbox {inbox_id} not found")
        grant = session.get(InboxOAuthGrant, inbox_id) if actor.is_admin else None
        return InboxOut.of(inbox, with_config=actor.is_admin, grant=grant)


@router.patch("/inboxes/{inbox_id}", response_model=InboxOut)
def update_inbox(inbox_id: int, body: InboxPatch, actor: Admin, fd: FD) -> InboxOut:
    with fd.transaction() as tx:
        inbox = inboxes.update_inbox(tx, actor, inbox_id, body.model_dump(exclude_unset=True))
        grant = tx.session.get(InboxOAuthGrant, inbox_id)
        return InboxOut.of(inbox, with_config=True, grant=grant)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(actor: AnyAgent, fd: FD) -> list[TokenOut]:
    """Your own tokens; admins see everyone's."""
    query = select(ApiToken).order_by(ApiToken.id)
    if not actor.is_admin:
        query = query.where(ApiToken.agent_id == actor.id)
    with fd.read() as session:
        return [TokenOut.of(t) for t in session.scalars(query)]


@router.post("/tokens", status_code=201, response_model=TokenCreated)
def create_token(body: TokenIn, actor: AnyAgent, fd: FD) -> TokenCreated:
    assert actor.id is not None
    with fd.transaction() as tx:
        token, secret = agents.create_token(tx, actor, body.agent_id or actor.id, body.name)
        return TokenCreated(**TokenOut.of(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: int, actor: AnyAgent, fd: FD) -> Response:
    with fd.transaction() as tx:
        agents.revoke_token(tx, actor, token_id)
    forget_cached_tokens()
    return Response(status_code=204)
