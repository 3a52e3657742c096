"""The agent's side of chat over the REST API (the live part is /api/v1/events): the
queue, accept, reply, typing, read receipts, transfer, end, and each agent's capacity."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from frontdesk.api.deps import FD, Admin, AnyAgent, FullAgent
from frontdesk.api.schemas import MessageOut
from frontdesk.channels.chat import desk
from frontdesk.domain.canned import canned_replies
from frontdesk.domain.tx import Event
from frontdesk.models import Agent, Ticket
from frontdesk.runtime import Frontdesk

router = APIRouter(tags=["chat"])


class ReplyIn(BaseModel):
    """Either `text`, or `canned_reply_id`: that canned reply, placeholders filled in."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(default="", max_length=20_000)
    canned_reply_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_of(self) -> ReplyIn:
        if bool(self.text) == (self.canned_reply_id is not None):
            raise ValueError("give either text or canned_reply_id")
        return self


class CannedOut(BaseModel):
    id: int
    title: str
    text: str


class TypingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool = True


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_id: int = Field(ge=1)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent_id: int | None = None
    team_id: int | None = None
    note: str = Field(default="", max_length=5000)


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_chats: int = Field(ge=1, le=50)


@router.get("/chats")
def list_chats(
    actor: AnyAgent,
    fd: FD,
    state: Annotated[
        Literal["bot", "waiting", "active", "ended", "offline"] | None, Query()
    ] = None,
    mine: bool = False,
) -> dict[str, Any]:
    """Chats the agent may see; `?state=waiting` is the queue, `?mine=true` their own."""
    with fd.reading() as tx:
        return {"items": [desk.chat_out(tx, c) for c in desk.list_chats(tx, actor, state, mine)]}


@router.get("/chats/{chat_id}")
def get_chat(chat_id: int, actor: AnyAgent, fd: FD) -> dict[str, Any]:
    """The chat with its whole conversation, internal notes included."""
    with fd.reading() as tx:
        chat = desk.get_chat(tx, actor, chat_id)
        return {**desk.chat_out(tx, chat), "transcript": desk.transcript(tx, actor, chat)}


@router.post("/chats/{chat_id}/accept")
def accept(chat_id: int, actor: FullAgent, fd: FD) -> dict[str, Any]:
    """Take a waiting chat; refused (409) when the agent's chats are at capacity."""
    with fd.transaction() as tx:
        chat = desk.accept(tx, actor, chat_id, fd.settings.chat_capacity)
        return desk.chat_out(tx, chat)


@router.post("/chats/{chat_id}/reply", status_code=201, response_model=MessageOut)
def reply(chat_id: int, body: ReplyIn, actor: FullAgent, fd: FD) -> MessageOut:
    with fd.transaction() as tx:
        text = body.text
        if body.canned_reply_id is not None:
            text = desk.canned_text(tx, actor, chat_id, body.canned_reply_id)
        return MessageOut.of(desk.reply(tx, actor, chat_id, text))


@router.get("/canned-replies", response_model=list[CannedOut])
def list_canned(actor: AnyAgent, fd: FD) -> list[CannedOut]:
    """The prepared answers agents insert (in chats, and in any reply)."""
    with fd.read() as session:
        return [CannedOut(id=c.id, title=c.title, text=c.text) for c in canned_replies(session)]


@router.post("/chats/{chat_id}/typing", status_code=204)
async def typing(chat_id: int, body: TypingIn, actor: FullAgent, fd: FD) -> None:
    """Show the visitor that the agent is (or stopped) typing. Nothing is stored."""
    event = await asyncio.to_thread(_typing_event, fd, actor.id or 0, chat_id, body.active, actor)
    await asyncio.to_thread(fd.bus.publish, event)


def _typing_event(fd: Frontdesk, agent_id: int, chat_id: int, active: bool, actor: Any) -> Event:
    with fd.reading() as tx:
        chat = desk.get_chat(tx, actor, chat_id)
        ticket = tx.session.get_one(Ticket, chat.ticket_id)
        agent = tx.session.get_one(Agent, agent_id)
        return Event(
            "chat.typing",
            {
                "ticket_id": ticket.id,
                "team_id": ticket.team_id,
                "assignee_id": ticket.assignee_id,
                "chat_id": chat.id,
                "by": "agent",
                "agent": agent.name,
                "active": active,
            },
        )


@router.post("/chats/{chat_id}/read")
def read(chat_id: int, body: ReadIn, actor: AnyAgent, fd: FD) -> dict[str, Any]:
    """A read receipt: the visitor sees that the agent read up to this message."""
    with fd.transaction() as tx:
        return desk.chat_out(tx, desk.mark_read(tx, actor, chat_id, body.message_id))


@router.post("/chats/{chat_id}/transfer")
def transfer(chat_id: int, body: TransferIn, actor: FullAgent, fd: FD) -> dict[str, Any]:
    """To an agent (who must have a free seat) or a team; the note joins the ticket."""
    with fd.transaction() as tx:
        chat = desk.transfer(
            tx,
            actor,
            chat_id,
            agent_id=body.agent_id,
            team_id=body.team_id,
            note=body.note,
            default_capacity=fd.settings.chat_capacity,
        )
        return desk.chat_out(tx, chat)


@router.post("/chats/{chat_id}/end")
def end(chat_id: int, actor: FullAgent, fd: FD) -> dict[str, Any]:
    """End the chat: its ticket is solved, and reopens if the visitor writes again."""
    with fd.transaction() as tx:
        return desk.chat_out(tx, desk.end(tx, actor, chat_id))


@router.put("/agents/{agent_id}/chat-capacity")
def set_capacity(agent_id: int, body: CapacityIn, actor: Admin, fd: FD) -> dict[str, int]:
    with fd.transaction() as tx:
        desk.set_capacity(tx, actor, agent_id, body.max_chats)
    return {"agent_id": agent_id, "max_chats": body.max_chats}
