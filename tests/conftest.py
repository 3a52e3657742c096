"""One shared world for every test: real SQLite and real PostgreSQL, real Redis where asked.

Each database test runs once per backend. PostgreSQL is skipped when unreachable, unless
FRONTDESK_REQUIRE_POSTGRES=1 (CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from frontdesk.app import create_app
from frontdesk.clock import FrozenClock
from frontdesk.config import Settings
from frontdesk.db.base import Base
from frontdesk.db.engine import migrate
from frontdesk.domain import agents
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.contacts import IdentityRef, create_contact
from frontdesk.domain.portal import issue_signin_token
from frontdesk.jobs.worker import Worker
from frontdesk.runtime import Frontdesk

PG_ADMIN_URL = os.environ.get(
    "FRONTDESK_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# One database per test run, so that runs side by side do not clobber each other.
PG_TEST_DB = f"frontdesk_test_{os.getpid()}"
REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS", "redis://127.0.0.1:6379/15")
REQUIRE = os.environ.get("FRONTDESK_REQUIRE_POSTGRES") == "1"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "test-secret-key-" + "x" * 32


def pg_url(database: str = PG_TEST_DB) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def require_or_skip(what: str) -> None:
    if REQUIRE:
        pytest.fail(f"{what} is required (FRONTDESK_REQUIRE_POSTGRES=1) but not reachable")
    pytest.skip(f"{what} not reachable")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file copied for each test: migrating once keeps the suite fast."""
    path = tmp_path_factory.mktemp("template") / "frontdesk.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    if not _postgres_reachable():
        require_or_skip("PostgreSQL")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)'))
        conn.execute(text(f"CREATE DATABASE \"{PG_TEST_DB}\" ENCODING 'UTF8' TEMPLATE template0"))
    migrate(pg_url())
    yield pg_url()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "frontdesk.db"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_database")
    _truncate_postgres(url)
    return url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=SECRET,
        embedded_workers=0,
        auto_migrate=False,
        job_lease_seconds=60,
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def fd(settings: Settings, clock: FrozenClock) -> Iterator[Frontdesk]:
    runtime = Frontdesk(settings, clock=clock)
    yield runtime
    runtime.close()


def count(fd: Frontdesk, model: Any) -> int:
    """How many rows of `model` the database holds now."""
    with fd.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@contextmanager
def table_gone(fd: Frontdesk, table: str) -> Iterator[None]:
    """The database fails every statement on `table` until the block ends."""
    with fd.write_engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {table} RENAME TO {table}_away"))
    try:
        yield
    finally:
        with fd.write_engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table}_away RENAME TO {table}"))


@pytest.fixture
def worker(fd: Frontdesk) -> Worker:
    return Worker(fd, name="test-worker")


class ApiClient(TestClient):
    """A TestClient that sends the CSRF header its session needs."""

    csrf: str | None = None

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.csrf:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRF-Token", self.csrf)
            kwargs["headers"] = headers
        return super().request(method, url, **kwargs)


@dataclass
class Member:
    """Someone in the test world, with an API client signed in as them."""

    name: str
    id: int
    client: ApiClient
    kind: str  # admin, agent, other_agent, light_agent, customer, other_customer, anonymous
    token: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class World:
    fd: Frontdesk
    team_a: int
    team_b: int
    admin: Member
    agent: Member
    other_agent: Member
    light_agent: Member
    customer: Member
    other_customer: Member
    anonymous: Member

    @property
    def members(self) -> list[Member]:
        return [
            self.admin,
            self.agent,
            self.other_agent,
            self.light_agent,
            self.customer,
            self.other_customer,
            self.anonymous,
        ]


@pytest.fixture
def app(fd: Frontdesk) -> Any:
    return create_app(fd=fd)


def _client(app: Any, token: str | None = None) -> ApiClient:
    client = ApiClient(app, raise_server_exceptions=False)
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
def world(fd: Frontdesk, app: Any) -> Iterator[World]:
    """An admin, an agent of team A, an agent of team B, a light agent of team A, two
    customers, and someone not signed in."""
    with fd.transaction() as tx:
        team_a = agents.create_team(tx, SYSTEM, "Team A", []).id
        team_b = agents.create_team(tx, SYSTEM, "Team B", []).id
        people = {}
        for kind, role, teams in (
            ("admin", "admin", []),
            ("agent", "agent", [team_a]),
            ("other_agent", "agent", [team_b]),
            ("light_agent", "light_agent", [team_a]),
        ):
            agent = agents.create_agent(
                tx,
                SYSTEM,
                email=f"{kind}@example.com",
                name=kind.title(),
                role=role,
                team_ids=teams,
            )
            _, token = agents.create_token(tx, SYSTEM, agent.id, "tests")
            people[kind] = (agent.id, token)
        customers = {}
        for kind, email in (("customer", "ani@example.org"), ("other_customer", "bob@example.net")):
            contact = create_contact(
                tx, SYSTEM, {"name": kind.title()}, [IdentityRef("email", email)]
            )
            customers[kind] = contact.id

    members: dict[str, Member] = {}
    for kind, (agent_id, token) in people.items():
        members[kind] = Member(kind, agent_id, _client(app, token), kind, token)
    for kind, contact_id in customers.items():
        client = _client(app)
        signin = issue_signin_token(fd.secret_key, contact_id, fd.clock.now())
        response = client.post("/api/v1/portal/session", json={"token": signin})
        assert response.status_code == 200, response.text
        client.csrf = response.json()["csrf_token"]
        members[kind] = Member(kind, contact_id, client, kind)
    members["anonymous"] = Member("anonymous", 0, _client(app), "anonymous")
    yield World(fd=fd, team_a=team_a, team_b=team_b, **members)
    for member in members.values():
        member.client.close()
