"""Every benchmark still runs against the current schema (tiny sizes; no figure is judged)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "args",
    [
        ["bench/receive.py", "--messages", "20", "--threads", "5"],
        ["bench/ticket_list.py", "--tickets", "2000", "--iterations", "5"],
        ["bench/email_ingest.py", "--messages", "30"],
        ["bench/web_pages.py", "--tickets", "2000", "--messages", "10", "--iterations", "5"],
        [
            "bench/sla_routing.py",
            "--open-tickets",
            "500",
            "--routing-tickets",
            "300",
            "--agents",
            "12",
            "--decisions",
            "20",
        ],
        [
            "bench/search.py",
            "--messages",
            "300",
            "--queries",
            "5",
            "--lag-messages",
            "10",
            "--backend",
            "sqlite",
        ],
        [
            "bench/chat.py",
            *("--connections", "20", "--chatters", "5", "--messages", "20", "--rate", "20"),
            *("--steady-rate", "4", "--replies", "3", "--first-messages", "2"),
        ],
        [
            "bench/create_tickets.py",
            "--requests",
            "20",
            "--concurrent-requests",
            "40",
            "--warmup",
            "5",
        ],
    ],
    ids=lambda args: Path(args[0]).stem,
)
def test_the_benchmark_runs(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "floor" in done.stdout
