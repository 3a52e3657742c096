"""The web form channel: the portal's "submit a request" form.

A submission enters through the one inbound pipeline, `receive()`, like every channel's
message; the sender is identified by the email address they typed. Replies are not pushed
anywhere by this channel: the customer reads them in the portal (signing in by a link sent
to that address).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from frontdesk.channels.base import (
    DeliveryFailed,
    DeliveryReceipt,
    InboundAttachment,
    InboundMessage,
    OutboundMessage,
    Sender,
)
from frontdesk.config import Settings
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.errors import Invalid
from frontdesk.domain.identities import normalize_identity
from frontdesk.domain.inbound import Received, receive
from frontdesk.domain.inboxes import create_inbox
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import Inbox

DEFAULT_NAME = "Web form"


class WebFormConfig(BaseModel):
    """Nothing to configure yet: the form lives in the portal of this server."""

    model_config = ConfigDict(extra="forbid")


class WebFormChannel:
    kind: ClassVar[str] = "webform"
    config_model: ClassVar[type[BaseModel]] = WebFormConfig

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def delivers(cls, config: BaseModel) -> bool:
        return False  # the customer reads replies in the portal

    def send(self, config: BaseModel, message: OutboundMessage) -> DeliveryReceipt:
        raise DeliveryFailed("the web form channel does not send replies", permanent=True)


@dataclass(frozen=True)
class Submission:
    name: str
    email: str
    subject: str
    message: str
    attachments: tuple[InboundAttachment, ...] = ()
    language: str | None = None


def webform_inbox(tx: Tx) -> Inbox:
    """The web form's inbox, created on the first submission of a new installation."""
    inbox = tx.session.scalar(
        select(Inbox)
        .where(Inbox.kind == "webform", Inbox.is_active.is_(True))
        .order_by(Inbox.id)
        .limit(1)
    )
    return inbox or create_inbox(
        tx, SYSTEM, name=DEFAULT_NAME, kind="webform", config={}, team_id=None
    )


def submit(tx: Tx, form: Submission) -> Received:
    """Store a request from the web form as a customer message on a new ticket."""
    name = check_text(form.name, "name", max_length=200).strip()
    subject = check_text(form.subject, "subject", max_length=500).strip()
    text = check_text(form.message, "message", max_length=100_000).strip()
    if not subject:
        raise Invalid("subject", "must not be empty")
    if not text:
        raise Invalid("message", "must not be empty")
    _, email = normalize_identity("email", form.email)
    inbox = webform_inbox(tx)
    return receive(
        tx,
        InboundMessage(
            inbox_id=inbox.id,
            sender=Sender(kind="email", address=email, name=name),
            channel="webform",
            subject=subject,
            text=text,
            attachments=form.attachments,
            language=form.language,
        ),
    )


class RateLimit:
    """Counts submissions per client address in memory (per process): enough to stop one
    script flooding the form; a shared limit across processes belongs in the proxy."""

    def __init__(self, max_per_window: int = 5, window_seconds: float = 600) -> None:
        self.max_per_window = max_per_window
        self.window_seconds = window_seconds
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] > self.window_seconds:
                hits.popleft()
            if len(hits) >= self.max_per_window:
                return False
            hits.append(now)
            if len(self._hits) > 100_000:
                self._hits.clear()
            return True
