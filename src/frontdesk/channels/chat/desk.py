"""What agents do with chats: see the queue, accept within their capacity, reply, read,
transfer to a colleague or a team with the whole conversation, end.

Replies are ordinary ticket replies (`domain.tickets.reply`): the chat adapter hands them
to the visitor live, or by email when the visitor has gone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from frontdesk.channels.chat.capacity import check_capacity, offer_targets
from frontdesk.channels.chat.frames import bot_meta, sender_of
from frontdesk.channels.chat.visitors import finish
from frontdesk.domain import tickets
from frontdesk.domain.access import can_see, ticket_filter
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Conflict, Invalid, NotFound
from frontdesk.domain.tx import Tx
from frontdesk.models import (
    Agent,
    CannedReply,
    ChatCapacity,
    ChatSession,
    ChatVisitor,
    Message,
    Ticket,
)

STATES = ("bot", "waiting", "active", "ended", "offline")


def chat_out(tx: Tx, chat: ChatSession) -> dict[str, Any]:
    visitor = tx.session.get_one(ChatVisitor, chat.visitor_id)
    return {
        "id": chat.id,
        "state": chat.state,
        "ticket_id": chat.ticket_id,
        "inbox_id": chat.inbox_id,
        "agent_id": chat.agent_id,
        "visitor": {"contact_id": visitor.contact_id, "name": visitor.name, "email": visitor.email},
        "page_url": chat.page_url,
        "referrer": chat.referrer,
        "transfers": chat.transfers,
        "visitor_read_id": chat.visitor_read_id,
        "agent_read_id": chat.agent_read_id,
        "started_at": chat.started_at.isoformat(),
        "accepted_at": chat.accepted_at.isoformat() if chat.accepted_at else None,
        "ended_at": chat.ended_at.isoformat() if chat.ended_at else None,
    }


def list_chats(tx: Tx, actor: Actor, state: str | None, mine: bool) -> list[ChatSession]:
    actor.require_agent()
    query = (
        select(ChatSession)
        .join(Ticket, Ticket.id == ChatSession.ticket_id)
        .where(ticket_filter(actor))
        .order_by(ChatSession.id)
        .limit(500)
    )
    if state is not None:
        query = query.where(ChatSession.state == state)
    if mine:
        query = query.where(ChatSession.agent_id == actor.id)
    return list(tx.session.scalars(query))


def get_chat(tx: Tx, actor: Actor, chat_id: int, *, lock: bool = False) -> ChatSession:
    actor.require_agent()
    query = select(ChatSession).where(ChatSession.id == chat_id)
    chat = tx.session.scalar(query.with_for_update() if lock else query)
    ticket = tx.session.get(Ticket, chat.ticket_id) if chat else None
    if chat is None or ticket is None or not can_see(actor, ticket):
        raise NotFound(f"chat {chat_id} not found")
    return chat


def transcript(tx: Tx, actor: Actor, chat: ChatSession) -> list[dict[str, Any]]:
    """The whole ticket, notes included: what a colleague taking over needs to read."""
    messages = tickets.ticket_messages(tx, actor, chat.ticket_id)
    names = dict(tx.session.execute(select(Agent.id, Agent.name)).all())
    return [
        {
            "id": m.id,
            "from": sender_of(m),
            "author": names.get(m.author_agent_id or 0, ""),
            "bot": bot_meta(m),
            "internal": m.is_internal,
            "text": m.text,
            "created_at": m.created_at.isoformat(),
        }
        for m in messages
    ]


def accept(tx: Tx, actor: Actor, chat_id: int, default_capacity: int) -> ChatSession:
    actor.require_agent("admin", "agent")
    chat = get_chat(tx, actor, chat_id, lock=True)
    # A chat the bot is answering may be taken too: the agent steps in.
    if chat.state not in ("waiting", "bot"):
        raise Conflict(f"chat {chat_id} is {chat.state}, not waiting")
    agent = tx.session.get_one(Agent, actor.id)
    check_capacity(tx, agent, default_capacity)
    _seat(tx, actor, chat, agent, team_id=...)
    tx.audit(
        actor,
        "chat.accepted",
        "chat",
        chat.id,
        {"agent_id": [None, agent.id]},
        ticket=chat.ticket_id,
    )
    return chat


def reply(tx: Tx, actor: Actor, chat_id: int, text: str) -> Message:
    chat = get_chat(tx, actor, chat_id)
    if chat.state in ("waiting", "bot"):
        raise Conflict(f"accept chat {chat_id} before replying")
    if chat.state == "active" and chat.agent_id != actor.id and not actor.is_admin:
        raise Conflict(f"chat {chat_id} is another agent's")
    # A canned reply inserted in the agent's box keeps its placeholders until now.
    return tickets.reply(tx, actor, chat.ticket_id, _filled_in(tx, actor, chat, text))


def _filled_in(tx: Tx, actor: Actor, chat: ChatSession, text: str) -> str:
    from frontdesk.automation.replies import render

    if "{{" not in text:
        return text
    ticket = tx.session.get_one(Ticket, chat.ticket_id)
    agent = tx.session.get(Agent, actor.id) if actor.is_agent else None
    return render(text, ticket, agent)


def canned_text(tx: Tx, actor: Actor, chat_id: int, canned_reply_id: int) -> str:
    """A canned reply's text; reply() fills in its placeholders ({{contact.first_name}} …)."""
    get_chat(tx, actor, chat_id)
    canned = tx.session.get(CannedReply, canned_reply_id)
    if canned is None:
        raise Invalid("canned_reply_id", f"canned reply {canned_reply_id} not found")
    return canned.text


def mark_read(tx: Tx, actor: Actor, chat_id: int, message_id: int) -> ChatSession:
    chat = get_chat(tx, actor, chat_id)
    if chat.agent_read_id is None or message_id > chat.agent_read_id:
        chat.agent_read_id = message_id
        ticket = tx.session.get_one(Ticket, chat.ticket_id)
        tx.emit("chat.read", ticket=ticket, chat_id=chat.id, by="agent", message_id=message_id)
    return chat


def transfer(
    tx: Tx,
    actor: Actor,
    chat_id: int,
    *,
    agent_id: int | None,
    team_id: int | None,
    note: str,
    default_capacity: int,
) -> ChatSession:
    """Hand the chat to an agent (who must have a free seat) or to a team (whose online
    agents are offered it). The note goes on the ticket beside the whole conversation."""
    actor.require_agent("admin", "agent")
    if agent_id is None and team_id is None:
        raise Invalid("agent_id", "name an agent or a team to transfer to")
    chat = get_chat(tx, actor, chat_id, lock=True)
    if chat.state not in ("waiting", "active"):
        raise Conflict(f"chat {chat_id} is {chat.state}")
    before = chat.agent_id
    if note.strip():
        tickets.add_note(tx, actor, chat.ticket_id, note)
    if agent_id is not None:
        target = tx.session.get(Agent, agent_id)
        if target is None or not target.is_active or target.role == "light_agent":
            raise Invalid("agent_id", f"agent {agent_id} cannot take chats")
        if target.id != chat.agent_id:
            check_capacity(tx, target, default_capacity)
        _seat(tx, actor, chat, target, team_id=team_id if team_id is not None else ...)
        offered: list[int] = []
    else:
        chat.state, chat.agent_id, chat.accepted_at = "waiting", None, None
        ticket = tickets.assign(tx, actor, chat.ticket_id, None, team_id=team_id)
        offered = offer_targets(tx, ticket.team_id, default_capacity)
    chat.transfers += 1
    ticket = tx.session.get_one(Ticket, chat.ticket_id)
    tx.audit(
        actor,
        "chat.transferred",
        "chat",
        chat.id,
        {"agent_id": [before, chat.agent_id], "team_id": [None, ticket.team_id]},
        ticket=ticket.id,
    )
    tx.emit(
        "chat.transferred",
        ticket=ticket,
        chat_id=chat.id,
        from_agent_id=before,
        to_agent_id=chat.agent_id,
        offered_to=offered,
    )
    return chat


def end(tx: Tx, actor: Actor, chat_id: int) -> ChatSession:
    actor.require_agent("admin", "agent")
    chat = get_chat(tx, actor, chat_id, lock=True)
    if chat.state == "ended":
        return chat
    finish(tx, chat, actor)
    return chat


def set_capacity(tx: Tx, actor: Actor, agent_id: int, max_chats: int) -> None:
    actor.require_agent("admin")
    if tx.session.get(Agent, agent_id) is None:
        raise NotFound(f"agent {agent_id} not found")
    if not 1 <= max_chats <= 50:
        raise Invalid("max_chats", "must be between 1 and 50")
    row = tx.session.get(ChatCapacity, agent_id)
    before = row.max_chats if row else None
    if row is None:
        tx.session.add(ChatCapacity(agent_id=agent_id, max_chats=max_chats))
    else:
        row.max_chats = max_chats
    tx.audit(actor, "chat.capacity_set", "agent", agent_id, {"max_chats": [before, max_chats]})


def _seat(tx: Tx, actor: Actor, chat: ChatSession, agent: Agent, *, team_id: Any) -> None:
    chat.state, chat.agent_id, chat.accepted_at = "active", agent.id, tx.now()
    ticket = tickets.assign(tx, actor, chat.ticket_id, agent.id, team_id=team_id)
    tx.emit("chat.accepted", ticket=ticket, chat_id=chat.id, agent_id=agent.id, agent=agent.name)
