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
from frontdesk.channels.email.oauth2 import (
    GrantStore,
    NeedsReauthorization,
    TokenSource,
    TokenUnavailable,
    uses_oauth2,
)
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
        if uses_oauth2(config, config.smtp) and message.inbox_id is None:
            raise DeliveryFailed("sending with OAuth2 needs the inbox", permanent=True)
        send_smtp(
            config.smtp,
            email,
            login_name=config.login_name(config.smtp),
            token=smtp_token(self.settings, message.inbox_id, config),
        )
        return DeliveryReceipt(
            external_id=our_message_id(message.message_id, message.ticket_token, config)
        )


def send_smtp(
    server: SmtpServer,
    message: EmailMessage,
    *,
    login_name: str = "",
    token: TokenSource | None = None,
) -> None:
    """Send one message; a 5xx answer is permanent, anything else is worth a retry.
    With `token` (auth "oauth2") the login is XOAUTH2 as `login_name`, and an access token
    the server rejects is refreshed once and the send tried again."""
    try:
        if token is None:
            asyncio.run(_send(server, message, None, None))
            return
        access = token(None)
        try:
            asyncio.run(_send(server, message, login_name or server.username, access))
        except aiosmtplib.SMTPAuthenticationError:
            asyncio.run(_send(server, message, login_name or server.username, token(access)))
    except NeedsReauthorization as exc:
        # Retried with the usual backoff: once an admin authorises again, it goes out.
        raise DeliveryFailed(f"the inbox needs OAuth2 re-authorisation by an admin: {exc}") from exc
    except TokenUnavailable as exc:
        raise DeliveryFailed(f"no OAuth2 access token: {exc}") from exc
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        raise DeliveryFailed(
            f"recipients refused: {exc}", permanent=all(c >= 500 for c in codes)
        ) from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"SMTP {exc.code}: {exc.message}", permanent=exc.code >= 500) from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP server unreachable: {exc!r}") from exc


async def _send(
    server: SmtpServer, message: EmailMessage, xoauth2_user: str | None, access_token: str | None
) -> None:
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=server.security == "tls",
        start_tls=server.security == "starttls",
        timeout=SMTP_TIMEOUT_SECONDS,
    )
    async with client:
        if access_token is not None:
            # XOAUTH2 (RFC-less, as Google and Microsoft define it): user, then bearer token.
            await client.auth_xoauth2(xoauth2_user or "", access_token)
        elif server.username:
            await client.login(server.username, server.password)
        await client.send_message(message)


def smtp_token(
    settings: Settings, inbox_id: int | None, config: EmailInboxConfig
) -> TokenSource | None:
    """Where the SMTP login of an inbox with auth "oauth2" gets its access token."""
    if not uses_oauth2(config, config.smtp) or inbox_id is None:
        return None
    assert config.oauth2 is not None
    return GrantStore.for_settings(settings).token_source(inbox_id, config.oauth2)
