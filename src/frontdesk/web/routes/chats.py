"""The agent's chats page: the queue and their own chats (live, from the event stream),
one conversation at a time with the visitor's page, typing, canned replies, transfer and
end. The page draws itself from the chat API (`/api/v1/chats…`) in static/chats.js; these
routes render the page and the queue, which the script reloads when a chat event comes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from frontdesk.channels.chat import desk
from frontdesk.channels.chat.capacity import capacity_of, open_chats
from frontdesk.domain.canned import canned_replies
from frontdesk.domain.tx import Tx
from frontdesk.models import Agent, Team
from frontdesk.web.pages import Viewer, fd_of, render
from frontdesk.web.routes.common import AgentViewer

router = APIRouter(include_in_schema=False)


@router.get("/chats", response_model=None)
def chats_page(request: Request, who: AgentViewer) -> HTMLResponse:
    assert who.actor is not None
    assert who.actor.id is not None
    fd = fd_of(request)
    with fd.reading() as tx:
        me = tx.session.get_one(Agent, who.actor.id)
        colleagues = tx.session.scalars(
            select(Agent)
            .where(
                Agent.is_active.is_(True),
                Agent.role.in_(("admin", "agent")),
                Agent.id != me.id,
            )
            .order_by(Agent.name)
        )
        return render(
            request,
            "agent/chats.html",
            viewer=who,
            section="chats",
            availability=me.availability,
            agents=list(colleagues),
            teams=list(tx.session.scalars(select(Team).order_by(Team.name))),
            canned=canned_replies(tx.session),
            **_queue(tx, who, fd.settings.chat_capacity),
        )


@router.get("/chats/queue", response_model=None)
def chats_queue(request: Request, who: AgentViewer) -> HTMLResponse:
    fd = fd_of(request)
    with fd.reading() as tx:
        return render(
            request,
            "agent/chats_queue.html",
            viewer=who,
            **_queue(tx, who, fd.settings.chat_capacity),
        )


def _queue(tx: Tx, who: Viewer, default_capacity: int) -> dict[str, Any]:
    actor = who.actor
    assert actor is not None
    assert actor.id is not None
    waiting = desk.list_chats(tx, actor, "waiting", mine=False)
    with_bot = desk.list_chats(tx, actor, "bot", mine=False)
    mine = desk.list_chats(tx, actor, "active", mine=True)
    return {
        "waiting": [desk.chat_out(tx, c) for c in waiting],
        "with_bot": [desk.chat_out(tx, c) for c in with_bot],
        "mine": [desk.chat_out(tx, c) for c in mine],
        "load": open_chats(tx, actor.id),
        "capacity": capacity_of(tx, actor.id, default_capacity),
        # Light agents read chats; only agents and admins take them.
        "can_take": actor.role in ("admin", "agent"),
    }
