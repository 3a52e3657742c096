"""A small customer email, as the SMTP and webhook tests send it."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP


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
