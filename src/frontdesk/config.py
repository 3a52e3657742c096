"""Typed settings read from FRONTDESK_* environment variables.

Wrong values stop the process at start with a message naming the variable, rather than
failing later in a request.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """Raised with a readable explanation when settings are invalid."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTDESK_", extra="ignore")

    data_dir: Path = Path("frontdesk-data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite in the data directory when unset"
    )
    redis_url: str | None = None
    secret_key: str | None = Field(
        default=None, min_length=32, description="Signs sessions; generated and kept in data_dir"
    )
    base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    max_request_bytes: Annotated[int, Field(gt=1024)] = 32 * 1024 * 1024
    embedded_workers: Annotated[int, Field(ge=0, le=32)] = 1
    job_poll_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    job_lease_seconds: Annotated[float, Field(gt=0)] = 300.0
    webhook_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 15.0
    auto_migrate: bool = True
    db_pool_size: Annotated[int, Field(ge=1, le=200)] = 10
    smtp_listen: str | None = Field(
        default=None,
        description="host:port for the SMTP listener of the email inboxes (unset: none)",
    )
    smtp_listen_lmtp: bool = Field(default=False, description="Speak LMTP there, not SMTP")
    languages: str = Field(
        default="en,hy,ta,lv,el,sl",
        description="Languages this desk serves (ISO 639-1, comma-separated): the help "
        "center's languages and the only ones language detection considers",
    )
    search_index_seconds: Annotated[float, Field(gt=0, le=3600)] = Field(
        default=1.0, description="How often the search indexer looks for changes"
    )

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: str) -> str:
        from frontdesk.language import parse_languages

        codes = parse_languages(value)
        if not codes:
            raise ValueError("name at least one language, e.g. en,el")
        return ",".join(codes)

    # Chats an agent takes at once, unless set for that agent (most handle 2-3).
    chat_capacity: Annotated[int, Field(ge=1, le=50)] = 3
    # Per visitor address (one office behind one NAT shares it): open chat connections,
    # and chat messages a minute. Counted per process, or across processes with Redis.
    chat_connections_per_ip: Annotated[int, Field(ge=1, le=100_000)] = 50
    chat_messages_per_ip_minute: Annotated[int, Field(ge=1, le=1_000_000)] = 120

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        scheme = value.split("://", 1)[0]
        if scheme not in ("sqlite", "postgresql", "postgresql+psycopg"):
            raise ValueError("must start with sqlite:// or postgresql://")
        if scheme == "postgresql":
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("smtp_listen")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if not value:
            return None
        _, sep, port = value.strip().rpartition(":")
        if not sep or not port.isdigit() or int(port) > 65535:
            raise ValueError("must be host:port, e.g. 127.0.0.1:2525")
        return value.strip()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'frontdesk.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.scheme == "https"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            # Created readable by the owner only, and by one process only: a second
            # process starting at the same moment reads the first one's key.
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            for _ in range(50):
                existing = key_file.read_text().strip()
                if existing:
                    return existing
                time.sleep(0.01)  # the other process is still writing it
            raise ConfigError(
                f"{key_file} is empty; delete it or set FRONTDESK_SECRET_KEY"
            ) from None
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, turning validation errors into one clear message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "FRONTDESK_" + "_".join(str(p) for p in error["loc"]).upper()
            lines.append(f"  {name}: {error['msg']}")
        raise ConfigError("Invalid settings:\n" + "\n".join(lines)) from None
