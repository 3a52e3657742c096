"""Shared helpers for the benchmark scripts: ports, server processes, a small keep-alive
HTTP/1.1 load client, percentiles and tables.

Everything talks to 127.0.0.1 only, and every loop is bounded by a count and a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
_TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100), interpolated between the nearest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for child processes, without any FRONTDESK_* setting of the caller.
    Bytecode is cached even where the caller's shell says not to: an installed Frontdesk
    has its bytecode, and compiling every module again would count as the server's work."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FRONTDESK_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(extra)
    return env


def in_data_dir(keep: Path | None, run: Callable[[Path], None]) -> None:
    """Run in `keep`, left in place so that a slow seed is done once, or in a temporary
    directory removed afterwards."""
    if keep:
        run(keep)
        return
    tmp = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    try:
        run(tmp / "data")
    finally:
        shutil.rmtree(tmp)


def run_cli(args: Sequence[str], env: dict[str, str]) -> str:
    """Run a command in the project (e.g. `uv run frontdesk ...`) and return its stdout."""
    done = subprocess.run(
        list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants, the
    ones still running and the ones already waited for."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(f) for f in fields[11:15]) / _TICK
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += process_tree_cpu(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / _TICK


class OtherLoad:
    """How many cores other processes on the machine kept busy while we measured: the
    figures mean little when this is not near zero."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.busy = machine_busy()
        self.own = process_tree_cpu(os.getpid())

    def cores(self) -> float:
        wall = time.perf_counter() - self.wall
        own = process_tree_cpu(os.getpid()) - self.own
        return max(machine_busy() - self.busy - own, 0.0) / wall

    def note(self) -> str:
        return (
            f"machine: {os.cpu_count()} cores; other processes kept {self.cores():.2f} cores "
            f"busy meanwhile (load average now {os.getloadavg()[0]:.2f})"
        )


class Server:
    """A server subprocess in its own process group, ready once `health` answers 200 (or,
    with `health=None`, once its port takes a connection: a server that is not HTTP)."""

    def __init__(
        self,
        args: Sequence[str],
        port: int,
        env: dict[str, str],
        log_path: Path,
        health: str | None = "/healthz",
        start_timeout: float = 120.0,
    ) -> None:
        self.args = list(args)
        self.port = port
        self.env = env
        self.log_path = log_path
        self.health = health
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_tail()}")
            if self._healthy():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not ready after {self.start_timeout}s:\n{self.log_tail()}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu(self) -> float:
        return process_tree_cpu(self.pid)

    def _healthy(self) -> bool:
        if self.health is None:
            try:
                socket.create_connection((HOST, self.port), timeout=2).close()
            except OSError:
                return False
            return True
        conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            conn.request("GET", self.health)
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        """SIGTERM to the group this server started (uv and its child), SIGKILL if stuck."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


# ---- HTTP/1.1 keep-alive load client ----------------------------------------------------


def http_request(
    method: str, path: str, port: int, headers: dict[str, str], body: bytes = b""
) -> bytes:
    """One request, ready to write to a socket."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> tuple[int, bytes, bool]:
        """Send one request; returns (status, body, whether the server will close)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, closing = None, False, False
        for line in header_lines:
            name, _, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection" and value == b"close":
                closing = True
        if length is not None:
            body = await self.reader.readexactly(length)
        elif chunked:
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            closing = True
        return status, body, closing

    def close(self) -> None:
        self.writer.close()


@dataclass
class LoadResult:
    clients: int
    sent: int = 0
    ok: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    client_cpu: float = 0.0
    server_cpu: float | None = None
    machine_cpu: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.sent - self.ok

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0

    def row(self, label: str) -> list[object]:
        """label, clients, sent, errors, req/s, p50, p95, p99, server and client CPU per
        request, and the cores other processes kept busy meanwhile."""
        per = max(self.sent, 1)
        server = "-" if self.server_cpu is None else ms(self.server_cpu / per)
        others = self.machine_cpu - self.client_cpu - (self.server_cpu or 0.0)
        lat = self.latencies
        return [
            label,
            self.clients,
            self.sent,
            self.errors,
            f"{self.rate:.0f}",
            ms(percentile(lat, 50)),
            ms(percentile(lat, 95)),
            ms(percentile(lat, 99)),
            server,
            ms(self.client_cpu / per),
            f"{max(others, 0.0) / self.wall:.2f}" if self.wall else "-",
        ]


LOAD_HEADERS = [
    "",
    "clients",
    "requests",
    "errors",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "server CPU ms/req",
    "client CPU ms/req",
    "others' cores",
]


async def _load(
    port: int,
    requests: Sequence[bytes],
    clients: int,
    expect: int,
    time_limit: float,
    result: LoadResult,
) -> None:
    deadline = time.perf_counter() + time_limit
    position = 0  # shared by the workers; they run on one event loop

    async def client() -> None:
        nonlocal position
        conn: _Connection | None = None
        while position < len(requests) and time.perf_counter() < deadline:
            request = requests[position]
            position += 1
            result.sent += 1
            try:
                if conn is None:
                    conn = await asyncio.wait_for(_Connection.open(port), 10)
                start = time.perf_counter()
                status, body, closing = await asyncio.wait_for(conn.exchange(request), 30)
                result.latencies.append(time.perf_counter() - start)
            except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError) as exc:
                if len(result.error_samples) < 3:
                    result.error_samples.append(repr(exc))
                if conn is not None:
                    conn.close()
                conn = None
                continue
            if status == expect:
                result.ok += 1
            elif len(result.error_samples) < 3:
                result.error_samples.append(f"{status}: {body[:300]!r}")
            if closing:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run_load(
    port: int,
    requests: Sequence[bytes],
    clients: int,
    *,
    expect: int = 200,
    time_limit: float = 60.0,
    server: Server | None = None,
) -> LoadResult:
    """Send `requests` over `clients` keep-alive connections, each waiting for its answer
    before sending the next; stops when the requests run out or after `time_limit` s."""
    result = LoadResult(clients)
    server_cpu = server.cpu() if server else 0.0
    busy = machine_busy()
    cpu = time.process_time()
    start = time.perf_counter()
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(_load(port, requests, clients, expect, time_limit, result))
    result.wall = time.perf_counter() - start
    result.client_cpu = time.process_time() - cpu
    result.machine_cpu = machine_busy() - busy
    if server is not None:
        result.server_cpu = server.cpu() - server_cpu
    return result
