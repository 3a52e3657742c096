"""What an email inbox needs: its address, how mail comes in and how it goes out."""

from __future__ import annotations

import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Security = Literal["tls", "starttls", "none"]


class MailServer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=255)
    port: int = Field(ge=1, le=65535)
    # "tls": encrypted from the first byte (IMAPS 993, SMTPS 465); "starttls": upgraded
    # after connecting (587, 143); "none" only for a server on the same machine.
    security: Security = "starttls"
    username: str = ""
    password: str = ""


class ImapServer(MailServer):
    port: int = Field(default=993, ge=1, le=65535)
    security: Security = "tls"
    # An OAuth2 access token for XOAUTH2 (Gmail, Microsoft 365) instead of a password.
    oauth2_token: str = ""
    folder: str = "INBOX"
    # Where stored messages go; unset: they stay and get the $FrontdeskStored keyword.
    processed_folder: str | None = None
    poll_seconds: float = Field(default=30.0, ge=1.0, le=3600.0)


class SmtpServer(MailServer):
    port: int = Field(default=587, ge=1, le=65535)


class EmailInboxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3, max_length=320, description="The support address")
    from_name: str = Field(default="", max_length=200)
    imap: ImapServer | None = None
    smtp: SmtpServer | None = None
    # Replies carry Reply-To: local+<ticket token>@domain, so threading survives mail
    # clients that drop In-Reply-To. Turn off where the provider has no plus addressing.
    reply_tokens: bool = True
    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024, le=200 * 1024 * 1024)
    # Same contact, open ticket, same subject within this many days → same ticket.
    subject_window_days: int = Field(default=7, ge=0, le=90)
    # Authenticates the inbound webhook (raw RFC 5322, Mailgun, Postmark) for this inbox.
    inbound_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)

    @field_validator("address")
    @classmethod
    def _an_address(cls, value: str) -> str:
        value = value.strip().lower()
        local, at, domain = value.rpartition("@")
        if not at or not local or "." not in domain or any(c.isspace() for c in value):
            raise ValueError("is not an email address")
        return value

    def reply_address(self, token: str) -> str:
        local, _, domain = self.address.rpartition("@")
        return f"{local}+{token}@{domain}" if self.reply_tokens else self.address
