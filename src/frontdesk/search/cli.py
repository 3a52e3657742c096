"""What `frontdesk search reindex|index|query` do; frontdesk.cli declares the commands."""

from __future__ import annotations

import json
import time

import typer

from frontdesk.domain.actors import SYSTEM
from frontdesk.language import configure
from frontdesk.runtime import Frontdesk
from frontdesk.search.indexer import index_pending, reindex, unindexed_counts
from frontdesk.search.service import search


def run_reindex(fd: Frontdesk) -> int:
    configure(fd.settings.languages.split(","))
    total = sum(unindexed_counts(fd).values())
    started = time.perf_counter()
    with typer.progressbar(length=total, label="Indexing", show_pos=True) as bar:
        written = reindex(fd, progress=bar.update)
    seconds = time.perf_counter() - started
    typer.echo(f"indexed {written} documents in {seconds:.1f} s")
    return 0


def run_index(fd: Frontdesk) -> int:
    configure(fd.settings.languages.split(","))
    typer.echo(f"indexed {index_pending(fd)} changed documents")
    return 0


def run_query(fd: Frontdesk, text: str, limit: int) -> int:
    configure(fd.settings.languages.split(","))
    with fd.read() as session:
        for hit in search(session, SYSTEM, text, limit=limit):
            typer.echo(json.dumps(hit.__dict__, ensure_ascii=False))
    return 0
