"""What an email inbox needs: its address, how mail comes in and how it goes out."""

from __future__ import annotations

import secrets
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Security = Literal["tls", "starttls", "none"]
# "password": LOGIN/PLAIN with username and password; "oauth2": XOAUTH2 with an access
# token obtained from the inbox's OAuth2 credentials (Gmail, Microsoft 365).
Auth = Literal["password", "oauth2"]
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class OAuth2Credentials(BaseModel):
    """What an OAuth2 provider handed out when an admin consented to Frontdesk reading and
    sending this mailbox's mail: Frontdesk turns the refresh token into access tokens
    (RFC 6749 §6). client_secret and refresh_token are never shown in full again."""

    model_config = ConfigDict(extra="forbid")

    token_url: str = Field(min_length=8, max_length=2000, description="The token endpoint")
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: str = Field(default="", max_length=2000)
    refresh_token: str = Field(min_length=1, max_length=4000)
    scopes: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("token_url")
    @classmethod
    def _an_https_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if not parts.hostname or parts.scheme not in {"https", "http"}:
            raise ValueError("must be an https:// URL")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            # The client secret and refresh token travel in the request.
            raise ValueError("must be https:// (http:// only on this machine)")
        return value.strip()

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        if any(not s or any(c.isspace() for c in s) for s in value):
            raise ValueError("scopes are single words without spaces")
        return value


class MailServer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=255)
    port: int = Field(ge=1, le=65535)
    # "tls": encrypted from the first byte (IMAPS 993, SMTPS 465); "starttls": upgraded
    # after connecting (587, 143); "none" only for a server on the same machine.
    security: Security = "starttls"
    username: str = ""
    password: str = ""
    auth: Auth = "password"


class ImapServer(MailServer):
    port: int = Field(default=993, ge=1, le=65535)
    security: Security = "tls"
    # A fixed OAuth2 access token for XOAUTH2. It expires within the hour; auth "oauth2"
    # with the inbox's oauth2 credentials keeps one fresh instead.
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
    # Used by the servers whose auth is "oauth2".
    oauth2: OAuth2Credentials | None = None
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

    @model_validator(mode="after")
    def _oauth2_when_asked_for(self) -> EmailInboxConfig:
        for name, server in (("imap", self.imap), ("smtp", self.smtp)):
            if server is not None and server.auth == "oauth2" and self.oauth2 is None:
                raise ValueError(f"{name}.auth is 'oauth2' but the inbox has no oauth2 credentials")
        return self

    def login_name(self, server: MailServer) -> str:
        """Who logs in: the server's username, else (usual with XOAUTH2) the address."""
        return server.username or self.address

    def reply_address(self, token: str) -> str:
        local, _, domain = self.address.rpartition("@")
        return f"{local}+{token}@{domain}" if self.reply_tokens else self.address
