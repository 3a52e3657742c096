"""What a chat inbox needs: where the widget may run, how it looks, what it asks first,
when it invites, and which email inbox answers visitors who left."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LANGUAGES = ("en", "hy", "ta", "lv", "el", "sl")
_ORIGIN = re.compile(r"^https?://[^/\s]+$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class PrechatForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    ask_name: bool = True
    require_email: bool = False


class InvitationRule(BaseModel):
    """Invite a visitor who has spent `seconds_on_page` on a page whose path starts with
    `path_prefix`."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    path_prefix: str = Field(default="/", max_length=500)
    seconds_on_page: int = Field(default=30, ge=0, le=3600)
    # language → text; the widget picks the visitor's language, else English, else any.
    message: dict[str, str] = Field(min_length=1)


class ChatInboxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Pages allowed to embed the widget, as origins ("https://shop.example.com"); "*" is
    # any page. Empty: only pages served by Frontdesk itself.
    allowed_origins: list[str] = Field(default_factory=list)
    color: str = "#1f6feb"
    position: Literal["right", "left"] = "right"
    greeting: dict[str, str] = Field(default_factory=dict)  # language → text
    prechat: PrechatForm = Field(default_factory=PrechatForm)
    # The email inbox whose SMTP server sends transcripts and answers to offline messages.
    email_inbox_id: int | None = None
    invitations: list[InvitationRule] = Field(default_factory=list, max_length=20)
    # A visitor sees at most this many invitations a day, and never a second one while
    # an earlier one is unanswered.
    invitations_per_day: int = Field(default=1, ge=0, le=10)
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    # A bot answers a new chat from the knowledge base's public articles before any agent
    # is asked; it hands over after one unhelpful answer or any request for a person.
    bot_answers_first: bool = False

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        cleaned = []
        for value in values:
            value = value.strip().rstrip("/").lower()
            if value != "*" and not _ORIGIN.match(value):
                raise ValueError(f"{value!r} is not an origin like https://shop.example.com")
            cleaned.append(value)
        return cleaned

    @field_validator("color")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _COLOUR.match(value):
            raise ValueError("must be a colour like #1f6feb")
        return value.lower()

    @field_validator("greeting")
    @classmethod
    def _languages(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; use {', '.join(LANGUAGES)}")
        return value

    def allows(self, origin: str | None, own_host: str) -> bool:
        """Whether a page of `origin` may use this inbox's widget."""
        if origin is None:
            return True  # not a browser: a test client, a server, a native app
        origin = origin.rstrip("/").lower()
        if origin.split("://", 1)[-1] == own_host.lower():
            return True
        return "*" in self.allowed_origins or origin in self.allowed_origins

    def public(self) -> dict[str, object]:
        """What the widget needs to draw itself; no secrets, no addresses."""
        return {
            "color": self.color,
            "position": self.position,
            "greeting": self.greeting,
            "prechat": self.prechat.model_dump(),
            "transcripts": self.email_inbox_id is not None,
            "max_upload_bytes": self.max_upload_bytes,
            "bot": self.bot_answers_first,
        }
