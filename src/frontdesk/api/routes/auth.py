"""Sign-in for agents (password → session cookie) and for customers (signed one-time link)."""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import APIRouter, HTTPException, Request, Response

from frontdesk.api.deps import FD, AnyActor
from frontdesk.api.schemas import LoginIn, MeOut, PortalSessionIn
from frontdesk.domain.agents import authenticate_password
from frontdesk.domain.portal import contact_for_signin_token
from frontdesk.models import Agent, Contact

router = APIRouter(tags=["auth"])

# Failed sign-ins allowed per address and per client in the window before refusing.
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60


class FailureLimiter:
    """Counts failed sign-ins in memory, per process. Each try costs an argon2 hash, so the
    limit also protects the CPU."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked_for(self, *keys: str) -> float:
        now = time.monotonic()
        with self._lock:
            waits = []
            for key in keys:
                times = self._failures[key]
                while times and now - times[0] > FAILURE_WINDOW_SECONDS:
                    times.popleft()
                if len(times) >= MAX_FAILURES:
                    waits.append(FAILURE_WINDOW_SECONDS - (now - times[0]))
            return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures[key].append(time.monotonic())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


limiter = FailureLimiter()


@router.post("/auth/login", response_model=MeOut)
def login(body: LoginIn, request: Request, fd: FD) -> MeOut:
    keys = (
        f"email:{body.email.strip().lower()}",
        f"ip:{request.client.host if request.client else '-'}",
    )
    wait = limiter.blocked_for(*keys)
    if wait > 0:
        raise HTTPException(
            429, "too many failed sign-ins; try again later", {"Retry-After": str(int(wait) + 1)}
        )
    with fd.read() as session:
        agent = authenticate_password(session, body.email, body.password)
        if agent is None:
            limiter.failed(*keys)
            raise HTTPException(401, "wrong email or password")
        limiter.succeeded(keys[0])
        csrf = secrets.token_urlsafe(24)
        request.session.clear()
        request.session.update({"agent_id": agent.id, "csrf": csrf})
        return MeOut(type="agent", id=agent.id, role=agent.role, name=agent.name, csrf_token=csrf)


@router.post("/auth/logout", status_code=204)
def logout(request: Request) -> Response:
    request.session.clear()
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(actor: AnyActor, request: Request, fd: FD) -> MeOut:
    csrf = request.session.get("csrf") if "session" in request.scope else None
    with fd.read() as session:
        assert actor.id is not None
        if actor.type == "agent":
            agent = session.get_one(Agent, actor.id)
            return MeOut(
                type="agent", id=agent.id, role=agent.role, name=agent.name, csrf_token=csrf
            )
        contact = session.get_one(Contact, actor.id)
        return MeOut(type="contact", id=contact.id, role=None, name=contact.name, csrf_token=csrf)


@router.post("/portal/session", response_model=MeOut, tags=["portal"])
def portal_sign_in(body: PortalSessionIn, request: Request, fd: FD) -> MeOut:
    """Exchange the token of a sign-in link for a customer session."""
    with fd.transaction() as tx:
        contact = contact_for_signin_token(tx, fd.secret_key, body.token)
        csrf = secrets.token_urlsafe(24)
        request.session.clear()
        request.session.update({"contact_id": contact.id, "csrf": csrf})
        return MeOut(type="contact", id=contact.id, role=None, name=contact.name, csrf_token=csrf)
