"""The agent's pages rendered by the server: the inbox on a big SQLite database and a
ticket with a long conversation, each beside a floor (a bare Starlette app answering an
HTML table of the same number of rows, no database), both served by uvicorn in their own
process and asked over keep-alive HTTP one request at a time.

    uv run python bench/web_pages.py                      # 100 000 tickets, 200 messages
    uv run python bench/web_pages.py --data-dir /tmp/fdweb  # keep (and reuse) the seeded DB
"""

from __future__ import annotations

import argparse
import http.client
from pathlib import Path

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
from sqlalchemy import func, select
from ticket_list import ME, ME_EMAIL, prepare

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.config import Settings
from frontdesk.domain import tickets
from frontdesk.domain.actors import Actor
from frontdesk.domain.inbound import receive
from frontdesk.models import Agent, Message, Ticket
from frontdesk.runtime import Frontdesk

INBOX_TARGET_MS = 30.0
TICKET_TARGET_MS = 50.0
INBOX_ROWS = 50  # the inbox's page size


def long_conversation(data_dir: Path, messages: int) -> int:
    """A ticket of ME's with `messages` messages, customer and agent taking turns."""
    settings = Settings(data_dir=data_dir, secret_key="x" * 40, embedded_workers=0)
    fd = Frontdesk(settings)
    try:
        with fd.read() as session:
            me = Actor.for_agent(session.get_one(Agent, ME))
            ticket = session.scalar(
                select(Ticket)
                .where(Ticket.assignee_id == ME, Ticket.status == "open")
                .order_by(Ticket.id)
                .limit(1)
            )
            assert ticket is not None, "the seed gives agent 1 open tickets"
            have = session.scalar(
                select(func.count()).select_from(Message).where(Message.ticket_id == ticket.id)
            )
            ticket_id, contact_id, inbox_id = ticket.id, ticket.contact_id, ticket.inbox_id
        for i in range(int(have or 0), messages):
            with fd.transaction() as tx:
                if i % 2 == 0:
                    receive(
                        tx,
                        InboundMessage(
                            inbox_id=inbox_id,
                            sender=Sender(contact_id=contact_id),
                            text=f"Παράδειγμα μηνύματος {i}: η παραγγελία μου δεν έφτασε.\n" * 3,
                            ticket_id=ticket_id,
                        ),
                    )
                else:
                    tickets.reply(tx, me, ticket_id, f"Odgovor {i}: paket je na poti. " * 4)
        return ticket_id
    finally:
        fd.close()


def page_latencies(
    server: Server,
    path: str,
    headers: dict[str, str],
    iterations: int,
    time_limit: float,
) -> tuple[list[float], int, float]:
    """Latencies, the page's size, and the server's CPU seconds per request (which other
    processes on the machine disturb less than wall-clock latency)."""
    port = server.port
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    size = len(answer.read())
    conn.close()
    if answer.status != 200:
        raise SystemExit(f"GET {path} answered {answer.status}")
    request = http_request("GET", path, port, headers)
    run_load(port, [request] * 20, 1, time_limit=time_limit)  # warm up
    result = run_load(port, [request] * iterations, 1, time_limit=time_limit, server=server)
    for sample in result.error_samples:
        print(f"  HTTP error: {sample}")
    return result.latencies, size, result.server_cpu / max(len(result.latencies), 1)


def measure(data_dir: Path, args: argparse.Namespace) -> None:
    load = OtherLoad()
    ticket_id = long_conversation(data_dir, args.messages)
    env = bench_env(FRONTDESK_DATA_DIR=str(data_dir), FRONTDESK_EMBEDDED_WORKERS="0")
    token = run_cli(["uv", "run", "frontdesk", "token", "create", "--agent", ME_EMAIL], env)
    headers = {"Authorization": f"Bearer {token.strip().splitlines()[-1]}"}
    rows: list[list[object]] = []
    port = free_port()
    serve = ["uv", "run", "frontdesk", "serve", "--port", str(port)]
    pages = {
        "inbox: Mine": "/inbox?view=mine",
        "inbox: All open": "/inbox?view=all",
        f"ticket: {args.messages} messages": f"/tickets/{ticket_id}",
    }
    measured: dict[str, tuple[list[float], int, float]] = {}
    with Server(serve, port, env, data_dir / "serve.log") as server:
        for label, path in pages.items():
            measured[label] = page_latencies(
                server, path, headers, args.iterations, args.time_limit
            )
    floor_port = free_port()
    floor_cmd = ["uv", "run", "python", "bench/_floor_app.py", "--port", str(floor_port)]
    floors: dict[int, list[float]] = {}
    with Server(floor_cmd, floor_port, bench_env(), data_dir / "floor.log") as floor_server:
        for n in (INBOX_ROWS, args.messages):
            floors[n], _, _ = page_latencies(
                floor_server, f"/page?rows={n}", {}, args.iterations, args.time_limit
            )
    for label, (took, size, cpu) in measured.items():
        floor = floors[args.messages if label.startswith("ticket") else INBOX_ROWS]
        ratio = percentile(took, 50) / percentile(floor, 50)
        rows.append(
            [
                label,
                len(took),
                f"{size / 1024:.0f} KB",
                ms(percentile(took, 50)),
                ms(percentile(took, 95)),
                ms(cpu),
                ms(percentile(floor, 50)),
                ms(percentile(floor, 95)),
                f"{ratio:.1f}x",
            ]
        )
    print_table(
        f"Pages at {args.tickets} tickets (ms; floor: bare Starlette HTML table, same rows)",
        ["page", "n", "size", "p50", "p95", "cpu/req", "floor p50", "floor p95", "vs floor"],
        rows,
    )
    print(load.note())
    for label, (took, _, _) in measured.items():
        target = TICKET_TARGET_MS if label.startswith("ticket") else INBOX_TARGET_MS
        p95 = percentile(took, 95) * 1000
        verdict = "meets" if p95 < target else "misses"
        print(f"{label}: p95 {p95:.2f} ms -> {verdict} the target (< {target:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=300, help="requests per page")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per page")
    parser.add_argument("--data-dir", type=Path, help="seed here and keep it (reused if seeded)")
    args = parser.parse_args()

    def seed_and_measure(data: Path) -> None:
        prepare(data, args.tickets)
        measure(data, args)

    in_data_dir(args.data_dir, seed_and_measure)


if __name__ == "__main__":
    main()
