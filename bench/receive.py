"""receive() throughput in-process on SQLite, beside a floor: stdlib sqlite3 writing the same
rows (contact, identity, ticket, message, audit entry) in one transaction per message.

    uv run python bench/receive.py [--messages 3000] [--threads 200] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from _common import OtherLoad, ms, percentile, print_table

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.config import Settings
from frontdesk.db.engine import migrate
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.inbound import receive
from frontdesk.runtime import Frontdesk

TEXTS = [
    ("Ani", "Պատվերս չի հասել։ Խնդրում եմ ստուգել։"),
    ("Kavya", "என் அட்டையில் இருமுறை கட்டணம் எடுக்கப்பட்டது."),
    ("Eleni", "Έλαβα λάθος μέγεθος. Μπορώ να το αλλάξω;"),
    ("Sam", "The zip on my tent broke on the second night out."),
]


def timed(
    count: int, time_limit: float, op: Callable[[int], object]
) -> tuple[float, list[float], float]:
    """Call op(i) for i in range(count) or until time runs out; returns the rate, the
    latencies and the CPU time per call (steadier than wall time on a busy machine)."""
    latencies = []
    deadline = time.perf_counter() + time_limit
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        t0 = time.perf_counter()
        op(i)
        latencies.append(time.perf_counter() - t0)
        if t0 > deadline:
            break
    cpu = (time.process_time() - cpu) / len(latencies)
    return len(latencies) / (time.perf_counter() - start), latencies, cpu


def message(inbox_id: int, i: int, thread: str | None = None, email: str = "") -> InboundMessage:
    name, text = TEXTS[i % len(TEXTS)]
    return InboundMessage(
        inbox_id=inbox_id,
        sender=Sender("email", email or f"new-{i}@example.com", name),
        text=f"{text} ({i})",
        subject=f"{text[:30]} #{i}",
        thread_key=thread,
    )


class Domain:
    def __init__(self, db: Path) -> None:
        settings = Settings(data_dir=db.parent, secret_key="x" * 40, embedded_workers=0)
        self.fd = Frontdesk(settings)
        with self.fd.transaction() as tx:
            self.inbox = default_api_inbox(tx).id

    def new(self, i: int, thread: str | None = None, email: str = "") -> None:
        with self.fd.transaction() as tx:
            receive(tx, message(self.inbox, i, thread, email))

    def thread(self, i: int, threads: int) -> None:
        k = i % threads
        with self.fd.transaction() as tx:
            receive(tx, message(self.inbox, i, f"thread-{k}", f"thread-{k}@example.com"))


class Floor:
    """What the same writes cost through the driver alone, with frontdesk's PRAGMAs."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")
        now = stamp()
        self.inbox = self.conn.execute(
            "INSERT INTO inboxes (name, kind, config, is_active, created_at)"
            " VALUES ('API', 'api', '{}', 1, ?)",
            (now,),
        ).lastrowid

    def new(self, i: int, thread: str | None = None, email: str = "") -> None:
        msg = message(self.inbox or 0, i, thread, email)
        now = stamp()
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        contact = c.execute(
            "INSERT INTO contacts (name, tier, lifetime_value, notes, created_at, updated_at)"
            " VALUES (?, 'standard', 0, '', ?, ?)",
            (msg.sender.name, now, now),
        ).lastrowid
        c.execute(
            "INSERT INTO contact_identities (contact_id, kind, address, created_at)"
            " VALUES (?, 'email', ?, ?)",
            (contact, msg.sender.address, now),
        )
        ticket = c.execute(
            "INSERT INTO tickets (subject, status, priority, inbox_id, contact_id, custom_fields,"
            " thread_key, created_at, updated_at, last_customer_message_at, token)"
            " VALUES (?, 'new', 'normal', ?, ?, '{}', ?, ?, ?, ?, lower(hex(randomblob(10))))",
            (msg.subject or msg.text[:80], self.inbox, contact, thread, now, now, now),
        ).lastrowid
        self._message(ticket, contact, msg.text, now)
        changes = {
            "subject": [None, msg.subject],
            "status": [None, "new"],
            "channel": [None, "api"],
        }
        c.execute(
            "INSERT INTO audit_entries (at, actor_type, actor_id, action, entity_type,"
            " entity_id, ticket_id, changes) VALUES (?, 'contact', ?, 'ticket.created',"
            " 'ticket', ?, ?, ?)",
            (now, contact, ticket, ticket, json.dumps(changes)),
        )
        c.execute("COMMIT")

    def thread(self, i: int, threads: int) -> None:
        k = i % threads
        msg = message(self.inbox or 0, i, f"thread-{k}", f"thread-{k}@example.com")
        now = stamp()
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        (contact,) = c.execute(
            "SELECT contact_id FROM contact_identities WHERE kind = 'email' AND address = ?",
            (msg.sender.address,),
        ).fetchone()
        (ticket,) = c.execute(
            "SELECT id FROM tickets WHERE inbox_id = ? AND thread_key = ? ORDER BY id DESC LIMIT 1",
            (self.inbox, msg.thread_key),
        ).fetchone()
        c.execute(
            "UPDATE tickets SET last_customer_message_at = ?, updated_at = ? WHERE id = ?",
            (now, now, ticket),
        )
        self._message(ticket, contact, msg.text, now)
        c.execute("COMMIT")

    def _message(self, ticket: int | None, contact: int | None, text: str, now: str) -> None:
        self.conn.execute(
            "INSERT INTO messages (ticket_id, inbox_id, channel, direction, is_internal,"
            " author_contact_id, text, delivery_status, created_at, is_auto, meta)"
            " VALUES (?, ?, 'api', 'in', 0, ?, ?, 'received', ?, 0, '{}')",
            (ticket, self.inbox, contact, text, now),
        )


def stamp() -> str:
    """A timestamp as SQLAlchemy stores it in SQLite (naive UTC)."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000, help="messages per mode")
    parser.add_argument("--threads", type=int, default=200, help="tickets to thread onto")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per mode")
    parser.add_argument("--profile", action="store_true", help="cProfile the domain, new mode")
    args = parser.parse_args()

    rows = []
    load = OtherLoad()
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        template = tmp / "template.db"
        migrate(f"sqlite:///{template}")
        for name in ("domain", "floor"):
            (tmp / name).mkdir()
            shutil.copy(template, tmp / name / "frontdesk.db")
        domain = Domain(tmp / "domain" / "frontdesk.db")
        floor = Floor(tmp / "floor" / "frontdesk.db")
        n, k, limit = args.messages, args.threads, args.time_limit

        # Warm up, and open the tickets the threaded mode writes onto (not timed).
        for impl in (domain, floor):
            for i in range(-k, 0):
                impl.new(i, f"thread-{i + k}", f"thread-{i + k}@example.com")

        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        modes = [
            ("new contact + ticket", domain.new, floor.new),
            (
                f"threaded onto {k} tickets",
                lambda i: domain.thread(i, k),
                lambda i: floor.thread(i, k),
            ),
        ]
        for label, domain_op, floor_op in modes:
            rate, lat, cpu = timed(n, limit, domain_op)
            if profiler and label.startswith("new"):
                profiler.disable()
            floor_rate, floor_lat, floor_cpu = timed(n, limit, floor_op)
            rows.append(
                [
                    label,
                    len(lat),
                    f"{rate:.0f}",
                    ms(percentile(lat, 50)),
                    ms(percentile(lat, 99)),
                    ms(cpu),
                    f"{floor_rate:.0f}",
                    ms(percentile(floor_lat, 50)),
                    ms(floor_cpu),
                    f"{cpu / floor_cpu:.1f}x",
                ]
            )
        domain.fd.close()
        floor.conn.close()
        others = load.note()

    print_table(
        "receive() in-process on SQLite (WAL, synchronous=NORMAL), one transaction per message",
        [
            "mode",
            "messages",
            "receive() msg/s",
            "p50 ms",
            "p99 ms",
            "CPU ms/msg",
            "floor msg/s",
            "floor p50 ms",
            "floor CPU ms/msg",
            "CPU vs floor",
        ],
        rows,
    )
    print("floor: stdlib sqlite3 writing the same rows (no ORM, no validation, no events)")
    print(others)
    if profiler:
        print("\ncProfile of receive(), new contact mode, top 25 by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
