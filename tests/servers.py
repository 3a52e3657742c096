"""Real `frontdesk` processes for tests: the installed console script, started with a clean
FRONTDESK_* environment, watched through their output, and always stopped afterwards."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from frontdesk.config import Settings
from tests.webhook_receiver import Delivery

FRONTDESK = Path(sys.executable).parent / "frontdesk"
PATIENCE_SECONDS = 30.0


def wait_until(condition: Callable[[], Any], what: str, timeout: float = PATIENCE_SECONDS) -> Any:
    """Poll until `condition()` is truthy and return it; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.05)


def frontdesk_env(**settings: object) -> dict[str, str]:
    """This environment minus any FRONTDESK_* variable, plus the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FRONTDESK_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update({f"FRONTDESK_{k.upper()}": str(v) for k, v in settings.items() if v is not None})
    return env


def env_for(settings: Settings, **more: object) -> dict[str, str]:
    """The environment that points a process at the same database as a test's settings."""
    return frontdesk_env(
        database_url=settings.resolved_database_url,
        data_dir=settings.data_dir,
        secret_key=settings.secret_key,
        **more,
    )


def run(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one `frontdesk` command to completion."""
    return subprocess.run(
        [str(FRONTDESK), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Process:
    """A running `frontdesk` command whose output (stdout and stderr) is collected."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.args = args
        self.popen = subprocess.Popen(
            [str(FRONTDESK), *args],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def wait_for_output(self, text: str, timeout: float = PATIENCE_SECONDS) -> None:
        wait_until(
            lambda: text in self.output or not self.running(),
            f"{text!r} from frontdesk {' '.join(self.args)}",
            timeout,
        )
        assert text in self.output, f"the process ended without printing {text!r}:\n{self.output}"

    def signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def wait(self, timeout: float = PATIENCE_SECONDS) -> int:
        code = self.popen.wait(timeout)
        self._reader.join(5)
        return code

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not go; only this process, by its id."""
        if self.running():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(15)
        self._reader.join(5)
        if self.popen.stdout is not None:
            self.popen.stdout.close()


@contextmanager
def started(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[Process]:
    process = Process(args, env, cwd)
    try:
        yield process
    finally:
        process.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: Process
    url: str

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=PATIENCE_SECONDS)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _start_serving(env: dict[str, str], cwd: Path, extra: tuple[str, ...]) -> Server:
    port = free_port()
    return Server(
        Process(["serve", "--port", str(port), *extra], env, cwd), f"http://127.0.0.1:{port}"
    )


@contextmanager
def serving_several(
    count: int, env: dict[str, str], cwd: Path, *extra: str
) -> Iterator[list[Server]]:
    """`count` processes of `frontdesk serve`, started together, each on a free port, once
    every /healthz answers 200."""
    servers = [_start_serving(env, cwd, extra) for _ in range(count)]
    try:
        for n in range(count):
            for _ in range(3):  # another program may take the port before it is bound
                up = servers[n]
                wait_until(
                    lambda up=up: _healthy(up.url) or not up.process.running(),
                    "frontdesk serve to answer /healthz",
                )
                if up.process.running() or "address already in use" not in up.process.output:
                    break
                up.process.stop()
                servers[n] = _start_serving(env, cwd, extra)
            process = servers[n].process
            assert process.running(), f"frontdesk serve ended:\n{process.output}"
        yield servers
    finally:
        for server in servers:
            server.process.stop()


@contextmanager
def serving(env: dict[str, str], cwd: Path, *extra: str) -> Iterator[Server]:
    """`frontdesk serve` on a free port, once /healthz answers 200."""
    with serving_several(1, env, cwd, *extra) as [server]:
        yield server


@contextmanager
def served_in_thread(app: Any) -> Iterator[str]:
    """Serve an in-process app with uvicorn on a free port (for real WebSocket clients,
    which, unlike the test client, can wait with a timeout); yields the base URL."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), "uvicorn to start")
        assert server.started, "uvicorn did not start"
        [listener] = [s for srv in server.servers for s in srv.sockets]
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(PATIENCE_SECONDS)


@dataclass
class HeldReceiver:
    """A webhook receiver that holds the first `hold` requests open until released (as a
    slow or hung integrator does) and answers every other request with 200 at once."""

    url: str = ""
    hold: int = 1
    received: list[Delivery] = field(default_factory=list)  # at arrival, held or not
    arrived: threading.Event = field(default_factory=threading.Event)  # a held one came in
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


@contextmanager
def held_receiver(hold: int = 1) -> Iterator[HeldReceiver]:
    receiver = HeldReceiver(hold=hold)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                receiver.received.append(Delivery(dict(self.headers.items()), body))
                held = len(receiver.received) <= receiver.hold
            if held:
                receiver.arrived.set()
                receiver.released.wait(PATIENCE_SECONDS * 2)
            with suppress(OSError):  # the sender may have died meanwhile
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release()
        server.shutdown()
        server.server_close()
