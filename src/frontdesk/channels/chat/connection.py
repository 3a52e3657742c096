"""One visitor's live connection, whatever carries it (a WebSocket, or an event stream
with POSTed frames): it reads client frames, runs the visitor's actions off the event
loop, and queues the frames to send in `outbox`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from frontdesk.channels.chat import bot_turns, invitations, transcript, visitors
from frontdesk.channels.chat.frames import error_frame
from frontdesk.channels.chat.protocol import (
    MAX_ATTACHMENTS,
    MAX_TEXT,
    FrameError,
    Limits,
    client_id,
    int_field,
    parse,
    text_field,
)
from frontdesk.channels.chat.tokens import (
    VisitorClaim,
    new_visitor_key,
    read_upload_token,
    read_visitor_token,
    visitor_token,
)
from frontdesk.channels.chat.visitors import ChatRef, Visit
from frontdesk.domain.errors import Conflict, Invalid, NotFound
from frontdesk.domain.tx import Event
from frontdesk.runtime import Frontdesk

if TYPE_CHECKING:
    from frontdesk.channels.chat.hub import ChatHub
    from frontdesk.channels.chat.iplimits import IpLimits

log = logging.getLogger(__name__)
OUTBOX_FRAMES = 500


class Closed(Exception):
    """The connection must end (a flood, an outbox nobody reads)."""


class VisitorConnection:
    def __init__(
        self,
        fd: Frontdesk,
        hub: ChatHub | None,
        inbox_id: int,
        *,
        address: str = "-",
        ip_limits: IpLimits | None = None,
    ) -> None:
        self.fd = fd
        self.hub = hub
        self.inbox_id = inbox_id
        self.address = address
        self.ip_limits = ip_limits
        self.visit: Visit | None = None
        self.chat: ChatRef | None = None
        self.limits = Limits()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(OUTBOX_FRAMES)
        self.sent_ids: set[int] = set()  # messages already in the outbox: never twice
        self.closed = False
        self.last_chat: dict[str, Any] | None = None

    # --- sending -----------------------------------------------------------------------

    def push(self, frame: dict[str, Any]) -> None:
        if frame.get("type") == "chat":
            # Told by the action and by the hub alike: say each state once.
            if frame == self.last_chat:
                return
            self.last_chat = frame
        if frame.get("type") == "message":
            if frame["id"] in self.sent_ids:
                return
            if len(self.sent_ids) > 5000:
                self.sent_ids.clear()
            self.sent_ids.add(frame["id"])
        try:
            self.outbox.put_nowait(frame)
        except asyncio.QueueFull:
            # The visitor stopped reading; it will resume from its last seen id.
            self.closed = True

    # --- receiving ---------------------------------------------------------------------

    async def receive(self, raw: str | bytes) -> None:
        """Handle one client frame; every problem becomes an error frame."""
        frame: dict[str, Any] = {}
        try:
            frame = parse(raw)
            self.limits.check(frame["type"])
            if frame["type"] == "message":
                await self._address_limit()
            if self.visit is None and frame["type"] != "hello":
                raise FrameError("hello_first", "send a hello frame first")
            await HANDLERS[frame["type"]](self, frame)
        except FrameError as exc:
            self.push(error_frame(exc.code, exc.detail, **_echo(frame), **exc.extra))
            if self.limits.flooding:
                raise Closed("flood") from exc
        except Invalid as exc:
            self.push(error_frame("invalid", exc.detail, field=exc.field, **_echo(frame)))
        except (NotFound, Conflict) as exc:
            self.push(error_frame("refused", exc.detail, **_echo(frame)))
        except Exception:
            # A fault of ours: this frame fails, the connection and other chats go on.
            log.exception("chat frame %r failed", frame.get("type"))
            self.push(error_frame("internal", "something went wrong on our side", **_echo(frame)))

    async def hello(self, frame: dict[str, Any]) -> None:
        if self.visit is not None:
            raise FrameError("invalid_frame", "hello was already said")
        token = text_field(frame, "token", required=False, limit=400)
        claim = read_visitor_token(self.fd.secret_key, token) if token else None
        if claim is None or claim.inbox_id != self.inbox_id:
            claim = VisitorClaim(self.inbox_id, new_visitor_key())
        locale = text_field(frame, "locale", required=False, limit=16)[:2].lower() or None
        page = frame.get("page")
        page = page if isinstance(page, dict) else {}
        visit = await asyncio.to_thread(
            visitors.find_visit, self.fd, self.inbox_id, claim.key, locale
        )
        self.visit = visitors.on_page(visit, _str(page, "url"), _str(page, "referrer"))
        after = int_field(frame, "last_seen", 0)
        welcome, self.chat = await asyncio.to_thread(visitors.welcome, self.fd, self.visit, after)
        welcome["token"] = visitor_token(self.fd.secret_key, claim)
        for message in welcome["messages"]:
            self.sent_ids.add(message["id"])
        self.push(welcome)
        if self.hub is not None:
            self.hub.watch_visitor(self, claim.key)
        self._watch()
        await self._rules()

    async def message(self, frame: dict[str, Any]) -> None:
        assert self.visit is not None
        cid = client_id(frame)
        text = text_field(frame, "text", required=False, limit=MAX_TEXT)
        uploads = frame.get("attachments") or []
        if not isinstance(uploads, list) or len(uploads) > MAX_ATTACHMENTS:
            raise FrameError("invalid_frame", f"attachments: a list of at most {MAX_ATTACHMENTS}")
        claims = []
        for token in uploads:
            claim = read_upload_token(self.fd.secret_key, token) if isinstance(token, str) else None
            if claim is None or claim.key != self.visit.key:
                raise FrameError(
                    "invalid_frame", "attachments: unknown upload", field="attachments"
                )
            claims.append(claim)
        # The chat as this connection knew it before writing (the hub may learn of a new
        # chat while the message is being stored).
        before = self.chat
        # Messages of many visitors stored at once share a transaction (group_commit.py).
        posted = await self.fd.writes.run(
            partial(visitors.post_message, self.fd, self.visit, cid, text, claims)
        )
        self.visit, self.chat = posted.visit, posted.chat
        self._watch()
        self.push(posted.ack)
        self.push(posted.message)
        if before is None or (before.chat_id, before.state) != (
            posted.chat.chat_id,
            posted.chat.state,
        ):
            self.push(posted.chat_frame)  # a chat started (or came back): say which
        if posted.chat.state == "bot" and not posted.ack["duplicate"]:
            try:
                await self._bot(bot_turns.after_visitor_message, self.visit, text)
            except Exception:
                # The message is stored and acknowledged; a bot that fails must not
                # leave the visitor alone with it.
                log.exception("the chat bot failed; handing over")
                await self._bot(bot_turns.ask_for_person, self.visit, "bot_failed")

    async def person(self, frame: dict[str, Any]) -> None:
        """The "talk to a person" button under every bot message."""
        assert self.visit is not None
        await self._bot(bot_turns.ask_for_person, self.visit)

    async def feedback(self, frame: dict[str, Any]) -> None:
        assert self.visit is not None
        message_id = int_field(frame, "message_id")
        helpful = frame.get("helpful")
        if not isinstance(helpful, bool):
            raise FrameError("invalid_frame", "helpful: must be true or false", field="helpful")
        await self._bot(bot_turns.feedback, self.visit, message_id, helpful)

    async def typing(self, frame: dict[str, Any]) -> None:
        if self.chat is None:
            return
        active = bool(frame.get("active", True))
        await self._publish("chat.typing", by="visitor", active=active)

    async def read(self, frame: dict[str, Any]) -> None:
        assert self.visit is not None
        message_id = int_field(frame, "message_id")
        await asyncio.to_thread(visitors.mark_read, self.fd, self.visit, message_id)

    async def prechat(self, frame: dict[str, Any]) -> None:
        assert self.visit is not None
        name = text_field(frame, "name", required=False, limit=200)
        email = text_field(frame, "email", required=False, limit=320).strip() or None
        self.visit = await asyncio.to_thread(visitors.introduce, self.fd, self.visit, name, email)
        self.push({"type": "visitor", "name": name.strip(), "email": email})

    async def transcript(self, frame: dict[str, Any]) -> None:
        assert self.visit is not None
        email = text_field(frame, "email", required=False, limit=320).strip() or None
        to = await asyncio.to_thread(transcript.request_transcript, self.fd, self.visit, email)
        self.push({"type": "transcript", "email": to})

    async def page(self, frame: dict[str, Any]) -> None:
        assert self.visit is not None
        self.visit = visitors.on_page(self.visit, _str(frame, "url"), _str(frame, "referrer"))
        await self._rules()

    async def invite(self, frame: dict[str, Any]) -> None:
        assert self.visit is not None
        rule = text_field(frame, "rule", required=True, limit=100)
        shown = await asyncio.to_thread(invitations.invite, self.fd, self.visit, rule)
        if shown is not None:
            self.push(shown)

    async def end(self, frame: dict[str, Any]) -> None:
        assert self.visit is not None
        await asyncio.to_thread(visitors.end_chat, self.fd, self.visit)

    async def ping(self, frame: dict[str, Any]) -> None:
        self.push({"type": "pong"})

    # --- helpers -----------------------------------------------------------------------

    async def _address_limit(self) -> None:
        if self.ip_limits is None:
            return
        wait = await self.ip_limits.message(self.address)
        if wait:
            self.limits.refused_in_a_row += 1
            raise FrameError(
                "rate_limited",
                "too many messages from your network address; slow down",
                retry_after=wait,
                scope="address",
            )

    async def _bot(self, turn: Callable[..., list[dict[str, Any]]], *args: Any) -> None:
        frames = await asyncio.to_thread(turn, self.fd, *args)
        for frame in frames:
            if frame["type"] == "chat" and self.chat is not None:
                self.chat = replace(self.chat, state=frame["state"])
            self.push(frame)

    def _watch(self) -> None:
        if self.hub is not None and self.chat is not None:
            self.hub.watch(self, self.chat.ticket_id)

    async def _rules(self) -> None:
        assert self.visit is not None
        rules = await asyncio.to_thread(invitations.rules_for_visit, self.fd, self.visit)
        for rule in rules:
            self.push(rule)

    async def _publish(self, type: str, **data: Any) -> None:
        chat = self.chat
        assert chat is not None
        event = Event(
            type,
            {
                "ticket_id": chat.ticket_id,
                "team_id": chat.team_id,
                "assignee_id": chat.assignee_id,
                "chat_id": chat.chat_id,
                **data,
            },
        )
        await asyncio.to_thread(self.fd.bus.publish, event)

    def close(self) -> None:
        self.closed = True
        if self.hub is not None:
            self.hub.forget(self)
        with contextlib.suppress(asyncio.QueueFull):
            self.outbox.put_nowait({"type": "_closed"})


Handler = Callable[[VisitorConnection, dict[str, Any]], Any]
HANDLERS: dict[str, Handler] = {
    "hello": VisitorConnection.hello,
    "message": VisitorConnection.message,
    "typing": VisitorConnection.typing,
    "read": VisitorConnection.read,
    "prechat": VisitorConnection.prechat,
    "transcript": VisitorConnection.transcript,
    "page": VisitorConnection.page,
    "invite": VisitorConnection.invite,
    "end": VisitorConnection.end,
    "ping": VisitorConnection.ping,
    "person": VisitorConnection.person,
    "feedback": VisitorConnection.feedback,
}


def _echo(frame: dict[str, Any]) -> dict[str, Any]:
    """The ids that tell the widget which of its frames an error answers."""
    cid = frame.get("client_id")
    return {"client_id": cid} if isinstance(cid, str) and len(cid) <= 64 else {}


def _str(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None
