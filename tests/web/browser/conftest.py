"""Browser tests run on SQLite only: what they check is the pages, not the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    target = tmp_path / "frontdesk.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"
