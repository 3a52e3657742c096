"""The visitor's frames: limits, parsing, and the rate limits that keep one visitor from
hurting the others. Every refusal is an error frame with a code a widget can act on."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

MAX_FRAME_BYTES = 16 * 1024
MAX_TEXT = 5000
MAX_CLIENT_ID = 64
MAX_ATTACHMENTS = 5
CLIENT_TYPES = frozenset(
    {
        "hello",
        "message",
        "typing",
        "read",
        "prechat",
        "transcript",
        "page",
        "invite",
        "end",
        "ping",
        "person",
        "feedback",
    }
)


class FrameError(Exception):
    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.extra = extra


def parse(raw: str | bytes) -> dict[str, Any]:
    if isinstance(raw, bytes):
        raise FrameError("binary_frame", "frames are JSON text")
    if len(raw) > MAX_FRAME_BYTES or len(raw.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise FrameError("frame_too_large", f"frames are at most {MAX_FRAME_BYTES} bytes")
    try:
        frame = json.loads(raw)
    except ValueError:
        raise FrameError("invalid_json", "the frame is not valid JSON") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise FrameError("invalid_frame", "a frame is a JSON object with a string 'type'")
    if frame["type"] not in CLIENT_TYPES:
        raise FrameError("unknown_type", f"unknown frame type {frame['type'][:40]!r}")
    return frame


def text_field(frame: dict[str, Any], name: str, *, required: bool, limit: int) -> str:
    value = frame.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise FrameError("invalid_frame", f"{name}: must be a string", field=name)
    if len(value) > limit:
        raise FrameError("invalid_frame", f"{name}: at most {limit} characters", field=name)
    return value


def int_field(frame: dict[str, Any], name: str, default: int | None = None) -> int:
    value = frame.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError("invalid_frame", f"{name}: must be a whole number ≥ 0", field=name)
    return value


def client_id(frame: dict[str, Any]) -> str:
    value = frame.get("client_id")
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_CLIENT_ID
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in value)
    ):
        raise FrameError(
            "invalid_frame",
            f"client_id: 1-{MAX_CLIENT_ID} characters of letters, digits, - and _",
            field="client_id",
        )
    return value


@dataclass
class Bucket:
    """A token bucket: `burst` frames at once, then `rate` a second."""

    rate: float
    burst: float
    tokens: float = -1.0
    at: float = field(default_factory=time.monotonic)

    def take(self) -> float:
        """0 when allowed; otherwise the seconds to wait."""
        now = time.monotonic()
        if self.tokens < 0:
            self.tokens = self.burst
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class Limits:
    """Per connection: messages, typing, and everything together. A visitor who keeps
    going after being told to wait is disconnected."""

    messages: Bucket = field(default_factory=lambda: Bucket(rate=1.0, burst=10))
    typing: Bucket = field(default_factory=lambda: Bucket(rate=2.0, burst=5))
    frames: Bucket = field(default_factory=lambda: Bucket(rate=10.0, burst=40))
    refused_in_a_row: int = 0
    FLOOD: int = 100

    def check(self, kind: str) -> None:
        wait = self.frames.take()
        if not wait and kind == "message":
            wait = self.messages.take()
        elif not wait and kind == "typing":
            wait = self.typing.take()
        if wait:
            self.refused_in_a_row += 1
            raise FrameError(
                "rate_limited", "too many frames; slow down", retry_after=round(wait, 2)
            )
        self.refused_in_a_row = 0

    @property
    def flooding(self) -> bool:
        return self.refused_in_a_row >= self.FLOOD
