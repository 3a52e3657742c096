"""A small customer email, as the SMTP and webhook tests send it, and an inbox for it."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.runtime import Frontdesk


def customer_mail(
    sender: str = "Անի <ani@example.org>",
    to: str = "support@example.com",
    subject: str = "Ուշացած պատվեր",
    body: str = "Պատվերս դեռ չի հասել։",
    message_id: str = "<order-1@example.org>",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes(policy=SMTP)  # CRLF line ends, as on the wire


def email_inbox(fd: Frontdesk, address: str, **config: Any) -> int:
    with fd.transaction() as tx:
        inbox = create_inbox(
            tx,
            SYSTEM,
            name=address,
            kind="email",
            config={"address": address, **config},
            team_id=None,
        )
        return inbox.id
