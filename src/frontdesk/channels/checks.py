""" "Test connection": try an inbox's saved settings against the real servers, one step at
a time, and say which step failed and why.

Every step has a short timeout and every network or protocol error becomes a failed step
with a sentence for the admin: a wrong host, port or password never turns into an error
page. Nothing is sent to a customer and nothing is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
from dataclasses import dataclass

import aiosmtplib
import httpx
from pydantic import BaseModel

from frontdesk.channels.api import SIGNATURE_HEADER, ApiInboxConfig, sign
from frontdesk.channels.email.config import EmailInboxConfig, ImapServer, SmtpServer
from frontdesk.channels.email.imap import ImapUnavailable, connect

TIMEOUT_SECONDS = 10.0
# Kinds whose settings name a server we can try.
CHECKABLE = ("email", "api")


@dataclass(frozen=True)
class Step:
    name: str  # imap.connect, imap.login, imap.folder, smtp.connect, …, webhook.ping
    ok: bool
    detail: str


def check_inbox(
    kind: str, inbox_id: int, config: BaseModel, *, timeout: float = TIMEOUT_SECONDS
) -> list[Step]:
    if kind == "email":
        assert isinstance(config, EmailInboxConfig)
        steps: list[Step] = []
        if config.imap is not None:
            steps += check_imap(config.imap, timeout=timeout)
        if config.smtp is not None:
            steps += check_smtp(config.smtp, timeout=timeout)
        return steps
    if kind == "api":
        assert isinstance(config, ApiInboxConfig)
        return check_webhook(config, inbox_id, timeout=timeout)
    return []


def check_imap(server: ImapServer, *, timeout: float = TIMEOUT_SECONDS) -> list[Step]:
    where = f"{server.host}:{server.port}"
    try:
        mailbox = connect(server, timeout=timeout)
    except ImapUnavailable as exc:
        stages = ("connect", "login", "folder")
        failed = stages.index(exc.stage) if exc.stage in stages else 0
        done = [Step(f"imap.{s}", True, _imap_ok(s, where, server)) for s in stages[:failed]]
        return [*done, Step(f"imap.{stages[failed]}", False, str(exc))]
    with contextlib.suppress(Exception):
        mailbox.client.logout()
    return [
        Step(f"imap.{s}", True, _imap_ok(s, where, server)) for s in ("connect", "login", "folder")
    ]


def _imap_ok(stage: str, where: str, server: ImapServer) -> str:
    if stage == "connect":
        return f"connected to {where} ({server.security})"
    if stage == "login":
        return f"logged in as {server.username}" if server.username else "logged in"
    return f"opened the folder {server.folder!r}"


def check_smtp(server: SmtpServer, *, timeout: float = TIMEOUT_SECONDS) -> list[Step]:
    return asyncio.run(_smtp_steps(server, timeout))


async def _smtp_steps(server: SmtpServer, timeout: float) -> list[Step]:
    where = f"{server.host}:{server.port}"
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=server.security == "tls",
        start_tls=False,  # done below as its own step, when the settings ask for it
        timeout=timeout,
        tls_context=ssl.create_default_context(),
    )
    steps: list[Step] = []
    step = "smtp.connect"
    try:
        greeting = await client.connect()
        steps.append(Step(step, True, f"connected to {where} ({server.security}): {greeting.code}"))
        step = "smtp.ehlo"
        hello = await client.ehlo()
        steps.append(Step(step, True, f"EHLO answered {hello.code}"))
        if server.security == "starttls":
            step = "smtp.starttls"
            await client.starttls()
            steps.append(Step(step, True, "the connection is encrypted (STARTTLS)"))
        if server.username:
            step = "smtp.auth"
            answer = await client.login(server.username, server.password)
            steps.append(Step(step, True, f"logged in as {server.username}: {answer.code}"))
    except aiosmtplib.SMTPResponseException as exc:
        steps.append(Step(step, False, f"{where} answered {exc.code}: {exc.message}"))
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
        steps.append(Step(step, False, f"{where}: {_reason(exc)}"))
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
    return steps


def check_webhook(
    config: ApiInboxConfig, inbox_id: int, *, timeout: float = TIMEOUT_SECONDS
) -> list[Step]:
    """POST a signed `ping` event, signed like every delivery, and report the answer."""
    if config.webhook_url is None:
        return [Step("webhook.ping", False, "no webhook URL is set")]
    body = json.dumps({"event": "ping", "inbox_id": inbox_id}).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Frontdesk-Webhook/1",
        SIGNATURE_HEADER: sign(config.webhook_secret, int(time.time()), body),
    }
    url = str(config.webhook_url)
    try:
        with httpx.Client(follow_redirects=False, timeout=timeout) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return [Step("webhook.ping", False, f"{url}: {_reason(exc)}")]
    return [
        Step(
            "webhook.ping",
            response.is_success,
            f"{url} answered {response.status_code} {response.reason_phrase}".strip(),
        )
    ]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException | aiosmtplib.SMTPTimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {exc.reason or exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
