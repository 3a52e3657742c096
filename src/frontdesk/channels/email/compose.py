"""Build the email for an agent's reply: text with an HTML alternative, attachments, and
the headers that make the customer's answer thread back onto the ticket."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from frontdesk.channels.base import OutboundMessage
from frontdesk.channels.email.config import EmailInboxConfig

_NUMBER = re.compile(r"\[#\d+\]")


def our_message_id(message_id: int, ticket_token: str, config: EmailInboxConfig) -> str:
    """`fd.<message>.<ticket token>@<our domain>` (without <>): the token in it threads a
    reply even when the reply address was lost."""
    return f"fd.{message_id}.{ticket_token}@{config.address.rpartition('@')[2]}"


def reply_subject(subject: str, ticket_id: int) -> str:
    subject = " ".join(subject.split())
    if not _NUMBER.search(subject):
        subject = f"{subject} [#{ticket_id}]"
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return subject


def compose_reply(config: EmailInboxConfig, outbound: OutboundMessage) -> EmailMessage:
    to = [address for kind, address in outbound.recipients if kind == "email"]
    if not to:
        raise ValueError("the customer has no email address that accepts mail")
    message = EmailMessage(policy=SMTP)
    # "Mariam (Aurora Support)": the customer sees who answered, and for whom.
    names = [n for n in (outbound.author_name, config.from_name) if n]
    display = f"{names[0]} ({names[1]})" if len(names) == 2 else "".join(names)
    message["From"] = _address(display, config.address)
    message["To"] = _address(outbound.contact_name, to[0])
    cc = [address for kind, address in outbound.cc if kind == "email"]
    if cc:
        message["Cc"] = ", ".join(cc)
    if outbound.ticket_token:
        message["Reply-To"] = config.reply_address(outbound.ticket_token)
    message["Subject"] = reply_subject(outbound.ticket_subject, outbound.ticket_id)
    message["Date"] = format_datetime(outbound.created_at)
    message["Message-ID"] = (
        f"<{our_message_id(outbound.message_id, outbound.ticket_token, config)}>"
    )
    if outbound.in_reply_to:
        message["In-Reply-To"] = f"<{outbound.in_reply_to}>"
    if outbound.references:
        message["References"] = " ".join(f"<{ref}>" for ref in outbound.references)
    message["X-Frontdesk-Ticket"] = str(outbound.ticket_id)
    message.set_content(outbound.text or " ")
    if outbound.html:
        message.add_alternative(outbound.html, subtype="html")
    for attachment in outbound.attachments:
        assert outbound.read_attachment is not None
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            outbound.read_attachment(attachment.sha256),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def compose_notice(
    config: EmailInboxConfig, to: str, subject: str, text: str, in_reply_to: str | None
) -> EmailMessage:
    """An automatic mail (a refusal, an acknowledgement): marked so that other robots do
    not answer it (RFC 3834)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(config.from_name, config.address)
    message["To"] = to
    message["Subject"] = subject
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message["Precedence"] = "auto_reply"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
        message["References"] = f"<{in_reply_to}>"
    message.set_content(text)
    return message


def _address(name: str, address: str) -> str:
    local, _, domain = address.rpartition("@")
    return str(Address(display_name=name, username=local, domain=domain))
