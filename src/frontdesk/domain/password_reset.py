"""Agents who forgot their password get a link by email that lets them choose a new one.

The link is signed and lasts an hour; it names a fingerprint of the password it replaces,
so it stops working once used (or once the password changed another way).
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.agents import update_agent
from frontdesk.domain.errors import PermissionDenied
from frontdesk.domain.tx import Tx
from frontdesk.models import Agent, Inbox

RESET_MAX_AGE_SECONDS = 3600
_SALT = "frontdesk.password-reset"


def _fingerprint(agent: Agent) -> str:
    return hashlib.sha256((agent.password_hash or "none").encode()).hexdigest()[:16]


def request_reset(tx: Tx, secret_key: str, base_url: str, email: str) -> bool:
    """Mail a reset link if an active agent has this address and an email inbox can send.
    The page answers the same either way, so nobody learns who works here."""
    agent = tx.session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    if agent is None or not agent.is_active:
        return False
    sender = tx.session.scalar(
        select(Inbox)
        .where(Inbox.kind == "email", Inbox.is_active.is_(True))
        .order_by(Inbox.id)
        .limit(1)
    )
    if sender is None:
        return False
    token = issue_reset_token(secret_key, agent)
    link = f"{base_url.rstrip('/')}/password-reset/new?token={token}"
    tx.enqueue(
        "send_email_notice",
        {
            "inbox_id": sender.id,
            "purpose": "password_reset",  # its own hourly limit (channels/email/notices.py)
            "to": agent.email,
            "subject": "Choose a new password",
            "text": f"Open this link within an hour to choose a new password:\n\n{link}\n",
        },
        max_attempts=5,
    )
    return True


def issue_reset_token(secret_key: str, agent: Agent) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    return str(serializer.dumps({"agent": agent.id, "was": _fingerprint(agent)}))


def reset_password(tx: Tx, secret_key: str, token: str, new_password: str) -> Agent:
    try:
        data = URLSafeTimedSerializer(secret_key, salt=_SALT).loads(
            token, max_age=RESET_MAX_AGE_SECONDS
        )
        agent_id, was = int(data["agent"]), str(data["was"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise PermissionDenied("this reset link is invalid or has expired") from None
    agent = tx.session.get(Agent, agent_id)
    if agent is None or not agent.is_active or _fingerprint(agent) != was:
        raise PermissionDenied("this reset link is invalid or has expired")
    actor: Actor = SYSTEM
    return update_agent(tx, actor, agent.id, {"password": new_password})
