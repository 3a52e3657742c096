"""The web form channel: the portal's "submit a request" form.

A submission enters through the one inbound pipeline, `receive()`, like every channel's
message; the sender is identified by the email address they typed.

The form has no mailbox of its own, so an agent's public reply is relayed by email: the
delivery job (domain/delivery.py) hands it to an email inbox that can send (the one the
config names, else the first active one), with a link to the request in the portal. The
mail carries that ticket's reply token and Message-ID, so the customer's answer threads
back onto the same ticket (channels/email/threading.py accepts a token of a web form
ticket in any email inbox). See docs/channels/webform.md.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, replace
from html import escape
from typing import ClassVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.channels.base import (
    DeliveryFailed,
    DeliveryReceipt,
    InboundAttachment,
    InboundMessage,
    OutboundMessage,
    Sender,
    adapter_class,
    validate_config,
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
    """The form lives in the portal of this server; replies go out by email."""

    model_config = ConfigDict(extra="forbid")

    # Off: replies are only read in the portal.
    reply_by_email: bool = True
    # The email inbox that sends the replies; unset: the first active one that can send.
    mail_inbox_id: int | None = None


class WebFormChannel:
    kind: ClassVar[str] = "webform"
    config_model: ClassVar[type[BaseModel]] = WebFormConfig

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def delivers(cls, config: BaseModel) -> bool:
        assert isinstance(config, WebFormConfig)
        return config.reply_by_email

    def send(self, config: BaseModel, message: OutboundMessage) -> DeliveryReceipt:
        # The delivery job relays web form replies through an email inbox (relay_by_email).
        raise DeliveryFailed("web form replies are relayed by email", permanent=True)


def relay_by_email(
    session: Session,
    config: BaseModel,
    message: OutboundMessage,
    *,
    portal_url: str,
    desk_name: str,
) -> tuple[str, BaseModel, OutboundMessage]:
    """The channel kind, config and message that carry a web form reply by email: the
    reply with a link to the request in the portal appended."""
    assert isinstance(config, WebFormConfig)
    query = select(Inbox).where(Inbox.kind == "email", Inbox.is_active.is_(True))
    if config.mail_inbox_id is not None:
        query = query.where(Inbox.id == config.mail_inbox_id)
    for inbox in session.scalars(query.order_by(Inbox.id)):
        mail_config = validate_config("email", inbox.config)
        if adapter_class("email").delivers(mail_config):
            break
    else:
        raise DeliveryFailed(
            "no active email inbox can send mail: the customer reads this reply in the portal",
            permanent=True,
        )
    link = f"{portal_url.rstrip('/')}/portal/tickets/{message.ticket_id}"
    footer = f"{desk_name}: read and answer request #{message.ticket_id} at {link}"
    html = message.html
    if html is not None:
        html += f'<p>{escape(desk_name)}: <a href="{escape(link)}">#{message.ticket_id}</a></p>'
    return (
        "email",
        mail_config,
        replace(message, text=f"{message.text}\n\n-- \n{footer}\n", html=html),
    )


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
