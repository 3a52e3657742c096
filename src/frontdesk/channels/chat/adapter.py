"""The chat channel's adapter. A visitor who is there gets an agent's reply live, from the
event bus (see hub.py), the moment it is committed; this `send()`, run by the delivery
job, only matters for a visitor who is not: a message left while nobody was online, or a
chat that has ended. Those replies go by email through the inbox's email inbox."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from frontdesk.channels.base import DeliveryFailed, DeliveryReceipt, OutboundMessage
from frontdesk.channels.chat.config import ChatInboxConfig
from frontdesk.config import Settings
from frontdesk.db.engine import make_engine
from frontdesk.models import ChatSession, ChatVisitor, Inbox


class ChatChannel:
    kind: ClassVar[str] = "chat"
    config_model: ClassVar[type[BaseModel]] = ChatInboxConfig

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def delivers(cls, config: BaseModel) -> bool:
        return True

    def send(self, config: BaseModel, message: OutboundMessage) -> DeliveryReceipt:
        assert isinstance(config, ChatInboxConfig)
        # The adapter interface hands us settings, not a session: a short-lived engine,
        # closed after this one read so that no connection outlives the delivery.
        engine = make_engine(self.settings.resolved_database_url, pool_size=1)
        try:
            chat, visitor, email_inbox = _recipient(engine, config, message.ticket_id)
        finally:
            engine.dispose()
        if chat is not None and chat.state in ("bot", "waiting", "active"):
            return DeliveryReceipt()  # live: the visitor has it already
        address = visitor.email if visitor else None
        if address is None:
            address = next((a for k, a in message.recipients if k == "email"), None)
        if address is None or email_inbox is None or email_inbox.kind != "email":
            # Nowhere to send it: the visitor reads it when they come back to the widget.
            return DeliveryReceipt()
        from frontdesk.channels.email.adapter import EmailChannel

        email = EmailChannel(self.settings)
        email_config = email.config_model.model_validate(email_inbox.config)
        if not EmailChannel.delivers(email_config):
            raise DeliveryFailed(f"email inbox {email_inbox.id} has no SMTP server", permanent=True)
        return email.send(
            email_config,
            replace(message, recipients=(("email", address),), inbox_id=email_inbox.id),
        )


def _recipient(
    engine: Engine, config: ChatInboxConfig, ticket_id: int
) -> tuple[ChatSession | None, ChatVisitor | None, Inbox | None]:
    with Session(engine, expire_on_commit=False) as session:
        chat = session.scalar(
            select(ChatSession)
            .where(ChatSession.ticket_id == ticket_id)
            .order_by(ChatSession.id.desc())
            .limit(1)
        )
        visitor = session.get(ChatVisitor, chat.visitor_id) if chat else None
        email_inbox = session.get(Inbox, config.email_inbox_id) if config.email_inbox_id else None
        return chat, visitor, email_inbox
