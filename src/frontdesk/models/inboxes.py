"""An inbox is one connected channel instance: a mailbox, a chat widget, an API endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base


class Inbox(Base):
    __tablename__ = "inboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # Validated against the channel adapter's config model on every write.
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class InboxOAuthGrant(Base):
    """Where an inbox's OAuth2 grant stands (XOAUTH2 for IMAP and SMTP): the access token
    every process shares until it nearly expires, the refresh token the provider rotated
    to, the refresh under way, and a grant the provider refused (an admin must authorise
    the mailbox again)."""

    __tablename__ = "inbox_oauth_grants"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    # SHA-256 of the configured token endpoint, client id and refresh token: a row made
    # for other credentials (an admin authorised again) is started afresh.
    credentials_hash: Mapped[str] = mapped_column(String(64))
    refresh_token: Mapped[str | None] = mapped_column(Text)  # rotated; None: the config's
    access_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    # One process refreshes at a time: it holds this lease while it asks the provider.
    refreshing_until: Mapped[datetime | None]
    refused_at: Mapped[datetime | None]
    refused_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
