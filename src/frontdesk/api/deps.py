"""Who is calling: an agent (API token or session) or a customer (portal session)."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from frontdesk.domain.actors import Actor
from frontdesk.domain.agents import agent_for_token
from frontdesk.models import Agent, Contact, team_members
from frontdesk.runtime import Frontdesk

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Resolved tokens are kept briefly so a busy integration costs one lookup every few seconds;
# a revoked token stops working within this time.
TOKEN_CACHE_SECONDS = 5.0
_token_cache: dict[str, tuple[float, Actor]] = {}
_token_lock = threading.Lock()


# The small dependencies below are `async def` on purpose: FastAPI runs a plain `def`
# dependency in the thread pool, a hop that costs more than the work they do.


async def get_fd(request: Request) -> Frontdesk:
    fd: Frontdesk = request.app.state.fd
    return fd


FD = Annotated[Frontdesk, Depends(get_fd)]


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cached_token(key: str) -> Actor | None:
    with _token_lock:
        hit = _token_cache.get(key)
    if hit and time.monotonic() - hit[0] < TOKEN_CACHE_SECONDS:
        return hit[1]
    return None


def _actor_from_token(fd: Frontdesk, token: str) -> Actor | None:
    key = _token_key(token)
    cached = _cached_token(key)
    if cached is not None:
        return cached
    now = time.monotonic()
    with fd.read() as session:
        agent = agent_for_token(session, token)
        actor = Actor.for_agent(agent) if agent else None
    with _token_lock:
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        if actor:
            _token_cache[key] = (now, actor)
    return actor


def forget_cached_tokens() -> None:
    with _token_lock:
        _token_cache.clear()


async def current_actor(request: Request, fd: FD) -> Actor | None:
    """The caller; a cached API token is answered here, anything needing the database
    in the thread pool."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        cached = _cached_token(_token_key(token.strip()))
        if cached is not None:
            return cached
    return await run_in_threadpool(resolve_actor, request, fd)


def resolve_actor(
    request: Request | WebSocket, fd: Frontdesk, *, csrf: str | None = None
) -> Actor | None:
    """The caller. `csrf` is the token a web form carried; otherwise the X-CSRF-Token
    header must match the session's."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(
                401, "use Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"}
            )
        actor = _actor_from_token(fd, token.strip())
        if actor is None:
            raise HTTPException(401, "invalid or revoked token", {"WWW-Authenticate": "Bearer"})
        return actor
    session = request.scope.get("session") or {}
    if not session:
        return None
    # WebSocket handshakes have no method; their origin is checked where they are accepted.
    method = request.scope.get("method", "GET")
    sent = csrf if csrf is not None else request.headers.get("x-csrf-token")
    if method not in SAFE_METHODS and (not sent or sent != session.get("csrf")):
        raise HTTPException(403, "missing or wrong X-CSRF-Token header")
    with fd.read() as db:
        if "agent_id" in session:
            actor = _active_agent(db, session["agent_id"])
            if actor is not None:
                return actor
        if "contact_id" in session:
            contact = db.get(Contact, session["contact_id"])
            if contact is not None and contact.merged_into_id is None:
                return Actor.for_contact(contact.id)
    return None


def _active_agent(db: Session, agent_id: int) -> Actor | None:
    """What Actor.for_agent gives, in one query of plain rows: every page asks it."""
    rows = db.execute(
        select(Agent.role, Agent.is_active, team_members.c.team_id)
        .outerjoin(team_members, team_members.c.agent_id == Agent.id)
        .where(Agent.id == agent_id)
    ).all()
    if not rows or not rows[0].is_active:
        return None
    teams = frozenset(row.team_id for row in rows if row.team_id is not None)
    return Actor("agent", agent_id, rows[0].role, teams)


# The guards take the request itself rather than depending on `current_actor`: FastAPI
# resolves each level of dependency on every request, and for a busy API route that
# bookkeeping cost more than finding the caller.


async def _signed_in(request: Request) -> Actor:
    actor = await current_actor(request, request.app.state.fd)
    if actor is None:
        raise HTTPException(401, "sign in or send an API token", {"WWW-Authenticate": "Bearer"})
    return actor


def _role_guard(*roles: str) -> object:
    async def guard(request: Request) -> Actor:
        actor = await _signed_in(request)
        if actor.type != "agent" or (roles and actor.role not in roles):
            raise HTTPException(403, "your role does not allow this")
        return actor

    return guard


async def _customer(request: Request) -> Actor:
    actor = await _signed_in(request)
    if actor.type != "contact":
        raise HTTPException(403, "this part of the API is for customers")
    return actor


AnyActor = Annotated[Actor, Depends(_signed_in)]
AnyAgent = Annotated[Actor, Depends(_role_guard())]
FullAgent = Annotated[Actor, Depends(_role_guard("admin", "agent"))]
Admin = Annotated[Actor, Depends(_role_guard("admin"))]
Customer = Annotated[Actor, Depends(_customer)]
