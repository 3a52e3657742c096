"""Hands events to the visitors they concern. One bus subscription per process, not one
per visitor: each event is looked up by ticket among this process's connections, and the
messages of a batch of events are read in one query."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from frontdesk.channels.chat.connection import VisitorConnection
from frontdesk.channels.chat.frames import chat_frame
from frontdesk.channels.chat.visitors import ChatRef, render
from frontdesk.models import Agent, ChatSession, Message
from frontdesk.realtime.bus import Subscription
from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)
BATCH = 500
MESSAGE_EVENTS = ("message.created", "message.received")
STARTED = ("chat.waiting", "chat.offline", "chat.bot")
# The chat state each chat event leaves behind.
_STATES = {
    "bot": "bot",
    "waiting": "waiting",
    "offline": "offline",
    "accepted": "active",
    "ended": "ended",
}
CHAT_EVENTS = (
    "chat.accepted",
    "chat.transferred",
    "chat.ended",
    "chat.waiting",
    "chat.offline",
    "chat.bot",
)


class ChatHub:
    def __init__(self, fd: Frontdesk) -> None:
        self.fd = fd
        self.by_ticket: dict[int, set[VisitorConnection]] = {}
        self.watching: dict[VisitorConnection, int] = {}
        # Connections of a visitor with no chat yet, found when one starts (another tab,
        # or the POSTs of the fallback transport, may be the one that starts it).
        self.by_visitor: dict[str, set[VisitorConnection]] = {}
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Subscribe on the running loop (idempotent)."""
        if self._task is None:
            self._subscription = self.fd.bus.subscribe()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    @property
    def connections(self) -> int:
        return len(self.watching)

    def watch(self, connection: VisitorConnection, ticket_id: int) -> None:
        if self.watching.get(connection) == ticket_id:
            return
        self._unwatch(connection)
        self.watching[connection] = ticket_id
        self.by_ticket.setdefault(ticket_id, set()).add(connection)

    def watch_visitor(self, connection: VisitorConnection, key: str) -> None:
        self.by_visitor.setdefault(key, set()).add(connection)

    def forget(self, connection: VisitorConnection) -> None:
        if connection.visit is not None:
            group_of_visitor = self.by_visitor.get(connection.visit.key)
            if group_of_visitor is not None:
                group_of_visitor.discard(connection)
                if not group_of_visitor:
                    del self.by_visitor[connection.visit.key]
        self._unwatch(connection)

    def _unwatch(self, connection: VisitorConnection) -> None:
        ticket_id = self.watching.pop(connection, None)
        if ticket_id is not None:
            group = self.by_ticket.get(ticket_id)
            if group is not None:
                group.discard(connection)
                if not group:
                    del self.by_ticket[ticket_id]

    async def _run(self) -> None:
        assert self._subscription is not None
        queue = self._subscription.queue
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < BATCH:
                batch.append(queue.get_nowait())
            try:
                await self._dispatch(batch)
            except Exception:
                log.exception("chat events were not delivered; visitors resume on reconnect")

    async def _dispatch(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event["type"] in STARTED and event.get("visitor_key") in self.by_visitor:
                for connection in self.by_visitor[event["visitor_key"]]:
                    connection.chat = ChatRef(
                        event["chat_id"],
                        event["ticket_id"],
                        event.get("team_id"),
                        event.get("assignee_id"),
                        event["type"].removeprefix("chat."),
                    )
                    self.watch(connection, event["ticket_id"])
        ours = [e for e in events if e.get("ticket_id") in self.by_ticket]
        if not ours:
            return
        for event in ours:
            self._follow(event)
        # A visitor's own message is already on its connection (with the ack): it is read
        # again only for connections that lack it, such as the visitor's other tabs.
        message_ids = [
            int(e["message_id"])
            for e in ours
            if e["type"] in MESSAGE_EVENTS
            and not e.get("internal")
            and any(e["message_id"] not in c.sent_ids for c in self.by_ticket[e["ticket_id"]])
        ]
        chat_ids = [int(e["chat_id"]) for e in ours if e["type"] in CHAT_EVENTS]
        frames: dict[int, dict[str, Any]] = {}
        chats: dict[int, dict[str, Any]] = {}
        if message_ids or chat_ids:
            frames, chats = await asyncio.to_thread(self._load, message_ids, chat_ids)
        for event in ours:
            for frame in self._frames_for(event, frames, chats):
                for connection in list(self.by_ticket.get(event["ticket_id"], ())):
                    connection.push(frame)

    def _follow(self, event: dict[str, Any]) -> None:
        """Keep each connection's idea of its ticket's team and owner current: the visitor's
        own events (typing, read) are shown to agents by them, and a transfer moves them."""
        if "team_id" not in event:
            return
        state = event["type"].removeprefix("chat.") if event["type"] in CHAT_EVENTS else None
        for connection in self.by_ticket.get(event["ticket_id"], ()):
            chat = connection.chat
            if chat is not None and chat.ticket_id == event["ticket_id"]:
                connection.chat = replace(
                    chat,
                    team_id=event["team_id"],
                    assignee_id=event.get("assignee_id"),
                    state=_STATES.get(state or "", chat.state),
                )

    def _frames_for(
        self,
        event: dict[str, Any],
        messages: dict[int, dict[str, Any]],
        chats: dict[int, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        kind = event["type"]
        if kind in MESSAGE_EVENTS:
            frame = messages.get(int(event["message_id"]))
            return [frame] if frame is not None else []
        if kind in CHAT_EVENTS:
            frame = chats.get(int(event["chat_id"]))
            return [frame] if frame is not None else []
        if kind == "chat.typing" and event.get("by") == "agent":
            return [
                {"type": "typing", "active": bool(event.get("active")), "agent": event.get("agent")}
            ]
        if kind == "chat.read" and event.get("by") == "agent":
            return [{"type": "read", "message_id": event.get("message_id")}]
        return []

    def _load(
        self, message_ids: list[int], chat_ids: list[int]
    ) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
        messages: dict[int, dict[str, Any]] = {}
        chats: dict[int, dict[str, Any]] = {}
        with self.fd.read() as session:
            if message_ids:
                rows = list(
                    session.scalars(
                        select(Message).where(
                            Message.id.in_(message_ids),
                            # Notes and machine messages never reach a visitor.
                            Message.is_internal.is_(False),
                            Message.is_auto.is_(False),
                        )
                    )
                )
                messages = {frame["id"]: frame for frame in render(session, rows)}
            if chat_ids:
                found = session.scalars(select(ChatSession).where(ChatSession.id.in_(chat_ids)))
                for chat in found:
                    agent = session.get(Agent, chat.agent_id) if chat.agent_id else None
                    chats[chat.id] = chat_frame(chat, agent)
        return messages, chats
