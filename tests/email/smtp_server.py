"""A real SMTP server on loopback (aiosmtpd) that records what Frontdesk sends.

with smtp_server(refuse={"gone@example.org"}) as smtp:
    ... configure an inbox with {"host": "127.0.0.1", "port": smtp.port, "security": "none"}
    smtp.messages  # every accepted envelope, parsed
"""

from __future__ import annotations

import base64
import email
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

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
    # XOAUTH2 logins: (user, access token) → whether the token is good for that user.
    xoauth2: Callable[[str, str], bool] | None = None
    logins: list[tuple[str, str, bool]] = field(default_factory=list)  # user, token, accepted

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [e.message for e in self.envelopes]

    def config(self) -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "security": "none"}


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        """XOAUTH2 as Gmail answers it: a refusal is a 334 carrying a JSON error, which
        the client acknowledges with an empty line before the final 535."""
        check = self.server.xoauth2
        if check is None or len(args) < 2:
            return AuthResult(success=False, handled=False)
        fields = dict(
            part.split("=", 1)
            for part in base64.b64decode(args[1]).decode().split("\x01")
            if "=" in part
        )
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        accepted = check(user, token)
        with self.server.lock:
            self.server.logins.append((user, token, accepted))
        if accepted:
            return AuthResult(success=True, auth_data=user)
        error = {"status": "401", "schemes": "Bearer", "scope": "https://mail.example.test/"}
        await server.challenge_auth(json.dumps(error).encode(), encode_to_b64=True)
        return AuthResult(success=False, handled=False)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if self.server.xoauth2 is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

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
def smtp_server(
    refuse: set[str] | None = None,
    port: int | None = None,
    xoauth2: Callable[[str, str], bool] | None = None,
) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 and a free port (or the one given), for the block.
    With `xoauth2` it takes mail only after an XOAUTH2 login that function accepts."""
    recorder = SmtpServer("127.0.0.1", port or free_port(), {a.lower() for a in refuse or ()})
    recorder.xoauth2 = xoauth2
    auth: dict[str, Any] = {"auth_require_tls": False} if xoauth2 is not None else {}
    controller = Controller(_Handler(recorder), hostname=recorder.host, port=recorder.port, **auth)
    controller.start()
    try:
        yield recorder
    finally:
        controller.stop()
