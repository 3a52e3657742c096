"""Service levels and routing at scale on SQLite, each beside a floor measured in the same
run.

1. SLA recompute: every unsolved ticket's due times recomputed (`recompute_open_tickets`,
   what runs after a policy or calendar changes) under three policies, one of them on a
   business calendar with Latvian public holidays. Floor: stdlib sqlite3 reading the same
   columns in the same keyset batches and writing the same five columns back, with no
   arithmetic. Also printed: the arithmetic alone per ticket, on rows already in memory.
2. Routing decision: `decide.choose` for a new ticket with 10 000 open tickets and 200
   online agents (4 teams of 50), in each automatic mode; then `route_ticket` in a full
   transaction (decision, assignment, audit, commit). Floor: the same two queries (the
   candidates, their active load) through stdlib sqlite3.

    uv run python bench/sla_routing.py                          # 200 000 open tickets
    uv run python bench/sla_routing.py --open-tickets 1000000   # the big one
    uv run python bench/sla_routing.py --only sla|routing       # one half
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import OtherLoad, ms, percentile, print_table

from frontdesk.config import Settings
from frontdesk.db.engine import migrate
from frontdesk.domain.actors import SYSTEM
from frontdesk.models import Ticket
from frontdesk.routing import admin as routing_admin
from frontdesk.routing.assignment import route_ticket
from frontdesk.routing.decide import choose
from frontdesk.routing.settings import ROUTING
from frontdesk.runtime import Frontdesk
from frontdesk.sla import admin as sla_admin
from frontdesk.sla.clock import ClockFacts, compute
from frontdesk.sla.policies import POLICIES, TicketFacts
from frontdesk.sla.recompute import recompute_open_tickets

NOW = datetime(2026, 11, 20, 15, 55, tzinfo=UTC)  # a Friday evening in Riga
INBOXES = [(1, "email", 1), (2, "chat", 2), (3, "whatsapp", 3), (4, "api", 4)]
TEAMS = ["Billing", "Առաքում", "Τεχνική υποστήριξη", "திருப்பி அனுப்புதல்"]
LANGUAGES = ["hy", "ta", "el", "lv", "sl", "en"]
SKILLS = ["billing", "shipping", "returns", "b2b", "vip"]
TARGET_P99 = 0.005
BATCH = 5000


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# ---- seeding ------------------------------------------------------------------------------


def seed(db: Path, tickets: int, agents: int, assigned: int, rng: random.Random) -> None:
    """`tickets` unsolved tickets; the first `assigned` of them active and owned by agents."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    now = stamp(NOW)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)",
        [(i, name, now) for i, name in enumerate(TEAMS, 1)],
    )
    conn.executemany(
        "INSERT INTO inboxes (id, name, kind, config, team_id, is_active, created_at)"
        " VALUES (?, ?, ?, '{}', ?, 1, ?)",
        [(i, kind, kind, team, now) for i, kind, team in INBOXES],
    )
    conn.executemany(
        "INSERT INTO agents (id, email, name, role, languages, availability, is_active,"
        " created_at) VALUES (?, ?, ?, 'agent', ?, 'online', 1, ?)",
        [
            (i, f"a{i}@example.com", f"Agent {i}", f'["{rng.choice(LANGUAGES)}", "en"]', now)
            for i in range(1, agents + 1)
        ],
    )
    conn.executemany(
        "INSERT INTO team_members (team_id, agent_id) VALUES (?, ?)",
        [(1 + (i - 1) % len(TEAMS), i) for i in range(1, agents + 1)],
    )
    conn.executemany(
        "INSERT INTO agent_skills (agent_id, skill) VALUES (?, ?)",
        [(i, s) for i in range(1, agents + 1) for s in rng.sample(SKILLS, 2)],
    )
    contacts = max(tickets // 4, 1)
    conn.executemany(
        "INSERT INTO contacts (id, name, tier, lifetime_value, notes, created_at, updated_at)"
        " VALUES (?, ?, 'standard', 0, '', ?, ?)",
        ((i, f"Customer {i}", now, now) for i in range(1, contacts + 1)),
    )
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('tickets', 'ticket_tags')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')

    def rows() -> Any:
        for tid in range(1, tickets + 1):
            inbox, _, team = INBOXES[tid % len(INBOXES)]
            created = NOW - timedelta(minutes=rng.randrange(0, 5 * 24 * 60))
            active = tid <= assigned
            status = (
                rng.choice(("new", "open"))
                if active
                else rng.choice(("new", "open", "open", "pending", "on_hold"))
            )
            answered = stamp(created + timedelta(minutes=30)) if rng.random() < 0.5 else None
            assignee = None
            if active:
                assignee = rng.randrange(1, agents + 1)
                team = 1 + (assignee - 1) % len(TEAMS)
            yield (
                tid,
                f"Ticket {tid}",
                status,
                rng.choice(("low", "normal", "high", "urgent")),
                inbox,
                1 + tid % contacts,
                assignee,
                team,
                rng.choice(LANGUAGES),
                "{}",
                stamp(created),
                stamp(created),
                answered,
                stamp(created),
                answered,
            )

    conn.executemany(
        "INSERT INTO tickets (id, subject, status, priority, inbox_id, contact_id, assignee_id,"
        " team_id, language, custom_fields, created_at, updated_at, first_response_at,"
        " last_customer_message_at, last_agent_message_at, sla_paused_seconds, transfer_count,"
        " token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0,"
        " lower(hex(randomblob(10))))",
        rows(),
    )
    conn.executemany(
        "INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)",
        ((t, rng.choice(SKILLS)) for t in range(1, tickets + 1) if rng.random() < 0.3),
    )
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def runtime(db: Path) -> Frontdesk:
    from frontdesk.clock import FrozenClock

    settings = Settings(data_dir=db.parent, secret_key="x" * 40, embedded_workers=0)
    return Frontdesk(settings, clock=FrozenClock(NOW))


# ---- 1. SLA recompute ---------------------------------------------------------------------


def sla_policies(fd: Frontdesk) -> None:
    office = {
        "time_zone": "Europe/Riga",
        "hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": {"country": "LV"},
    }
    with fd.transaction() as tx:
        calendar = sla_admin.save_calendar(
            tx, SYSTEM, {"name": "Riga office", "definition": office}
        )
        sla_admin.save_policy(
            tx,
            SYSTEM,
            {
                "name": "VIP",
                "position": 1,
                "conditions": {"tags": ["vip"]},
                "first_response_minutes": 30,
                "next_response_minutes": 60,
                "resolution_minutes": 8 * 60,
            },
        )
        sla_admin.save_policy(
            tx,
            SYSTEM,
            {
                "name": "Email office hours",
                "position": 2,
                "conditions": {"channels": ["email"]},
                "calendar_id": calendar.id,
                "first_response_minutes": 6 * 60,
                "next_response_minutes": 4 * 60,
                "resolution_minutes": 3 * 9 * 60,
            },
        )
        sla_admin.save_policy(
            tx,
            SYSTEM,
            {
                "name": "Chat",
                "position": 3,
                "conditions": {"channels": ["chat"]},
                "first_response_minutes": 2,
                "next_response_minutes": 2,
            },
        )


def sla_floor(db: Path) -> tuple[float, int]:
    """Read the same columns in the same batches and write five columns back."""
    conn = sqlite3.connect(db, isolation_level=None)
    start = time.perf_counter()
    after, done = 0, 0
    due = stamp(NOW + timedelta(hours=6))
    while True:
        conn.execute("BEGIN IMMEDIATE")
        rows = conn.execute(
            "SELECT id, status, priority, inbox_id, created_at, first_response_at,"
            " last_customer_message_at, last_agent_message_at, sla_paused_seconds FROM tickets"
            " WHERE status IN ('new', 'open', 'pending', 'on_hold') AND id > ? ORDER BY id"
            " LIMIT ?",
            (after, BATCH),
        ).fetchall()
        if rows:
            conn.execute(
                "SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id BETWEEN ? AND ?",
                (rows[0][0], rows[-1][0]),
            ).fetchall()
            conn.executemany(
                "UPDATE tickets SET sla_policy_id = ?, first_response_due_at = ?,"
                " next_response_due_at = ?, resolution_due_at = ?, sla_next_alert_at = ?"
                " WHERE id = ?",
                [(1, due, None, due, due, r[0]) for r in rows],
            )
        conn.execute("COMMIT")
        done += len(rows)
        if len(rows) < BATCH:
            break
        after = rows[-1][0]
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, done


def arithmetic_only(fd: Frontdesk, sample: int) -> float:
    """compute() alone, per ticket, over rows already in memory."""
    with fd.read() as session:
        policies = POLICIES.get(session)
        rows = session.execute(
            Ticket.__table__.select().where(Ticket.status.in_(("new", "open"))).limit(sample)
        ).all()
    kinds = {i: kind for i, kind, _ in INBOXES}
    start = time.perf_counter()
    for row in rows:
        facts = TicketFacts(kinds[row.inbox_id], row.priority, row.inbox_id, frozenset())
        compute(
            policies.for_ticket(facts),
            ClockFacts(
                row.status,
                row.created_at,
                row.first_response_at,
                row.last_customer_message_at,
                row.last_agent_message_at,
                row.sla_paused_seconds,
            ),
        )
    return (time.perf_counter() - start) / max(len(rows), 1)


def bench_sla(work: Path, count: int) -> None:
    db = work / "sla" / "frontdesk.db"
    db.parent.mkdir()
    migrate(f"sqlite:///{db}")
    started = time.perf_counter()
    seed(db, count, agents=200, assigned=0, rng=random.Random(7))
    print(f"seeded {count} unsolved tickets in {time.perf_counter() - started:.1f} s")
    fd = runtime(db)
    sla_policies(fd)
    floor, floor_rows = sla_floor(db)
    load = OtherLoad()
    start = time.perf_counter()
    done = recompute_open_tickets(fd, batch_size=BATCH)
    elapsed = time.perf_counter() - start
    per_ticket = arithmetic_only(fd, 20_000)
    with fd.read() as session:
        breakdown = session.execute(
            Ticket.__table__.select()
            .with_only_columns(Ticket.sla_policy_id, Ticket.id)
            .where(Ticket.first_response_due_at.is_not(None))
            .limit(1)
        ).all()
    fd.close()
    assert done == floor_rows == count, (done, floor_rows, count)
    assert breakdown, "no due time was written"
    print_table(
        f"SLA recompute of {count} unsolved tickets (SQLite, batches of {BATCH})",
        ["what", "tickets", "seconds", "tickets/s", "µs/ticket"],
        [
            [
                "recompute_open_tickets",
                done,
                f"{elapsed:.1f}",
                f"{done / elapsed:,.0f}",
                f"{elapsed / done * 1e6:.1f}",
            ],
            [
                "floor: sqlite3 read+write, no arithmetic",
                floor_rows,
                f"{floor:.1f}",
                f"{floor_rows / floor:,.0f}",
                f"{floor / floor_rows * 1e6:.1f}",
            ],
            [
                "arithmetic alone (compute, in memory)",
                "-",
                "-",
                f"{1 / per_ticket:,.0f}",
                f"{per_ticket * 1e6:.1f}",
            ],
        ],
    )
    print(f"ratio to floor: {elapsed / floor:.1f}x; {load.note()}")


# ---- 2. routing -------------------------------------------------------------------------


FLOOR_CANDIDATES = (
    "SELECT agents.id, agents.languages FROM agents JOIN team_members"
    " ON team_members.agent_id = agents.id WHERE agents.is_active = 1"
    " AND agents.availability = 'online' AND agents.role IN ('admin', 'agent')"
    " AND team_members.team_id = ? ORDER BY agents.id"
)
FLOOR_LOAD = (
    "SELECT assignee_id, inbox_id, count(*) FROM tickets WHERE status IN ('new', 'open')"
    " AND assignee_id IN ({}) GROUP BY assignee_id, inbox_id"
)


def latencies(op: Callable[[int], object], count: int, time_limit: float) -> list[float]:
    for i in range(min(20, count)):
        op(i)
    result = []
    deadline = time.perf_counter() + time_limit
    for i in range(count):
        start = time.perf_counter()
        op(i)
        result.append(time.perf_counter() - start)
        if start > deadline:
            break
    return result


def bench_routing(work: Path, open_tickets: int, agents: int, decisions: int, limit: float) -> None:
    db = work / "routing" / "frontdesk.db"
    db.parent.mkdir()
    migrate(f"sqlite:///{db}")
    # The open tickets, all active and owned; then 2000 unowned new ones to route.
    waiting = 2000
    seed(db, open_tickets + waiting, agents=agents, assigned=open_tickets, rng=random.Random(9))
    conn = sqlite3.connect(db)
    conn.execute(
        "UPDATE tickets SET status = 'new', assignee_id = NULL WHERE id > ?", (open_tickets,)
    )
    conn.commit()
    fd = runtime(db)
    load = OtherLoad()
    rows: list[list[object]] = []
    floor_conn = sqlite3.connect(db)

    def floor(i: int) -> None:
        team = 1 + i % len(TEAMS)
        people = floor_conn.execute(FLOOR_CANDIDATES, (team,)).fetchall()
        ids = [p[0] for p in people]
        floor_conn.execute(FLOOR_LOAD.format(",".join("?" * len(ids))), ids).fetchall()

    floor_times = latencies(floor, decisions, limit)
    with fd.read() as session:
        new_tickets = [session.get_one(Ticket, open_tickets + 1 + i) for i in range(waiting)]
        for t in new_tickets:
            t.tags  # noqa: B018 (loaded before timing)
    for mode in ("least_loaded", "skills", "round_robin"):
        with fd.transaction() as tx:
            for team in range(1, len(TEAMS) + 1):
                routing_admin.set_config(tx, SYSTEM, {"mode": mode}, team_id=team)
        with fd.read() as session:
            settings = ROUTING.get(session)

            def decide(i: int, session: Any = session, settings: Any = settings) -> object:
                ticket = session.merge(new_tickets[i % waiting], load=False)
                rule = settings.rule_for(ticket)
                return choose(session, settings, rule, ticket, "email")

            times = latencies(decide, decisions, limit)
        rows.append(row(f"choose() {mode}", times, floor_times))
    with fd.transaction() as tx:
        for team in range(1, len(TEAMS) + 1):
            routing_admin.set_config(tx, SYSTEM, {"mode": "least_loaded"}, team_id=team)

    def route(i: int) -> None:
        with fd.transaction() as tx:
            route_ticket(tx, tx.session.get_one(Ticket, open_tickets + 1 + i))

    full = latencies(route, min(decisions, waiting - 20), limit)
    rows.append(row("route_ticket() + assign + commit", full, floor_times))
    fd.close()
    floor_conn.close()
    print_table(
        f"Routing decision: {open_tickets} open tickets, {agents} online agents in "
        f"{len(TEAMS)} teams (target p99 < {TARGET_P99 * 1000:.0f} ms)",
        ["what", "n", "p50 ms", "p95 ms", "p99 ms", "floor p50", "floor p99", "x floor"],
        rows,
    )
    print(load.note())


def row(label: str, times: list[float], floor: list[float]) -> list[object]:
    return [
        label,
        len(times),
        ms(percentile(times, 50)),
        ms(percentile(times, 95)),
        ms(percentile(times, 99)),
        ms(percentile(floor, 50)),
        ms(percentile(floor, 99)),
        f"{percentile(times, 50) / percentile(floor, 50):.1f}x",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--open-tickets", type=int, default=200_000, help="SLA recompute size")
    parser.add_argument("--routing-tickets", type=int, default=10_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per measured loop")
    parser.add_argument("--only", choices=("sla", "routing"), help="run one half")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fd-sla-bench-") as tmp:
        work = Path(tmp)
        if args.only != "routing":
            bench_sla(work, args.open_tickets)
        if args.only != "sla":
            bench_routing(work, args.routing_tickets, args.agents, args.decisions, args.time_limit)


if __name__ == "__main__":
    main()
