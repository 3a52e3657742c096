"""Ticket creation over the API against a real `frontdesk serve` on loopback, beside a floor:
a bare Starlette + uvicorn app that only parses the same JSON and answers 201.

    uv run python bench/create_tickets.py [--requests 1000] [--concurrent-requests 4000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import uuid
from pathlib import Path

from _common import (
    LOAD_HEADERS,
    LoadResult,
    OtherLoad,
    Server,
    bench_env,
    free_port,
    http_request,
    ms,
    percentile,
    print_table,
    run_cli,
    run_load,
)

ADMIN_EMAIL = "bench@example.com"
ADMIN_PASSWORD = "bench-password-1"
TARGET_RATE = 450
AIM_RATE = 1000
TARGET_P99 = 0.050
DJANGO_HELPDESK_RATE = 23

# (customer name, subject, message) in several scripts.
SAMPLES = [
    ("Ani Petrosyan", "Պատվերս չի հասել", "Բարև ձեզ, պատվերս դեռ չի հասել։ Խնդրում եմ ստուգել։"),
    ("Kavya Raman", "கட்டணம் இருமுறை", "வணக்கம், என் அட்டையில் இருமுறை கட்டணம் எடுக்கப்பட்டது."),
    ("Eleni Papadaki", "Λάθος μέγεθος", "Γεια σας, έλαβα λάθος μέγεθος. Μπορώ να το αλλάξω;"),
    ("Jānis Ozoliņš", "Rēķins nav pareizs", "Labdien! Rēķinā ir kļūda, lūdzu, izlabojiet."),
    ("Maja Kovač", "Zadrga se je strgala", "Pozdravljeni, zadrga na šotoru se je strgala."),
    ("Sam Taylor", "Tent zip broke", "Hi, the zip on my tent broke on the second night out."),
]


def payloads(count: int, port: int, token: str, run: str) -> list[bytes]:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
    }
    requests = []
    for i in range(count):
        name, subject, message = SAMPLES[i % len(SAMPLES)]
        body = {
            "subject": f"{subject} #{i}",
            "message": f"{message}\n\n({run}-{i})",
            "contact": {"name": name, "email": f"customer-{run}-{i}@example.com"},
        }
        data = json.dumps(body, ensure_ascii=False).encode()
        requests.append(http_request("POST", "/api/v1/tickets", port, headers, data))
    return requests


def measure(
    server: Server, token: str, args: argparse.Namespace, sequential: bool = True
) -> tuple[LoadResult | None, LoadResult, int]:
    """Warm up, then one client in sequence and `--clients` at once. Returns both results
    and the number of tickets the warm-up created."""
    run = uuid.uuid4().hex[:8]
    warm = payloads(args.warmup, server.port, token, run + "w")
    seq = payloads(args.requests, server.port, token, run + "s")
    conc = payloads(args.concurrent_requests, server.port, token, run + "c")
    warmed = run_load(server.port, warm, args.clients, expect=201, time_limit=args.time_limit).ok
    results: list[LoadResult | None] = [] if sequential else [None]
    phases = ((seq, 1), (conc, args.clients)) if sequential else ((conc, args.clients),)
    for requests, clients in phases:
        result = run_load(
            server.port, requests, clients, expect=201, time_limit=args.time_limit, server=server
        )
        results.append(result)
        for sample in result.error_samples:
            print(f"  {clients} client(s), error: {sample}")
    assert results[1] is not None
    return results[0], results[1], warmed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000, help="sequential requests")
    parser.add_argument("--concurrent-requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per phase")
    parser.add_argument(
        "--processes", type=int, default=2, help="also run `serve --processes N` (0: skip)"
    )
    args = parser.parse_args()

    load = OtherLoad()
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        floor_cmd = ["uv", "run", "python", "bench/_floor_app.py", "--port", str(port)]
        with Server(floor_cmd, port, bench_env(), tmp / "floor.log") as floor:
            floor_seq, floor_conc, _ = measure(floor, "unused", args)
            assert floor_seq is not None

        data_dir = tmp / "data"
        env = bench_env(FRONTDESK_DATA_DIR=str(data_dir))
        frontdesk = ["uv", "run", "frontdesk"]
        admin = ["--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD]
        run_cli([*frontdesk, "createadmin", *admin], env)
        token = run_cli([*frontdesk, "token", "create", "--agent", ADMIN_EMAIL], env)
        token = token.strip().splitlines()[-1]
        port = free_port()
        serve = [*frontdesk, "serve", "--port", str(port)]
        with Server(serve, port, env, tmp / "frontdesk.log") as server:
            fd_seq, fd_conc, warmed = measure(server, token, args)
            assert fd_seq is not None
            # What frontdesk's HTTP stack costs without the ticket: one trivial read.
            health = [http_request("GET", "/healthz", port, {})] * args.requests
            stack = run_load(port, health, 1, time_limit=args.time_limit, server=server)
        multi = None
        if args.processes > 1:
            port = free_port()
            serve = [*frontdesk, "serve", "--port", str(port), "--processes", str(args.processes)]
            with Server(serve, port, env, tmp / "frontdesk-multi.log") as server:
                _, multi, multi_warmed = measure(server, token, args, sequential=False)
                warmed += multi_warmed
        with sqlite3.connect(data_dir / "frontdesk.db") as db:
            stored = db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    others = load.note()

    print_table(
        "POST /api/v1/tickets over loopback; client and server share the machine's cores",
        LOAD_HEADERS,
        [
            floor_seq.row("floor: Starlette + uvicorn"),
            fd_seq.row("frontdesk serve (SQLite)"),
            stack.row("(stack only) frontdesk GET /healthz"),
            floor_conc.row("floor: Starlette + uvicorn"),
            fd_conc.row("frontdesk serve (SQLite)"),
            *([multi.row(f"frontdesk serve --processes {args.processes}")] if multi else []),
        ],
    )
    print(
        "CPU ms/req: CPU seconds the server process tree / this client process used, per "
        "request;\nothers' cores: cores that other processes on the machine kept busy meanwhile"
    )
    print(others)
    answered = fd_seq.ok + fd_conc.ok + warmed + (multi.ok if multi else 0)
    print(f"\ntickets stored by frontdesk: {stored} (201 answers incl. warm-up: {answered})")

    print(
        f"target ({args.clients} clients): >= {TARGET_RATE} creations/s and p99 < "
        f"{ms(TARGET_P99)} ms (aim {AIM_RATE}/s)"
    )
    runs = [("1 process", fd_conc)]
    if multi:
        runs.append((f"{args.processes} processes", multi))
    for label, result in runs:
        p99 = percentile(result.latencies, 99)
        verdict = "meets" if result.rate >= TARGET_RATE and p99 < TARGET_P99 else "misses"
        print(
            f"frontdesk, {label}: {result.rate:.0f}/s, p99 {ms(p99)} ms -> {verdict} the "
            f"target; {result.rate / floor_conc.rate:.1%} of the floor's {floor_conc.rate:.0f}/s"
        )
    best = max(result.rate for _, result in runs)
    print(
        f"for scale: django-helpdesk creates {DJANGO_HELPDESK_RATE} tickets/s via its API "
        f"on this kind of machine (frontdesk: {best / DJANGO_HELPDESK_RATE:.0f}x)"
    )


if __name__ == "__main__":
    main()
