"""The API channel: messages come in through the REST API; agents' replies go out as a
signed POST to the inbox's webhook URL, retried until the receiver acknowledges with 2xx."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
import time
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from frontdesk.channels.base import DeliveryFailed, DeliveryReceipt, OutboundMessage
from frontdesk.config import Settings

SIGNATURE_HEADER = "X-Frontdesk-Signature"


@functools.cache
def _client() -> httpx.Client:
    # One client for the process: building one costs milliseconds of CPU (TLS context),
    # and its connection pool is reused across deliveries. httpx clients are thread-safe.
    return httpx.Client(follow_redirects=False)


class ApiInboxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webhook_url: HttpUrl | None = None
    webhook_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`; the timestamp lets
    receivers refuse replayed deliveries."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does with our signature (also used by our own tests)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def payload_for(message: OutboundMessage) -> dict[str, Any]:
    return {
        "event": "message.created",
        "delivery_id": str(message.message_id),
        "ticket": {
            "id": message.ticket_id,
            "subject": message.ticket_subject,
            "status": message.ticket_status,
            "thread_key": message.thread_key,
        },
        "contact": {
            "id": message.contact_id,
            "name": message.contact_name,
            "identities": [{"kind": k, "address": a} for k, a in message.recipients],
        },
        "message": {
            "id": message.message_id,
            "text": message.text,
            "html": message.html,
            "author": {"name": message.author_name},
            "in_reply_to": message.in_reply_to,
            "created_at": message.created_at.isoformat(),
            "attachments": [
                {
                    "id": a.id,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                }
                for a in message.attachments
            ],
        },
    }


class ApiChannel:
    kind: ClassVar[str] = "api"
    config_model: ClassVar[type[BaseModel]] = ApiInboxConfig

    def __init__(self, settings: Settings) -> None:
        self.timeout = settings.webhook_timeout_seconds

    @classmethod
    def delivers(cls, config: BaseModel) -> bool:
        assert isinstance(config, ApiInboxConfig)
        return config.webhook_url is not None

    def send(self, config: BaseModel, message: OutboundMessage) -> DeliveryReceipt:
        assert isinstance(config, ApiInboxConfig)
        assert config.webhook_url is not None
        body = json.dumps(payload_for(message), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Frontdesk-Webhook/1",
            # Receivers deduplicate on this: a delivery may arrive more than once.
            "X-Frontdesk-Delivery": str(message.message_id),
            SIGNATURE_HEADER: sign(config.webhook_secret, int(time.time()), body),
        }
        try:
            response = _client().post(
                str(config.webhook_url), content=body, headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"webhook unreachable: {exc!r}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"webhook answered {response.status_code}")
        return DeliveryReceipt(external_id=response.headers.get("X-External-Id"))
