"""Canned replies: prepared answers an agent inserts and then makes their own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Conflict, Invalid, NotFound
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import CannedReply


def canned_replies(session: Session) -> list[CannedReply]:
    return list(session.scalars(select(CannedReply).order_by(CannedReply.title)))


def create_canned(tx: Tx, actor: Actor, title: str, text: str) -> CannedReply:
    actor.require_agent("admin", "agent")
    title = check_text(title, "title", max_length=200).strip()
    text = check_text(text, "text", max_length=20_000).strip()
    if not title:
        raise Invalid("title", "must not be empty")
    if not text:
        raise Invalid("text", "must not be empty")
    reply = CannedReply(title=title, text=text, created_by_id=actor.id, created_at=tx.now())
    try:
        with tx.session.begin_nested():
            tx.session.add(reply)
    except IntegrityError:
        raise Conflict(f"a canned reply named {title!r} exists") from None
    tx.audit(actor, "canned_reply.created", "canned_reply", reply, {"title": [None, title]})
    return reply


def delete_canned(tx: Tx, actor: Actor, reply_id: int) -> None:
    actor.require_agent("admin")
    reply = tx.session.get(CannedReply, reply_id)
    if reply is None:
        raise NotFound(f"canned reply {reply_id} not found")
    tx.session.delete(reply)
    tx.audit(
        actor, "canned_reply.deleted", "canned_reply", reply_id, {"title": [reply.title, None]}
    )
