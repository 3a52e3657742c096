"""Alembic environment: the same migrations for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alembic import context

import frontdesk.models  # noqa: F401  (registers every table)
from frontdesk.db.base import Base
from frontdesk.db.engine import make_engine
from frontdesk.search.schema import is_unmanaged

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(url, pool_size=1)
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # SQLite changes a table by copying it, which breaks foreign keys midway;
                # they are checked once the migration is done instead.
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            _run(connection)
            if sqlite:
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                connection.commit()
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
                if problems:
                    raise RuntimeError(f"foreign keys broken by the migration: {problems[:5]}")
        engine.dispose()
    else:
        _run(connectable)


def _include_name(name: str | None, type_: str, parent_names: Mapping[Any, str | None]) -> bool:
    # The search index keeps objects of its own per database (FTS5, tsvector, GIN).
    return not is_unmanaged(name, type_, parent_names.get("table_name"))


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
