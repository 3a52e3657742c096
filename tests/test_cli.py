"""The `frontdesk` command, run as an installed console script in a real process."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, inspect, select, text

from frontdesk import __version__
from frontdesk.app import create_app
from frontdesk.channels.api import SIGNATURE_HEADER, verify
from frontdesk.config import Settings
from frontdesk.db.base import Base
from frontdesk.models import Contact, Message, Ticket
from frontdesk.runtime import Frontdesk
from frontdesk.search.schema import is_unmanaged
from tests.servers import FRONTDESK, env_for, frontdesk_env, run, serving, wait_until
from tests.webhook_receiver import webhook_receiver

PASSWORD = "correct horse battery"


@pytest.fixture
def fresh(tmp_path: Path) -> dict[str, str]:
    """The environment of a new installation: nothing but an empty data directory."""
    return frontdesk_env(data_dir=tmp_path / "data")


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'frontdesk.db'}"


def test_the_console_script_is_installed_and_prints_its_version(tmp_path: Path) -> None:
    assert FRONTDESK.exists()
    done = run("--version", env=frontdesk_env(), cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"frontdesk {__version__}"


def test_migrate_creates_the_schema_in_a_new_data_directory(
    tmp_path: Path, fresh: dict[str, str]
) -> None:
    done = run("migrate", env=fresh, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "database is up to date" in done.stdout
    engine = create_engine(sqlite_url(tmp_path))
    try:
        names = set(inspect(engine).get_table_names())
        # The search index's FTS5 tables are not models (frontdesk.search.schema).
        models = {n for n in names if not is_unmanaged(n, "table", None)}
        assert models == set(Base.metadata.tables) | {"alembic_version"}
    finally:
        engine.dispose()


# On SQLite the same runs in the end-to-end test below, against a served app.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_createadmin_and_token_create_give_an_admin_token_that_works_against_the_app(
    settings: Settings, tmp_path: Path
) -> None:
    env = env_for(settings)
    created = run(
        "createadmin", "--email", "Nare@Example.am", "--password", PASSWORD, env=env, cwd=tmp_path
    )
    assert created.returncode == 0, created.stderr
    assert "admin Nare@Example.am is ready" in created.stdout

    issued = run("token", "create", "--agent", "nare@example.am", env=env, cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert re.fullmatch(r"fd_\S{30,}", token), issued.stdout

    fd = Frontdesk(settings)
    try:
        with TestClient(create_app(fd=fd)) as client:
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
            assert (me.json()["type"], me.json()["role"]) == ("agent", "admin")
            admins_only = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
            assert admins_only.status_code == 200
            wrong = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}x"})
            assert wrong.status_code == 401
            signed_in = client.post(
                "/api/v1/auth/login", json={"email": "nare@example.am", "password": PASSWORD}
            )
            assert signed_in.status_code == 200, signed_in.text
    finally:
        fd.close()


def test_a_short_password_is_refused_with_a_clear_message(
    tmp_path: Path, fresh: dict[str, str]
) -> None:
    done = run(
        "createadmin", "--email", "a@example.com", "--password", "short", env=fresh, cwd=tmp_path
    )
    assert done.returncode == 1
    assert "error: password: must be at least 10 characters" in done.stderr
    assert "Traceback" not in done.stderr
    engine = create_engine(sqlite_url(tmp_path))
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM agents")) == 0
    finally:
        engine.dispose()


def test_a_token_for_an_unknown_agent_is_refused(tmp_path: Path, fresh: dict[str, str]) -> None:
    done = run("token", "create", "--agent", "nobody@example.com", env=fresh, cwd=tmp_path)
    assert done.returncode == 1
    assert "error: no agent with email nobody@example.com" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("command", "variable", "value"),
    [
        ("serve", "FRONTDESK_DATABASE_URL", "mysql://x"),
        ("serve", "FRONTDESK_MAX_REQUEST_BYTES", "abc"),
        ("worker", "FRONTDESK_JOB_LEASE_SECONDS", "soon"),
    ],
)
def test_an_invalid_setting_stops_the_start_with_exit_2_naming_the_variable(
    tmp_path: Path, fresh: dict[str, str], command: str, variable: str, value: str
) -> None:
    done = run(command, env={**fresh, variable: value}, cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "Invalid settings" in done.stderr
    assert variable in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "frontdesk.db").exists()  # it stopped before touching data


def scripts_in(texts: list[str]) -> set[str]:
    """The writing systems of the letters in `texts` (ARMENIAN, TAMIL, GREEK, LATIN, …)."""
    return {unicodedata.name(ch, "?").split()[0] for t in texts for ch in t if ch.isalpha()}


def test_demo_loads_a_world_in_six_languages_once(tmp_path: Path, fresh: dict[str, str]) -> None:
    done = run("demo", "--no-serve", env=fresh, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "demo data loaded" in done.stdout
    assert "admin@example.com" in done.stdout

    engine = create_engine(sqlite_url(tmp_path))

    def counts() -> list[int | None]:
        with engine.connect() as conn:
            return [
                conn.scalar(select(func.count()).select_from(model))
                for model in (Ticket, Contact, Message)
            ]

    try:
        with engine.connect() as conn:
            languages = set(conn.scalars(select(Contact.language)))
            subjects = list(conn.scalars(select(Ticket.subject)))
            names = list(conn.scalars(select(Contact.name)))
            messages = list(conn.scalars(select(Message.text)))
            hy_ticket = conn.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.language == "hy")
            )
        assert {"en", "hy", "ta", "lv", "el", "sl"} <= languages
        assert {"ARMENIAN", "TAMIL", "GREEK", "LATIN"} <= scripts_in(messages)
        assert {"ARMENIAN", "TAMIL", "GREEK"} <= scripts_in(subjects)
        assert {"ARMENIAN", "TAMIL", "GREEK"} <= scripts_in(names)
        assert hy_ticket
        before = counts()
        assert all(before)

        again = run("demo", "--no-serve", env=fresh, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert "tickets exist already; demo data not loaded" in again.stdout
        assert counts() == before
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM agents")) == conn.scalar(
                text("SELECT count(DISTINCT email) FROM agents")
            )
    finally:
        engine.dispose()


@pytest.mark.slow
def test_serve_delivers_a_reply_to_a_signed_webhook_with_its_own_worker(
    tmp_path: Path, fresh: dict[str, str]
) -> None:
    """A new installation end to end: an admin and a token from the CLI, then `frontdesk
    serve` alone (no separate worker) takes a ticket and delivers the reply."""
    admin = ("createadmin", "--email", "admin@example.com", "--password", PASSWORD)
    assert run(*admin, env=fresh, cwd=tmp_path).returncode == 0
    issued = run("token", "create", "--agent", "admin@example.com", env=fresh, cwd=tmp_path)
    token = issued.stdout.strip()
    assert (tmp_path / "data" / "secret_key").exists()  # generated on first use, then kept

    with (
        webhook_receiver() as hook,
        serving(fresh, tmp_path) as server,
        server.client(token) as api,
    ):
        assert api.get("/healthz").status_code == 200
        inbox = api.post(
            "/api/v1/inboxes",
            json={"name": "Shop app", "kind": "api", "config": {"webhook_url": hook.url}},
        )
        assert inbox.status_code == 201, inbox.text
        secret = inbox.json()["config"]["webhook_secret"]
        ticket = api.post(
            "/api/v1/tickets",
            json={
                "subject": "Παραγγελία",
                "message": "Η παραγγελία μου δεν έφτασε",
                "contact": {"name": "Ελένη", "email": "eleni@example.gr"},
                "inbox_id": inbox.json()["id"],
            },
        )
        assert ticket.status_code == 201, ticket.text
        ticket_id = ticket.json()["id"]
        reply = api.post(f"/api/v1/tickets/{ticket_id}/reply", json={"text": "Θα φτάσει αύριο 📦"})
        assert reply.status_code == 201, reply.text
        assert reply.json()["delivery_status"] == "pending"

        [delivery] = wait_until(lambda: hook.deliveries, "the reply to reach the webhook")
        assert verify(secret, delivery.headers[SIGNATURE_HEADER], delivery.body)
        assert delivery.json["message"]["text"] == "Θα φτάσει αύριο 📦"
        assert delivery.json["ticket"]["id"] == ticket_id
        assert delivery.headers["X-Frontdesk-Delivery"] == str(reply.json()["id"])

        def sent() -> bool:
            messages = api.get(f"/api/v1/tickets/{ticket_id}/messages").json()
            return bool(messages[-1]["delivery_status"] == "sent")

        wait_until(sent, "the reply to be marked sent")
        assert api.get("/api/v1/jobs/counts").json()["done"] == 1

        health = api.get("/healthz")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        metrics = api.get("/metrics")
        assert metrics.status_code == 200
        assert 'frontdesk_tickets_created_total{channel="api"} 1.0' in metrics.text
        # The serve process itself ran the delivery job.
        assert 'frontdesk_jobs_total{kind="deliver_message",outcome="done"} 1.0' in metrics.text
