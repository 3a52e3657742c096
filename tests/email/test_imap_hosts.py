"""Two hosts sharing one PostgreSQL database: each IMAP inbox is polled by one of them at a
time (an advisory lock per inbox), and the other takes over when that one stops or dies.

PostgreSQL only: a SQLite database lives on one host, where the services' file lock
already makes one process poll (channels/services.py, poller_locks.py)."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from frontdesk.channels.email.imap import start_pollers
from frontdesk.channels.email.poller_locks import NAMESPACE
from frontdesk.config import Settings
from frontdesk.models import Message
from frontdesk.runtime import Frontdesk
from tests.conftest import _truncate_postgres, count
from tests.email.dovecot import Account, Dovecot
from tests.email.test_imap import account, deliver, email_inbox, imap_server, mail  # noqa: F401
from tests.servers import frontdesk_env, started, wait_until


@pytest.fixture
def database_url(postgres_database: str) -> str:
    _truncate_postgres(postgres_database)
    return postgres_database


@pytest.fixture
def other_host(settings: Settings, tmp_path: Path) -> Iterator[Frontdesk]:
    """A second Frontdesk on the same database with a data directory of its own, as on
    another machine: it does not share the services' file lock."""
    runtime = Frontdesk(settings.model_copy(update={"data_dir": tmp_path / "other-host"}))
    yield runtime
    runtime.close()


def lock_holders(settings: Settings, inbox: int) -> list[int]:
    """The database sessions holding the inbox's polling lock."""
    engine = create_engine(settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            return list(
                conn.scalars(
                    text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND classid = :namespace AND objid = :inbox"
                    ),
                    {"namespace": NAMESPACE, "inbox": inbox},
                )
            )
    finally:
        engine.dispose()


def poller_logins(server: Dovecot, mailbox: Account, other_logins: int) -> int:
    """Logins to the mailbox but the test's own (each deliver() logs in once)."""
    return server.log.count(f"Login: user=<{mailbox.username}>") - other_logins


def test_two_hosts_never_poll_one_mailbox_at_once_and_the_other_takes_over(
    fd: Frontdesk,
    other_host: Frontdesk,
    settings: Settings,
    imap_server: Dovecot,  # noqa: F811
    account: Account,  # noqa: F811
) -> None:
    inbox = email_inbox(fd, account.imap_config(poll_seconds=1))
    stop_first = start_pollers(fd, standby_seconds=0.1)
    assert stop_first is not None
    stop_second = None
    try:
        holder = wait_until(lambda: lock_holders(settings, inbox), "the first host to hold it")
        stop_second = start_pollers(other_host, standby_seconds=0.1)
        assert stop_second is not None
        deliver(
            account, *(mail(f"Order {n}", "Late.", message_id=f"<h{n}@x.org>") for n in range(5))
        )
        wait_until(lambda: count(fd, Message) == 5, "the mail to be stored")

        assert lock_holders(settings, inbox) == holder
        assert poller_logins(imap_server, account, other_logins=1) == 1, "one host polled"

        stop_first()  # the first host shuts down: the second takes the inbox over
        stop_first = None
        wait_until(
            lambda: lock_holders(settings, inbox) not in ([], holder),
            "the second host to take over",
        )
        deliver(account, mail("Another", "Still late.", message_id="<h5@x.org>"))
        wait_until(lambda: count(fd, Message) == 6, "the second host to store new mail")
        assert poller_logins(imap_server, account, other_logins=2) == 2
        assert len(lock_holders(settings, inbox)) == 1
    finally:
        for stop in (stop_first, stop_second):
            if stop is not None:
                stop()
    assert lock_holders(settings, inbox) == [], "stopping gives the lock back"


def test_when_the_polling_host_is_killed_another_host_takes_over(
    fd: Frontdesk,
    settings: Settings,
    imap_server: Dovecot,  # noqa: F811
    account: Account,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Two real `frontdesk worker` processes, each with its own data directory (two
    hosts): SIGKILL the one polling, and the other polls the mailbox within seconds."""
    inbox = email_inbox(fd, account.imap_config(poll_seconds=1))

    def host(name: str) -> dict[str, str]:
        return frontdesk_env(
            database_url=settings.resolved_database_url,
            data_dir=tmp_path / name,
            secret_key=settings.secret_key,
        )

    with started(["worker", "--threads", "1"], host("a"), tmp_path) as first:
        holder = wait_until(lambda: lock_holders(settings, inbox), "the first host to hold it")
        with started(["worker", "--threads", "1"], host("b"), tmp_path) as second:
            deliver(account, mail("First", "One.", message_id="<k1@x.org>"))
            wait_until(lambda: count(fd, Message) == 1, "the first host to store mail")
            assert lock_holders(settings, inbox) == holder
            assert poller_logins(imap_server, account, other_logins=1) == 1

            first.signal(signal.SIGKILL)
            first.wait()
            wait_until(
                lambda: lock_holders(settings, inbox) not in ([], holder),
                "the second host to take the inbox over",
            )
            deliver(account, mail("Second", "Two.", message_id="<k2@x.org>"))
            try:
                wait_until(lambda: count(fd, Message) == 2, "the second host to store mail")
            except AssertionError:
                raise AssertionError(second.output) from None
            assert poller_logins(imap_server, account, other_logins=2) == 2


def test_a_poller_whose_lock_connection_breaks_stops_and_polls_again_once_it_holds_it(
    fd: Frontdesk,
    settings: Settings,
    imap_server: Dovecot,  # noqa: F811
    account: Account,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox = email_inbox(fd, account.imap_config(poll_seconds=1))
    caplog.set_level(logging.INFO, "frontdesk.channels.email")
    stop = start_pollers(fd, standby_seconds=0.1)
    assert stop is not None
    try:
        [holder] = wait_until(lambda: lock_holders(settings, inbox), "the poller to hold it")
        engine = create_engine(settings.resolved_database_url)
        with engine.connect() as conn:  # as a database restart or a network cut would
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
        engine.dispose()

        wait_until(
            lambda: lock_holders(settings, inbox) not in ([], [holder]), "the lock to be retaken"
        )
        deliver(account, mail("After the cut", "Hello.", message_id="<c1@x.org>"))
        wait_until(lambda: count(fd, Message) == 1, "the mail to be stored")
    finally:
        stop()
    assert any("lost its polling lock" in r.getMessage() for r in caplog.records)
