"""The agent's open-ticket list on a big SQLite database, beside a floor: the equivalent
hand-written SQL through stdlib sqlite3.

    uv run python bench/ticket_list.py                      # 100 000 tickets
    uv run python bench/ticket_list.py --tickets 1000000    # the big one
    uv run python bench/ticket_list.py --data-dir /tmp/fd1m # keep (and reuse) the seeded DB
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    HOST,
    OtherLoad,
    Server,
    bench_env,
    free_port,
    http_request,
    in_data_dir,
    ms,
    percentile,
    print_table,
    run_cli,
    run_load,
)
from sqlalchemy import event

from frontdesk.config import Settings
from frontdesk.db.engine import migrate
from frontdesk.domain.actors import Actor
from frontdesk.domain.ticket_list import TicketFilter, list_tickets
from frontdesk.models import Agent
from frontdesk.runtime import Frontdesk

AGENTS = 10
TEAMS = ["Billing", "Առաքում", "Τεχνική υποστήριξη", "திருப்பி அனுப்புதல்"]
ADMIN_ID = 1  # agents 2..AGENTS+1 are agents
ME = 2  # the agent whose "Mine" list is measured
ME_EMAIL = "agent1@example.com"
TAGS = ["vip", "refund", "shipping", "bug", "b2b", "առաքում", "επιστροφή", "பணம்"]
SUBJECTS = [
    "Պատվերս չի հասել",
    "கட்டணம் இருமுறை எடுக்கப்பட்டது",
    "Λάθος μέγεθος παπουτσιών",
    "Rēķins nav pareizs",
    "Zadrga se je strgala",
    "Tent zip broke",
]
LANGUAGES = ["hy", "ta", "el", "lv", "sl", "en"]
UNSOLVED = ("new", "open", "pending", "on_hold")
TARGET_P95 = 0.020
DJANGO_HELPDESK_MS = 350
PAGE = 25

# The floor: what a hand-written query costs through the driver, tags fetched like the ORM.
FLOOR_SQL = {
    "mine": "SELECT * FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold')"
    " AND assignee_id = ? ORDER BY updated_at DESC, id DESC LIMIT 26",
    "all": "SELECT * FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold')"
    " ORDER BY updated_at DESC, id DESC LIMIT 26",
    "deep": "SELECT * FROM tickets WHERE status IN ('new', 'open', 'pending', 'on_hold')"
    " AND (updated_at, id) < (?, ?) ORDER BY updated_at DESC, id DESC LIMIT 26",
}


def stamp(moment: datetime) -> str:
    """A timestamp as SQLAlchemy stores it in SQLite (naive UTC, microseconds)."""
    return moment.isoformat(" ", "microseconds")


# ---- seeding ------------------------------------------------------------------------------


def ticket_rows(count: int, contacts: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    now = datetime.now(UTC).replace(tzinfo=None)
    year = 365 * 24 * 3600
    teams_of = {agent: agent_teams(agent) for agent in range(2, AGENTS + 2)}
    for ticket_id in range(1, count + 1):
        unsolved = rng.random() < 0.07
        if unsolved:
            status = rng.choices(UNSOLVED, (20, 45, 25, 10))[0]
            age = min(rng.expovariate(1 / (20 * 24 * 3600)), year)  # mostly recent
            assignee = rng.randrange(2, AGENTS + 2) if rng.random() < 0.85 else None
        else:
            status = "solved" if rng.random() < 0.25 else "closed"
            age = rng.random() * year
            assignee = rng.randrange(2, AGENTS + 2) if rng.random() < 0.97 else None
        if assignee is not None and rng.random() < 0.9:
            team = rng.choice(teams_of[assignee])
        else:
            team = rng.randrange(1, len(TEAMS) + 1) if rng.random() < 0.8 else None
        created = now - timedelta(seconds=age)
        updated = min(created + timedelta(seconds=rng.expovariate(1 / 86400)), now)
        done = stamp(updated) if not unsolved else None
        answered = stamp(created + (updated - created) / 3) if assignee else None
        yield (
            ticket_id,
            f"{SUBJECTS[ticket_id % len(SUBJECTS)]} #{ticket_id}",
            status,
            rng.choices(("low", "normal", "high", "urgent"), (20, 60, 15, 5))[0],
            1 + ticket_id % 3,
            1 + ticket_id % contacts,
            assignee,
            team,
            LANGUAGES[ticket_id % len(LANGUAGES)],
            "{}",
            stamp(created),
            stamp(updated),
            answered,
            stamp(created),
            answered,
            done,
        )


def agent_teams(agent: int) -> list[int]:
    first = 1 + (agent - 2) % len(TEAMS)
    return [first] if agent % 3 else [first, 1 + (first % len(TEAMS))]


def seed(db: Path, count: int) -> None:
    rng = random.Random(42)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-512000")
    now = stamp(datetime.now(UTC))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)",
        [(i, name, now) for i, name in enumerate(TEAMS, 1)],
    )
    agents = [(ADMIN_ID, "admin@example.com", "Admin", "admin")]
    for i in range(2, AGENTS + 2):
        agents.append((i, f"agent{i - 1}@example.com", f"Agent {i - 1}", "agent"))
    conn.executemany(
        "INSERT INTO agents (id, email, name, role, languages, availability, is_active,"
        " created_at) VALUES (?, ?, ?, ?, '[]', 'online', 1, ?)",
        [(*agent, now) for agent in agents],
    )
    conn.executemany(
        "INSERT INTO team_members (team_id, agent_id) VALUES (?, ?)",
        [(team, agent) for agent in range(2, AGENTS + 2) for team in agent_teams(agent)],
    )
    conn.executemany(
        "INSERT INTO inboxes (id, name, kind, config, team_id, is_active, created_at)"
        " VALUES (?, ?, 'api', '{}', ?, 1, ?)",
        [(1, "API", None, now), (2, "Email", 1, now), (3, "Chat", 2, now)],
    )
    contacts = max(count // 4, 1)
    conn.executemany(
        "INSERT INTO contacts (id, name, tier, lifetime_value, notes, created_at, updated_at)"
        " VALUES (?, ?, 'standard', 0, '', ?, ?)",
        ((i, f"Customer {i}", now, now) for i in range(1, contacts + 1)),
    )
    # Build the ticket indexes once after loading rather than row by row.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('tickets', 'ticket_tags')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    rows = ticket_rows(count, contacts, rng)
    conn.executemany(
        "INSERT INTO tickets (id, subject, status, priority, inbox_id, contact_id,"
        " assignee_id, team_id, language, custom_fields, created_at, updated_at,"
        " first_response_at, last_customer_message_at, last_agent_message_at, solved_at, token)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, lower(hex(randomblob(10))))",
        rows,
    )
    conn.executemany(
        "INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)",
        (
            (ticket, tag)
            for ticket in range(1, count + 1)
            if rng.random() < 0.3
            for tag in rng.sample(TAGS, rng.choice((1, 1, 2)))
        ),
    )
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def prepare(data_dir: Path, count: int) -> None:
    db = data_dir / "frontdesk.db"
    if db.exists():
        with sqlite3.connect(db) as conn:
            have = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        if have == count:
            print(f"reusing {db} ({count} tickets)")
            return
        raise SystemExit(f"{db} holds {have} tickets, not {count}: remove it or pick another dir")
    data_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    migrate(f"sqlite:///{db}")
    seed(db, count)
    size = db.stat().st_size / 1e6
    print(f"seeded {count} tickets in {time.perf_counter() - start:.1f} s ({size:.0f} MB)")


# ---- measuring ------------------------------------------------------------------------------


def latencies(op: Callable[[], object], iterations: int, time_limit: float) -> list[float]:
    for _ in range(min(20, iterations)):
        op()
    result = []
    deadline = time.perf_counter() + time_limit
    for _ in range(iterations):
        start = time.perf_counter()
        op()
        result.append(time.perf_counter() - start)
        if start > deadline:
            break
    return result


def row(label: str, domain: list[float], floor: list[float] | None) -> list[object]:
    cells: list[object] = [label, len(domain)]
    cells += [ms(percentile(domain, p)) for p in (50, 95, 99)]
    if floor is None:
        return [*cells, "-", "-", "-"]
    ratio = percentile(domain, 50) / percentile(floor, 50)
    return [*cells, ms(percentile(floor, 50)), ms(percentile(floor, 95)), f"{ratio:.1f}x"]


class Captured:
    """The last SELECT on tickets that SQLAlchemy sent, to explain it."""

    statement = ""
    parameters: Any = ()

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if statement.lstrip().startswith("SELECT tickets.id"):
            self.statement, self.parameters = statement, parameters


def measure(data_dir: Path, args: argparse.Namespace) -> None:
    load = OtherLoad()
    settings = Settings(data_dir=data_dir, secret_key="x" * 40, embedded_workers=0)
    fd = Frontdesk(settings)
    captured = Captured()
    event.listen(fd.engine, "before_cursor_execute", captured)
    with fd.read() as session:
        me = Actor.for_agent(session.get_one(Agent, ME))
        admin = Actor.for_agent(session.get_one(Agent, ADMIN_ID))

    def domain(actor: Actor, filters: TicketFilter, cursor: str | None = None) -> list[int]:
        with fd.read() as session:
            rows, _ = list_tickets(session, actor, filters, limit=PAGE, cursor=cursor)
            return [t.id for t in rows]

    mine = TicketFilter(statuses=("unsolved",), assignee=ME)
    everything = TicketFilter(statuses=("unsolved",))
    cursor = None
    with fd.read() as session:
        for _ in range(19):
            page, cursor = list_tickets(session, admin, everything, limit=PAGE, cursor=cursor)
        deep_after = page[-1].id

    conn = sqlite3.connect(data_dir / "frontdesk.db", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    (deep_updated,) = conn.execute(
        "SELECT updated_at FROM tickets WHERE id = ?", (deep_after,)
    ).fetchone()

    def floor(name: str, *params: object) -> list[int]:
        conn.execute("BEGIN")
        rows = conn.execute(FLOOR_SQL[name], params).fetchall()[:PAGE]
        ids = [r[0] for r in rows]
        marks = ", ".join("?" * len(ids))
        conn.execute(
            f"SELECT ticket_id, tag FROM ticket_tags WHERE ticket_id IN ({marks}) ORDER BY tag",  # noqa: S608
            ids,
        ).fetchall()
        conn.execute("COMMIT")
        return ids

    cases = [
        ("(a) Mine: agent's unsolved", lambda: domain(me, mine), lambda: floor("mine", ME)),
        ("(b) All unsolved (admin)", lambda: domain(admin, everything), lambda: floor("all")),
        (
            "(c) All unsolved, page 20",
            lambda: domain(admin, everything, cursor),
            lambda: floor("deep", deep_updated, deep_after),
        ),
    ]
    rows, plans, mine_latencies = [], [], []
    n, limit = args.iterations, args.time_limit
    for label, domain_op, floor_op in cases:
        same = domain_op() == floor_op()
        plan = conn.execute("EXPLAIN QUERY PLAN " + captured.statement, captured.parameters)
        plans.append((label, captured.statement, [r[3] for r in plan]))
        took = latencies(domain_op, n, limit)
        mine_latencies = mine_latencies or took
        mark = "" if same else " (rows differ!)"
        rows.append(row(label + mark, took, latencies(floor_op, n, limit)))
    conn.close()
    fd.close()

    http = http_latencies(data_dir, args)
    rows.append(row("(d) HTTP GET ?assignee=me&status=unsolved", http, None))
    print_table(
        f"Open-ticket list, {args.tickets} tickets in SQLite, {PAGE} per page",
        ["query", "runs", "p50 ms", "p95 ms", "p99 ms", "floor p50", "floor p95", "vs floor"],
        rows,
    )
    print("domain: frontdesk.domain.ticket_list.list_tickets in a fresh read session per call")
    print("floor: hand-written SQL + the tag lookup, stdlib sqlite3, one read transaction")
    print("(d): a real `frontdesk serve`, one keep-alive client, agent1's API token")
    print(load.note())
    print(f"\nSQL of (a) as SQLAlchemy sends it:\n  {' '.join(plans[0][1].split())}")
    for label, _, steps in plans:
        print(f"EXPLAIN QUERY PLAN {label}: " + "; ".join(steps))
    for label, took in (("Mine (domain)", mine_latencies), ("Mine over HTTP", http)):
        p95 = percentile(took, 95)
        verdict = "meets" if p95 < TARGET_P95 else "misses"
        print(f"{label}: p95 {ms(p95)} ms -> {verdict} the target at {args.tickets} tickets")
    print(
        f"target: p95 < {ms(TARGET_P95)} ms at 1 000 000 tickets\n"
        f"for scale: django-helpdesk lists an agent's open tickets in {DJANGO_HELPDESK_MS} ms "
        "at 100 000 tickets"
    )


def http_latencies(data_dir: Path, args: argparse.Namespace) -> list[float]:
    env = bench_env(FRONTDESK_DATA_DIR=str(data_dir))
    token = run_cli(["uv", "run", "frontdesk", "token", "create", "--agent", ME_EMAIL], env)
    headers = {"Authorization": f"Bearer {token.strip().splitlines()[-1]}"}
    port = free_port()
    path = "/api/v1/tickets?assignee=me&status=unsolved"
    request = http_request("GET", path, port, headers)
    serve = ["uv", "run", "frontdesk", "serve", "--port", str(port)]
    with Server(serve, port, env, data_dir / "serve.log"):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.request("GET", path, headers=headers)
        answer = conn.getresponse()
        items = json.loads(answer.read()).get("items", [])
        conn.close()
        print(f"HTTP check: {answer.status}, {len(items)} items")
        run_load(port, [request] * 20, 1, time_limit=args.time_limit)
        result = run_load(port, [request] * args.iterations, 1, time_limit=args.time_limit)
    for sample in result.error_samples:
        print(f"  HTTP error: {sample}")
    return result.latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=300, help="runs per query")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per query")
    parser.add_argument("--data-dir", type=Path, help="seed here and keep it (reused if seeded)")
    args = parser.parse_args()

    def seed_and_measure(data: Path) -> None:
        prepare(data, args.tickets)
        measure(data, args)

    in_data_dir(args.data_dir, seed_and_measure)


if __name__ == "__main__":
    main()
