"""`frontdesk search reindex|index|query`, run as the installed command."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, select

from frontdesk.models import Message
from tests.servers import frontdesk_env, run


def test_reindex_shows_progress_and_the_index_answers_queries(tmp_path: Path) -> None:
    env = frontdesk_env(data_dir=tmp_path / "data")
    assert run("demo", "--no-serve", env=env, cwd=tmp_path).returncode == 0

    rebuilt = run("search", "reindex", env=env, cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Indexing" in rebuilt.stdout
    assert "indexed" in rebuilt.stdout and "documents" in rebuilt.stdout

    again = run("search", "index", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "indexed 0 changed documents" in again.stdout

    # Filters alone are no query: nothing, and no error.
    filters_only = run("search", "query", "type:ticket lang:hy", env=env, cwd=tmp_path)
    assert filters_only.returncode == 0, filters_only.stderr
    assert filters_only.stdout.strip() == ""

    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'frontdesk.db'}")
    with engine.connect() as conn:
        text = conn.scalar(select(Message.text).order_by(Message.id).limit(1)) or ""
    engine.dispose()
    word = max(text.split(), key=len).strip(".,!?;:()«»\"'")
    done = run("search", "query", word, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    hits = [json.loads(line) for line in done.stdout.splitlines()]
    assert hits and hits[0]["type"] == "ticket"
    assert "<mark>" in hits[0]["snippet"]
