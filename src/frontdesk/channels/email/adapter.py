"""The email channel's adapter: sends agents' replies and automatic notices over SMTP."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import ClassVar

import aiosmtplib
from pydantic import BaseModel

from frontdesk.channels.base import DeliveryFailed, DeliveryReceipt, OutboundMessage
from frontdesk.channels.email.compose import compose_reply, our_message_id
from frontdesk.channels.email.config import EmailInboxConfig, SmtpServer
from frontdesk.config import Settings

SMTP_TIMEOUT_SECONDS = 60


class EmailChannel:
    kind: ClassVar[str] = "email"
    config_model: ClassVar[type[BaseModel]] = EmailInboxConfig

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def delivers(cls, config: BaseModel) -> bool:
        assert isinstance(config, EmailInboxConfig)
        return config.smtp is not None

    def send(self, config: BaseModel, message: OutboundMessage) -> DeliveryReceipt:
        assert isinstance(config, EmailInboxConfig)
        assert config.smtp is not None
        try:
            email = compose_reply(config, message)
        except ValueError as exc:
            raise DeliveryFailed(str(exc), permanent=True) from exc
        send_smtp(config.smtp, email)
        return DeliveryReceipt(
            external_id=our_message_id(message.message_id, message.ticket_token, config)
        )


def send_smtp(server: SmtpServer, message: EmailMessage) -> None:
    """Send one message; a 5xx answer is permanent, anything else is worth a retry."""
    try:
        asyncio.run(
            aiosmtplib.send(
                message,
                hostname=server.host,
                port=server.port,
                username=server.username or None,
                password=server.password or None,
                use_tls=server.security == "tls",
                start_tls=server.security == "starttls",
                timeout=SMTP_TIMEOUT_SECONDS,
            )
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        raise DeliveryFailed(
            f"recipients refused: {exc}", permanent=all(c >= 500 for c in codes)
        ) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500) from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP server unreachable: {exc!r}") from exc
