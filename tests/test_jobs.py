"""Durable jobs in the application's database: written with the change that causes them,
claimed once, retried with backoff, and never lost when a worker dies."""

from __future__ import annotations

import signal
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.clock import FrozenClock
from frontdesk.config import Settings
from frontdesk.domain import tickets
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inbound import receive
from frontdesk.domain.inboxes import create_inbox
from frontdesk.jobs import queue
from frontdesk.jobs.worker import Worker
from frontdesk.models import Job, Message
from frontdesk.runtime import Frontdesk
from tests.conftest import START, World
from tests.servers import PATIENCE_SECONDS, env_for, held_receiver, started, wait_until
from tests.webhook_receiver import webhook_receiver


def conversation(fd: Frontdesk, webhook_url: str) -> int:
    """A customer's ticket in an API inbox whose replies go to `webhook_url`."""
    with fd.transaction() as tx:
        inbox = create_inbox(
            tx,
            SYSTEM,
            name="Shop app",
            kind="api",
            config={"webhook_url": webhook_url},
            team_id=None,
        )
        received = receive(
            tx,
            InboundMessage(
                inbox_id=inbox.id,
                sender=Sender("email", "ani@example.org", "Ani"),
                text="Պատվերս դեռ չի հասել",
            ),
        )
    return received.ticket.id


def reply(fd: Frontdesk, ticket_id: int, text: str = "Վաղը կուղարկենք նորը ⛺") -> int:
    with fd.transaction() as tx:
        message = tickets.reply(tx, SYSTEM, ticket_id, text)
    return message.id


def all_jobs(fd: Frontdesk) -> list[Job]:
    with fd.read() as session:
        return list(session.scalars(select(Job).order_by(Job.id)))


def the_job(fd: Frontdesk) -> Job:
    # A worker process also queues the minute tick (SLA sweeps); this is the other one.
    [job] = [j for j in all_jobs(fd) if j.kind != "minute_tick"]
    return job


def delivery_status(fd: Frontdesk, message_id: int) -> str:
    with fd.read() as session:
        return session.get_one(Message, message_id).delivery_status


# --- written with the change ------------------------------------------------------------


def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(fd: Frontdesk) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"), fd.transaction() as tx:
        tx.enqueue("deliver_message", {"message_id": 1})
        raise RuntimeError("changed my mind")
    assert all_jobs(fd) == []
    assert not fd.jobs_ready.is_set()


def test_a_job_enqueued_in_a_committed_transaction_exists_and_wakes_the_workers(
    fd: Frontdesk,
) -> None:
    with fd.transaction() as tx:
        tx.enqueue("deliver_message", {"message_id": 1}, max_attempts=3)
    job = the_job(fd)
    assert (job.kind, job.payload, job.status) == ("deliver_message", {"message_id": 1}, "queued")
    assert (job.attempts, job.max_attempts, job.run_at) == (0, 3, START)
    assert fd.jobs_ready.is_set()


def test_a_reply_that_rolls_back_leaves_neither_message_nor_delivery_job(fd: Frontdesk) -> None:
    ticket_id = conversation(fd, "http://127.0.0.1:9/hook")
    with pytest.raises(RuntimeError), fd.transaction() as tx:
        tickets.reply(tx, SYSTEM, ticket_id, "Sent too soon")
        raise RuntimeError
    assert all_jobs(fd) == []
    with fd.read() as session:
        assert session.scalars(select(Message.text)).all() == ["Պատվերս դեռ չի հասել"]


# --- scheduling and leases ----------------------------------------------------------------


def test_a_scheduled_job_is_not_claimed_before_its_time(fd: Frontdesk, clock: FrozenClock) -> None:
    with fd.transaction() as tx:
        later = tx.enqueue("deliver_message", {"message_id": 1}, run_at=START + timedelta(hours=1))
    assert queue.claim(fd, "w") is None
    clock.advance(timedelta(minutes=59, seconds=59))
    assert queue.claim(fd, "w") is None
    clock.advance(timedelta(seconds=2))
    claimed = queue.claim(fd, "w")
    assert claimed is not None and claimed.id == later.id and claimed.attempts == 1
    assert queue.claim(fd, "w") is None  # it is running now
    queue.complete(fd, claimed, "w")
    assert the_job(fd).status == "done"


def test_due_jobs_are_claimed_oldest_first(fd: Frontdesk, clock: FrozenClock) -> None:
    with fd.transaction() as tx:
        tx.enqueue("deliver_message", {"n": "second"}, run_at=START - timedelta(minutes=1))
        tx.enqueue("deliver_message", {"n": "first"}, run_at=START - timedelta(minutes=2))
        tx.enqueue("deliver_message", {"n": "later"}, run_at=START + timedelta(minutes=1))
    order = []
    while (job := queue.claim(fd, "w")) is not None:
        order.append(job.payload["n"])
    assert order == ["first", "second"]


def test_a_job_whose_lease_ran_out_is_taken_over_and_its_old_worker_cannot_finish_it(
    fd: Frontdesk, clock: FrozenClock
) -> None:
    with fd.transaction() as tx:
        tx.enqueue("deliver_message", {"message_id": 1})
    lost = queue.claim(fd, "worker-a")
    assert lost is not None
    clock.advance(timedelta(seconds=fd.settings.job_lease_seconds - 1))
    assert queue.claim(fd, "worker-b") is None  # the lease still holds
    clock.advance(timedelta(seconds=2))
    taken = queue.claim(fd, "worker-b")
    assert taken is not None and taken.id == lost.id and taken.attempts == 2

    queue.complete(fd, lost, "worker-a")  # too late: worker-b owns it now
    queue.fail(fd, lost, "worker-a", "stale", permanent=True)
    job = the_job(fd)
    assert (job.status, job.locked_by) == ("running", "worker-b")

    queue.complete(fd, taken, "worker-b")
    assert the_job(fd).status == "done"


# --- failures -----------------------------------------------------------------------------


def test_a_refused_delivery_is_retried_with_growing_backoff(
    fd: Frontdesk, worker: Worker, clock: FrozenClock
) -> None:
    with webhook_receiver(statuses=[500, 502, 503]) as hook:
        message_id = reply(fd, conversation(fd, hook.url))
        expected_delays = [2.0, 4.0, 8.0]
        for attempt, delay in enumerate(expected_delays, start=1):
            assert worker.run_once()
            job = the_job(fd)
            assert (job.status, job.attempts) == ("queued", attempt)
            waited = (job.run_at - clock.now()).total_seconds()
            assert delay * 0.8 <= waited <= delay * 1.2  # with jitter
            assert not worker.run_once()  # not due yet
            assert delivery_status(fd, message_id) == "pending"
            clock.advance(timedelta(seconds=delay * 1.2 + 0.01))
        assert worker.run_once()
    assert [d.headers["X-Frontdesk-Delivery"] for d in hook.deliveries] == [str(message_id)] * 4
    job = the_job(fd)
    assert (job.status, job.attempts, job.finished_at) == ("done", 4, clock.now())
    assert "503" in (job.last_error or "")
    assert delivery_status(fd, message_id) == "sent"


def test_the_backoff_doubles_up_to_an_hour() -> None:
    for attempts in range(1, 30):
        nominal = min(2.0 * 2 ** (attempts - 1), 3600.0)
        seconds = queue.retry_delay(attempts).total_seconds()
        assert nominal * 0.8 <= seconds <= nominal * 1.2


def test_a_job_of_unknown_kind_dies_at_once_and_is_listed_as_dead(
    world: World, worker: Worker
) -> None:
    with world.fd.transaction() as tx:
        tx.enqueue("send_fax", {"to": "+37410555012"})
    assert worker.run_until_idle() == 1
    job = the_job(world.fd)
    assert (job.status, job.attempts) == ("dead", 1)
    assert job.finished_at is not None
    assert "no handler for job kind 'send_fax'" in (job.last_error or "")
    dead = world.admin.client.get("/api/v1/jobs", params={"status": "dead"}).json()
    assert [(j["id"], j["kind"]) for j in dead] == [(job.id, "send_fax")]
    assert world.admin.client.get("/api/v1/jobs/counts").json() == {
        "queued": 0,
        "running": 0,
        "done": 0,
        "dead": 1,
    }
    assert world.agent.client.get("/api/v1/jobs").status_code == 403


def test_a_delivery_of_a_message_that_is_gone_dies_at_once(fd: Frontdesk, worker: Worker) -> None:
    with fd.transaction() as tx:
        tx.enqueue("deliver_message", {"message_id": 424242}, max_attempts=12)
    assert worker.run_until_idle() == 1
    job = the_job(fd)
    assert (job.status, job.attempts) == ("dead", 1)
    assert "message 424242 no longer exists" in (job.last_error or "")


def test_retrying_a_dead_job_gives_it_fresh_attempts(
    fd: Frontdesk, worker: Worker, clock: FrozenClock
) -> None:
    with fd.transaction() as tx:
        tx.enqueue("send_fax", {})
    worker.run_until_idle()
    dead = the_job(fd)
    assert dead.status == "dead"
    fd.jobs_ready.clear()

    clock.advance(timedelta(hours=1))
    assert queue.retry_dead(fd, dead.id)
    job = the_job(fd)
    assert (job.status, job.attempts, job.run_at, job.finished_at) == (
        "queued",
        0,
        clock.now(),
        None,
    )
    assert fd.jobs_ready.is_set()
    assert not queue.retry_dead(fd, dead.id)  # only dead jobs can be retried
    assert not queue.retry_dead(fd, 424242)
    assert worker.run_until_idle() == 1
    assert the_job(fd).status == "dead"  # still no handler: dead again, nothing lost


# --- many workers -------------------------------------------------------------------------


def test_many_workers_sharing_the_queue_deliver_every_reply_exactly_once(fd: Frontdesk) -> None:
    # PostgreSQL is where concurrent claims matter (SKIP LOCKED); SQLite serialises them.
    replies = 40 if fd.settings.is_sqlite else 200
    with webhook_receiver() as hook:
        ticket_id = conversation(fd, hook.url)
        with fd.transaction() as tx:
            message_ids = [
                tickets.reply(tx, SYSTEM, ticket_id, f"Reply {n}").id for n in range(replies)
            ]
        workers = [Worker(fd, name=f"worker-{n}") for n in range(8)]
        ran = [0] * len(workers)
        start = threading.Barrier(len(workers))

        def work(n: int) -> None:
            start.wait()
            ran[n] = workers[n].run_until_idle()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(len(workers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE_SECONDS * 4)
        assert not any(thread.is_alive() for thread in threads)

    assert sum(ran) == replies
    arrived = Counter(d.headers["X-Frontdesk-Delivery"] for d in hook.deliveries)
    assert arrived == Counter(str(i) for i in message_ids)  # each once, none missing
    with fd.read() as session:
        assert queue.counts(session) == {"queued": 0, "running": 0, "done": replies, "dead": 0}
        statuses = session.scalars(
            select(Message.delivery_status).where(Message.id.in_(message_ids))
        )
        assert set(statuses) == {"sent"}


# --- real worker processes ----------------------------------------------------------------


@pytest.fixture
def live(settings: Settings) -> Iterator[Frontdesk]:
    """The test database on the real clock, as worker processes see it."""
    runtime = Frontdesk(settings)
    yield runtime
    runtime.close()


def worker_env(settings: Settings) -> dict[str, str]:
    return env_for(settings, job_lease_seconds=2, job_poll_seconds=0.2)


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_loses_nothing(
    live: Frontdesk, settings: Settings, tmp_path: Path
) -> None:
    with held_receiver() as hook:
        message_id = reply(live, conversation(live, hook.url))
        with started(["worker", "--threads", "1"], worker_env(settings), tmp_path) as first:
            assert hook.arrived.wait(PATIENCE_SECONDS), first.output
            first.signal(signal.SIGKILL)
            assert first.wait() == -signal.SIGKILL
        job = the_job(live)
        assert (job.status, job.attempts) == ("running", 1)  # held by a worker that is gone
        assert delivery_status(live, message_id) == "pending"

        with started(["worker", "--threads", "1"], worker_env(settings), tmp_path) as second:
            wait_until(lambda: the_job(live).status == "done", "the second worker to finish")
            assert second.running()

    job = the_job(live)
    assert (job.status, job.attempts, job.last_error) == ("done", 2, None)
    assert delivery_status(live, message_id) == "sent"
    # The receiver saw the delivery twice, under one delivery id it can deduplicate on.
    assert [d.headers["X-Frontdesk-Delivery"] for d in hook.received] == [str(message_id)] * 2


@pytest.mark.slow
def test_sigterm_lets_the_worker_finish_the_job_in_hand_then_exit_0(
    live: Frontdesk, settings: Settings, tmp_path: Path
) -> None:
    with held_receiver() as hook:
        message_id = reply(live, conversation(live, hook.url))
        with started(["worker"], worker_env(settings), tmp_path) as worker:
            assert hook.arrived.wait(PATIENCE_SECONDS), worker.output
            worker.signal(signal.SIGTERM)
            worker.wait_for_output("finishing the jobs in hand")
            assert worker.running()  # still waiting for the receiver's answer
            hook.release()
            assert worker.wait() == 0, worker.output

    job = the_job(live)
    assert (job.status, job.attempts) == ("done", 1)
    assert delivery_status(live, message_id) == "sent"
    assert len(hook.received) == 1
