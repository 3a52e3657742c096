"""Real chat clients for tests: a visitor on the widget's WebSocket and an agent on the
event stream, each reading frames with a deadline rather than sleeping."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from websockets.sync.client import ClientConnection, connect

from frontdesk.domain import agents
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.runtime import Frontdesk
from tests.servers import PATIENCE_SECONDS

_ids = itertools.count(1)


def chat_inbox(fd: Frontdesk, team_id: int | None = None, **config: Any) -> int:
    with fd.transaction() as tx:
        return create_inbox(
            tx, SYSTEM, name="Website chat", kind="chat", config=config, team_id=team_id
        ).id


def set_online(fd: Frontdesk, agent_id: int, online: bool = True) -> None:
    with fd.transaction() as tx:
        agents.update_agent(
            tx, SYSTEM, agent_id, {"availability": "online" if online else "offline"}
        )


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://")


class Visitor:
    """A widget, without the browser: frames in, frames out."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.seen: list[dict[str, Any]] = []

    def send(self, frame: dict[str, Any] | str) -> None:
        self.socket.send(frame if isinstance(frame, str) else json.dumps(frame))

    def next(self) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(self.socket.recv(timeout=PATIENCE_SECONDS))
        self.seen.append(frame)
        return frame

    def until(self, match: Callable[[dict[str, Any]], bool] | str) -> dict[str, Any]:
        """The next frame that matches (a type, or a predicate); others are kept in `seen`."""
        test = (lambda f: f["type"] == match) if isinstance(match, str) else match
        while True:
            frame = self.next()
            if test(frame):
                return frame

    def hello(self, token: str | None = None, last_seen: int = 0, **more: Any) -> dict[str, Any]:
        self.send({"type": "hello", "token": token, "last_seen": last_seen, **more})
        return self.until("welcome")

    def write(self, text: str, client_id: str | None = None, **more: Any) -> dict[str, Any]:
        cid = client_id or f"c{next(_ids)}"
        self.send({"type": "message", "client_id": cid, "text": text, **more})
        return self.until(lambda f: f["type"] in ("ack", "error") and f.get("client_id") == cid)


@contextmanager
def visitor(base: str, inbox_id: int, origin: str | None = None) -> Iterator[Visitor]:
    headers = {"Origin": origin} if origin else None
    with connect(
        f"{ws_url(base)}/chat/{inbox_id}/socket",
        origin=origin,  # type: ignore[arg-type]
        additional_headers=headers if origin is None else None,
        open_timeout=PATIENCE_SECONDS,
        max_size=None,
    ) as socket:
        yield Visitor(socket)


class AgentEvents:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    def until(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            event: dict[str, Any] = json.loads(self.socket.recv(timeout=PATIENCE_SECONDS))
            if match(event):
                return event


@contextmanager
def agent_events(base: str, token: str) -> Iterator[AgentEvents]:
    with connect(
        f"{ws_url(base)}/api/v1/events",
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=PATIENCE_SECONDS,
    ) as socket:
        assert json.loads(socket.recv(timeout=PATIENCE_SECONDS)) == {"type": "ready"}
        yield AgentEvents(socket)
