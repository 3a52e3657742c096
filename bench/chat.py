"""Live chat against a real `frontdesk serve`, beside a floor (a bare Starlette WebSocket
echo/relay served by uvicorn) measured in the same run:

1. concurrent visitor sockets on one process, and the server's memory per connection;
2. visitor messages at a steady rate, delivered to an agent's event stream: p50/p99 from
   the visitor's send to the agent's event (each message stored through receive());
3. an agent's reply (POST) to the visitor's socket;
4. a new visitor's first message to the agent's `chat.waiting` event.

    uv run python bench/chat.py [--connections 1000] [--rate 1000] [--messages 3000]
                                [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import (
    HOST,
    OtherLoad,
    Server,
    bench_env,
    free_port,
    ms,
    percentile,
    print_table,
    run_cli,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ADMIN_EMAIL = "bench@example.com"
ADMIN_PASSWORD = "a long bench password"
TEXTS = [
    "Պատվերս չի հասել",
    "என் பொதி எங்கே?",
    "Kur ir mans sūtījums?",
    "Πού είναι η παραγγελία μου;",
    "Kje je moje naročilo?",
    "Where is my parcel?",
]
_PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its descendants."""
    total = 0
    try:
        total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_rss(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


@dataclass
class Visitor:
    socket: ClientConnection
    frames: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    reader: asyncio.Task[None] | None = None


@dataclass
class Delivery:
    sent: dict[str, float] = field(default_factory=dict)  # client id → send time
    ids: dict[int, str] = field(default_factory=dict)  # message id → client id
    received: dict[int, float] = field(default_factory=dict)  # message id → event time
    acked: int = 0


async def read_visitor(visitor: Visitor, delivery: Delivery | None) -> None:
    with contextlib.suppress(ConnectionClosed):
        await _read_visitor(visitor, delivery)


async def _read_visitor(visitor: Visitor, delivery: Delivery | None) -> None:
    async for raw in visitor.socket:
        frame = json.loads(raw)
        if frame["type"] == "ack" and delivery is not None:
            delivery.ids[frame["id"]] = frame["client_id"]
            delivery.acked += 1
        else:
            visitor.frames.put_nowait(frame)


async def next_frame(visitor: Visitor, kind: str, timeout: float = 30) -> dict[str, Any]:
    while True:
        frame = await asyncio.wait_for(visitor.frames.get(), timeout)
        if frame["type"] == kind:
            return frame


async def open_visitor(url: str, delivery: Delivery | None) -> Visitor:
    socket = await connect(url, open_timeout=60, max_queue=None, ping_interval=None)
    visitor = Visitor(socket)
    visitor.reader = asyncio.create_task(read_visitor(visitor, delivery))
    await socket.send(json.dumps({"type": "hello", "locale": "hy"}))
    await next_frame(visitor, "welcome", 60)
    return visitor


async def open_many(url: str, count: int, delivery: Delivery, deadline: float) -> list[Visitor]:
    visitors: list[Visitor] = []
    while len(visitors) < count and time.perf_counter() < deadline:
        batch = min(100, count - len(visitors))
        visitors += await asyncio.gather(*(open_visitor(url, delivery) for _ in range(batch)))
    return visitors


async def close_all(visitors: list[Visitor]) -> None:
    await asyncio.gather(*(v.socket.close() for v in visitors), return_exceptions=True)
    for visitor in visitors:
        if visitor.reader:
            visitor.reader.cancel()


async def paced(count: int, rate: float, time_limit: float, send: Any) -> int:
    """Call send(i) at `rate` per second; returns how many were sent."""
    start = time.perf_counter()
    for i in range(count):
        due = start + i / rate
        now = time.perf_counter()
        if now - start > time_limit:
            return i
        if due > now:
            await asyncio.sleep(due - now)
        await send(i)
    return count


# ---- frontdesk --------------------------------------------------------------------------


async def frontdesk_run(
    base: str, token: str, inbox: int, args: argparse.Namespace, pid: int
) -> dict[str, Any]:
    ws = base.replace("http://", "ws://")
    visitor_url = f"{ws}/chat/{inbox}/socket"
    out: dict[str, Any] = {}
    delivery = Delivery()
    agent = await connect(
        f"{ws}/api/v1/events",
        additional_headers={"Authorization": f"Bearer {token}"},
        max_queue=None,
        ping_interval=None,
    )
    await agent.recv()  # ready
    waiting: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def read_agent() -> None:
        async for raw in agent:
            event = json.loads(raw)
            if event["type"] == "message.received":
                delivery.received[event["message_id"]] = time.perf_counter()
            elif event["type"] == "chat.waiting":
                waiting.put_nowait(event)

    agent_reader = asyncio.create_task(read_agent())

    # 1. connections and memory
    before = tree_rss(pid)
    start = time.perf_counter()
    visitors = await open_many(visitor_url, args.connections, delivery, start + args.time_limit)
    out["connect_s"] = time.perf_counter() - start
    await asyncio.sleep(1)  # let the server settle its buffers
    out["connections"] = len(visitors)
    out["rss_per_conn"] = (tree_rss(pid) - before) / max(len(visitors), 1)

    # 2. messages at a steady rate, visitor → agent
    chatters = visitors[: args.chatters]
    for n, visitor in enumerate(chatters):  # each opens its chat first (warm-up)
        await visitor.socket.send(
            json.dumps({"type": "message", "client_id": f"w{n}", "text": "Բարև"})
        )
    await wait_for(lambda: delivery.acked >= len(chatters), args.time_limit)

    out["delivery"] = await deliver(chatters, delivery, "m", args.rate, args.messages, args)
    steady = max(1, int(args.steady_rate * 5))
    out["steady"] = await deliver(chatters, delivery, "s", args.steady_rate, steady, args)

    # 3. agent reply → visitor: one chat, accepted by the agent
    first_chat = await wait_for_chat(base, token)
    replies: list[float] = []
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        (await api.post(f"/api/v1/chats/{first_chat['id']}/accept")).raise_for_status()
        target = await find_visitor(chatters, first_chat)
        deadline = time.perf_counter() + args.time_limit
        for i in range(args.replies):
            if time.perf_counter() > deadline:
                break
            t0 = time.perf_counter()
            answer = await api.post(
                f"/api/v1/chats/{first_chat['id']}/reply", json={"text": f"Պատասխան {i}"}
            )
            answer.raise_for_status()
            while True:
                frame = await next_frame(target, "message")
                if frame["from"] == "agent" and frame["id"] == answer.json()["id"]:
                    break
            replies.append(time.perf_counter() - t0)
    out["replies"] = replies

    # 4. a new visitor's first message → the agent's chat.waiting
    firsts: list[float] = []
    deadline = time.perf_counter() + args.time_limit
    for _ in range(args.first_messages):
        if time.perf_counter() > deadline:
            break
        newcomer = await open_visitor(visitor_url, None)
        while not waiting.empty():  # announcements of earlier chats
            waiting.get_nowait()
        t0 = time.perf_counter()
        await newcomer.socket.send(
            json.dumps({"type": "message", "client_id": "first", "text": "Ողջույն"})
        )
        await asyncio.wait_for(waiting.get(), 30)
        firsts.append(time.perf_counter() - t0)
        await close_all([newcomer])
    out["firsts"] = firsts

    await close_all(visitors)
    agent_reader.cancel()
    await agent.close()
    return out


async def deliver(
    chatters: list[Visitor],
    delivery: Delivery,
    prefix: str,
    rate: float,
    count: int,
    args: argparse.Namespace,
) -> tuple[int, list[float], float]:
    """Send `count` messages at `rate`; returns (sent, latencies to the agent's event, wall)."""
    acked_before = delivery.acked

    async def send(i: int) -> None:
        cid = f"{prefix}{i}"
        delivery.sent[cid] = time.perf_counter()
        frame = {"type": "message", "client_id": cid, "text": TEXTS[i % len(TEXTS)]}
        await chatters[i % len(chatters)].socket.send(json.dumps(frame))

    start = time.perf_counter()
    sent = await paced(count, rate, args.time_limit, send)
    await wait_for(lambda: delivery.acked >= acked_before + sent, args.time_limit)
    ours = [(mid, cid) for mid, cid in delivery.ids.items() if cid.startswith(prefix)]
    await wait_for(lambda: all(mid in delivery.received for mid, _ in ours), args.time_limit)
    latencies = [
        delivery.received[mid] - delivery.sent[cid] for mid, cid in ours if mid in delivery.received
    ]
    return sent, latencies, time.perf_counter() - start


async def wait_for(condition: Any, limit: float) -> None:
    deadline = time.perf_counter() + limit
    while not condition() and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)


async def wait_for_chat(base: str, token: str) -> dict[str, Any]:
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        chats = (await api.get("/api/v1/chats", params={"state": "waiting"})).json()["items"]
    return dict(chats[0])


async def find_visitor(chatters: list[Visitor], chat: dict[str, Any]) -> Visitor:
    """The socket of the chat's visitor: the one that got the chat's `active` frame."""
    for visitor in chatters:
        while not visitor.frames.empty():
            frame = visitor.frames.get_nowait()
            if frame["type"] == "chat" and frame["id"] == chat["id"] and frame["state"] == "active":
                return visitor
    await asyncio.sleep(0.2)
    return await find_visitor(chatters, chat)


# ---- floor --------------------------------------------------------------------------------


async def floor_run(port: int, args: argparse.Namespace, pid: int) -> dict[str, Any]:
    base = f"ws://{HOST}:{port}"
    out: dict[str, Any] = {}
    before = tree_rss(pid)
    sockets: list[ClientConnection] = []
    start = time.perf_counter()
    while len(sockets) < args.connections and time.perf_counter() - start < args.time_limit:
        batch = min(100, args.connections - len(sockets))
        opened = await asyncio.gather(
            *(connect(f"{base}/echo", ping_interval=None) for _ in range(batch))
        )
        for socket in opened:
            await socket.send("hello")
            await socket.recv()
        sockets += opened
    out["connect_s"] = time.perf_counter() - start
    await asyncio.sleep(1)
    out["connections"] = len(sockets)
    out["rss_per_conn"] = (tree_rss(pid) - before) / max(len(sockets), 1)
    await asyncio.gather(*(s.close() for s in sockets))

    agent = await connect(f"{base}/relay/agent", max_queue=None, ping_interval=None)
    received: dict[str, float] = {}

    async def read_agent() -> None:
        async for raw in agent:
            received[str(raw)] = time.perf_counter()

    reader = asyncio.create_task(read_agent())
    chatters = [
        await connect(f"{base}/relay/visitor", ping_interval=None) for _ in range(args.chatters)
    ]
    sent: dict[str, float] = {}

    async def send(i: int) -> None:
        text = json.dumps({"client_id": f"m{i}", "text": TEXTS[i % len(TEXTS)]})
        sent[text] = time.perf_counter()
        await chatters[i % len(chatters)].send(text)

    for key, rate, count in (
        ("delivery", args.rate, args.messages),
        ("steady", args.steady_rate, max(1, int(args.steady_rate * 5))),
    ):
        sent.clear()
        received.clear()
        start = time.perf_counter()
        done = await paced(count, rate, args.time_limit, send)
        await wait_for(lambda done=done: len(received) >= done, args.time_limit)
        latencies = [received[k] - t for k, t in sent.items() if k in received]
        out[key] = (done, latencies, time.perf_counter() - start)

    firsts = []
    for n in range(args.first_messages):
        newcomer = await connect(f"{base}/relay/visitor", ping_interval=None)
        text = f"first-{n}"
        t0 = time.perf_counter()
        await newcomer.send(text)
        await wait_for(lambda text=text: text in received, 30)
        firsts.append(received[text] - t0)
        await newcomer.close()
    out["firsts"] = firsts
    await asyncio.gather(*(c.close() for c in chatters))
    reader.cancel()
    await agent.close()
    return out


# ---- main ---------------------------------------------------------------------------------


def setup(env: dict[str, str], base: str, token: str) -> int:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api:
        me = api.get("/api/v1/me").json()
        agent_id = me["id"]
        api.patch(f"/api/v1/agents/{agent_id}", json={"availability": "online"}).raise_for_status()
        api.put(
            f"/api/v1/agents/{agent_id}/chat-capacity", json={"max_chats": 50}
        ).raise_for_status()
        inbox = api.post(
            "/api/v1/inboxes", json={"name": "Bench chat", "kind": "chat", "config": {}}
        )
        inbox.raise_for_status()
        return int(inbox.json()["id"])


def lat_row(label: str, latencies: list[float], extra: str = "") -> list[object]:
    return [
        label,
        len(latencies),
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
        ms(max(latencies)) if latencies else "-",
        extra,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=1000)
    # A visitor may send 10 messages at once, then 1 a second (the rate limit): the load
    # is spread over many visitors, as it would be in life.
    parser.add_argument("--chatters", type=int, default=1000, help="visitors who send messages")
    parser.add_argument("--rate", type=float, default=1000.0, help="messages per second")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument(
        "--steady-rate", type=float, default=50.0, help="a second, gentler rate (5 s of it)"
    )
    parser.add_argument("--replies", type=int, default=100)
    parser.add_argument("--first-messages", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument(
        "--processes", type=int, default=1, help="`frontdesk serve --processes N` (one per core)"
    )
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per phase")
    args = parser.parse_args()

    load = OtherLoad()
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        floor_cmd = ["uv", "run", "python", "bench/_floor_app.py", "--port", str(port)]
        with Server(floor_cmd, port, bench_env(), tmp / "floor.log") as floor:
            floor_out = asyncio.run(floor_run(port, args, floor.pid))

        settings = {
            "FRONTDESK_DATA_DIR": str(tmp / "data"),
            # Every bench socket comes from one loopback address: lift the limits per
            # address, which are meant for visitors on the internet.
            "FRONTDESK_CHAT_CONNECTIONS_PER_IP": "100000",
            "FRONTDESK_CHAT_MESSAGES_PER_IP_MINUTE": "1000000",
        }
        if args.database_url:
            settings["FRONTDESK_DATABASE_URL"] = args.database_url
        env = bench_env(**settings)
        frontdesk = ["uv", "run", "frontdesk"]
        run_cli(
            [*frontdesk, "createadmin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD], env
        )
        token = (
            run_cli([*frontdesk, "token", "create", "--agent", ADMIN_EMAIL], env)
            .strip()
            .splitlines()[-1]
        )
        port = free_port()
        serve = [*frontdesk, "serve", "--port", str(port), "--processes", str(args.processes)]
        with Server(serve, port, env, tmp / "frontdesk.log") as server:
            base = f"http://{HOST}:{port}"
            inbox = setup(env, base, token)
            fd_out = asyncio.run(frontdesk_run(base, token, inbox, args, server.pid))
    others = load.note()

    db = "PostgreSQL" if args.database_url else "SQLite"
    print_table(
        f"Concurrent visitor sockets on one process ({db})",
        ["", "sockets", "open s", "server memory per socket"],
        [
            [
                "floor: Starlette WebSocket echo",
                floor_out["connections"],
                f"{floor_out['connect_s']:.1f}",
                f"{floor_out['rss_per_conn'] / 1024:.1f} KiB",
            ],
            [
                "frontdesk visitor socket (hello + welcome)",
                fd_out["connections"],
                f"{fd_out['connect_s']:.1f}",
                f"{fd_out['rss_per_conn'] / 1024:.1f} KiB",
            ],
        ],
    )
    for key, rate in (("delivery", args.rate), ("steady", args.steady_rate)):
        rows = []
        for label, out in (
            ("floor: Starlette relay", floor_out),
            ("frontdesk: receive() → event bus", fd_out),
        ):
            _, latencies, wall = out[key]
            rows.append(lat_row(label, latencies, f"{len(latencies) / wall:.0f}/s of {rate:.0f}/s"))
        print_table(
            f"Visitor message → agent's event stream, {args.chatters} visitors, at {rate:.0f}/s",
            ["", "delivered", "p50 ms", "p99 ms", "max ms", "throughput"],
            rows,
        )
    print_table(
        "Agent reply (POST /api/v1/chats/{id}/reply) → visitor's socket, one at a time",
        ["", "replies", "p50 ms", "p99 ms", "max ms", ""],
        [lat_row("frontdesk", fd_out["replies"])],
    )
    print_table(
        "A new visitor's first message → the agent's event (chat.waiting)",
        ["", "visitors", "p50 ms", "p99 ms", "max ms", ""],
        [
            lat_row("floor: Starlette relay", floor_out["firsts"]),
            lat_row("frontdesk", fd_out["firsts"]),
        ],
    )
    print("target: p99 < 50 ms for delivery at 1 k messages/s")
    print(others)


if __name__ == "__main__":
    main()
