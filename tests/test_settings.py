"""Settings come from FRONTDESK_* variables; a wrong value stops the start with its name."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from frontdesk.config import ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets counts: no FRONTDESK_* from outside, a fresh working directory."""
    for name in list(os.environ):
        if name.upper().startswith("FRONTDESK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_without_settings_the_database_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == Path("frontdesk-data")
    assert settings.database_url is None
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'frontdesk-data'}/frontdesk.db"
    assert settings.is_sqlite
    assert settings.redis_url is None
    assert settings.embedded_workers == 1
    assert settings.auto_migrate is True
    assert not settings.secure_cookies


def test_settings_are_read_from_frontdesk_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("FRONTDESK_MAX_REQUEST_BYTES", "2048")
    monkeypatch.setenv("FRONTDESK_JOB_POLL_SECONDS", "0.2")
    monkeypatch.setenv("FRONTDESK_AUTO_MIGRATE", "false")
    monkeypatch.setenv("FRONTDESK_REDIS_URL", "redis://cache:6379/2")
    monkeypatch.setenv("FRONTDESK_BASE_URL", "https://help.example.com")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.resolved_database_url.endswith("/elsewhere/frontdesk.db")
    assert settings.max_request_bytes == 2048
    assert settings.job_poll_seconds == 0.2
    assert settings.auto_migrate is False
    assert settings.redis_url == "redis://cache:6379/2"
    assert settings.secure_cookies


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://fd:pw@db:5432/fd", "postgresql+psycopg://fd:pw@db:5432/fd"),
        ("postgresql://fd@db/fd", "postgresql+psycopg://fd@db/fd"),
        ("postgresql+psycopg://fd@db/fd", "postgresql+psycopg://fd@db/fd"),
        ("sqlite:////var/lib/frontdesk/fd.db", "sqlite:////var/lib/frontdesk/fd.db"),
    ],
)
def test_database_urls_are_normalised_to_the_psycopg_driver(
    monkeypatch: pytest.MonkeyPatch, given: str, used: str
) -> None:
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", given)
    settings = load_settings()
    assert settings.resolved_database_url == used
    assert settings.is_sqlite == used.startswith("sqlite")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FRONTDESK_DATABASE_URL", "mysql://fd@db/fd"),
        ("FRONTDESK_REDIS_URL", "http://cache:6379"),
        ("FRONTDESK_MAX_REQUEST_BYTES", "abc"),
        ("FRONTDESK_MAX_REQUEST_BYTES", "10"),
        ("FRONTDESK_EMBEDDED_WORKERS", "-1"),
        ("FRONTDESK_JOB_POLL_SECONDS", "0"),
        ("FRONTDESK_JOB_LEASE_SECONDS", "-5"),
        ("FRONTDESK_SECRET_KEY", "too-short"),
        ("FRONTDESK_BASE_URL", "not a url"),
        ("FRONTDESK_AUTO_MIGRATE", "perhaps"),
    ],
)
def test_a_wrong_value_raises_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith("Invalid settings:")
    assert variable in message


def test_every_wrong_value_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", "oracle://x")
    monkeypatch.setenv("FRONTDESK_DB_POOL_SIZE", "0")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert "FRONTDESK_DATABASE_URL" in str(raised.value)
    assert "FRONTDESK_DB_POOL_SIZE" in str(raised.value)


def test_overrides_are_checked_and_named_like_variables() -> None:
    with pytest.raises(ConfigError, match="FRONTDESK_EMBEDDED_WORKERS"):
        load_settings(embedded_workers=1000)


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = Settings(data_dir=data_dir).resolved_secret_key()
    key_file = data_dir / "secret_key"
    assert len(key) >= 32
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Later starts, and other processes on the same data directory, use the same key.
    assert Settings(data_dir=data_dir).resolved_secret_key() == key
    assert Settings(data_dir=data_dir).resolved_secret_key() == key
    assert Settings(data_dir=tmp_path / "other").resolved_secret_key() != key


def test_a_configured_secret_key_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", secret_key="k" * 40)
    assert settings.resolved_secret_key() == "k" * 40
    assert not (tmp_path / "data" / "secret_key").exists()
