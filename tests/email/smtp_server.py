"""A real SMTP server on loopback (aiosmtpd) that records what Frontdesk sends.

with smtp_server(refuse={"gone@example.org"}) as smtp:
    ... configure an inbox with {"host": "127.0.0.1", "port": smtp.port, "security": "none"}
    smtp.messages  # every accepted envelope, parsed
"""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port


@dataclass
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpServer:
    host: str
    port: int
    refuse: set[str] = field(default_factory=set)  # answered 550 at RCPT
    envelopes: list[Envelope] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [e.message for e in self.envelopes]

    def config(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "security": "none"}


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.server.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.server.lock:
            self.server.envelopes.append(
                Envelope(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(refuse: set[str] | None = None, port: int | None = None) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 and a free port (or the one given), for the block."""
    recorder = SmtpServer("127.0.0.1", port or free_port(), {a.lower() for a in refuse or ()})
    controller = Controller(_Handler(recorder), hostname=recorder.host, port=recorder.port)
    controller.start()
    try:
        yield recorder
    finally:
        controller.stop()
