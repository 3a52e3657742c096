"""Rows written and read with prebuilt Core statements, handed to the session as ORM objects.

The inbound path runs for every message of every channel. Building a statement and running
the ORM's unit of work cost several times the CPU of the SQL itself (a new ticket took
2.3 ms against 0.6 ms on SQLite), so hot paths write and read single rows here: each
statement is built once per table, and each row is *adopted*, attached to the session as if
a query had loaded it (persistent, clean, no further SQL). Code after it in the same
transaction, ORM or not, sees one object per row and can change it as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Column,
    Insert,
    Integer,
    Select,
    Table,
    Update,
    bindparam,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session, class_mapper, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, instance_state, set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

from frontdesk.db.base import Base

M = TypeVar("M", bound=Base)


def insert_row(session: Session, cls: type[M], **given: Any) -> M:
    """INSERT a row (column defaults filled in Python) and return its adopted object.

    Relationships are not written: insert their rows separately and attach them with
    `set_loaded`. The id comes back through RETURNING.
    """
    serial = _serial(cls)
    values = dict(given)
    for column in _table(cls).columns:
        if column.key in values or column is serial:
            continue
        default = column.default
        if default is None and column.server_default is not None:
            continue  # the database fills it in; the object reads it when first asked
        if default is None:
            values[column.key] = None
        elif default.is_callable:
            values[column.key] = default.arg(None)  # type: ignore[attr-defined]
        else:
            values[column.key] = default.arg  # type: ignore[attr-defined]
    cursor = write(session, _insert(cls), values)
    if serial is not None:
        values[serial.key] = cursor.fetchone()[0]
    return adopt(session, _build(cls, values))


def get_row(session: Session, cls: type[M], pk: Any) -> M | None:
    """Like `session.get`, without eager-loading relationships: they load when first read."""
    if (known := session.identity_map.get(identity_key(cls, pk))) is not None:
        return known
    return first_object(session, cls, _select_by_id(cls), {"pk": pk})


def first_object(
    session: Session, cls: type[M], statement: Select[Any], params: dict[str, Any]
) -> M | None:
    """The object of the first row of a prebuilt `select(<cls's table>)...`, or None."""
    rows = read(session, statement, params)
    if not rows:
        return None
    return from_row(session, cls, dict(zip(_column_keys_in_order(cls), rows[0], strict=True)))


def leading_object(session: Session, cls: type[M], row: tuple[Any, ...]) -> M:
    """The object for a row of a prebuilt `select(<cls's table>, more columns...)`: the
    table's columns first, in order, then whatever else the statement joined in."""
    keys = _column_keys_in_order(cls)
    return from_row(session, cls, dict(zip(keys, row[: len(keys)], strict=True)))


def from_row(session: Session, cls: type[M], values: Any) -> M:
    """The object for a row read with Core: the session's own if it holds one already."""
    pk = tuple(values[c.key] for c in _table(cls).primary_key.columns)
    known = session.identity_map.get(identity_key(cls, pk if len(pk) > 1 else pk[0]))
    if known is not None:
        return known
    return adopt(session, _build(cls, values))


def adopt(session: Session, obj: M) -> M:
    """Attach an object whose row exists in the database as persistent and unchanged."""
    make_transient_to_detached(obj)
    # What session.add() does for a detached object, without its walk of the mapper's
    # relationships for related objects to add too: one just built has none loaded, and
    # the walk was half the cost of adopting a ticket.
    session._update_impl(instance_state(obj))
    return obj


def hold(session: Session, obj: Base) -> None:
    """Keep `obj` in the session's identity map until the session ends. The map holds
    objects weakly, so one that no code references any more is read again by the next
    action of a group-commit batch that asks for it (the inbox, for every message)."""
    session.info.setdefault("held", []).append(obj)


def set_loaded(obj: Base, relationship: str, value: Any) -> None:
    """Fill a relationship of an adopted object without marking it changed."""
    set_committed_value(obj, relationship, value)


def write_changes(session: Session, obj: Base) -> None:
    """Write what changed in a loaded object's columns now, with an UPDATE built once per
    set of columns, and count it as written: what a flush would do for this one object,
    without the unit of work."""
    state = inspect(obj)
    columns = _column_keys(type(obj))
    changed = {key: state.dict.get(key) for key in state.committed_state if key in columns}
    if not changed:
        return
    (pk,) = state.identity or (None,)
    keys = tuple(sorted(changed))
    values = {f"new_{key}": changed[key] for key in keys}
    write(session, _update(type(obj), keys), {"pk": pk, **values})
    for key, value in changed.items():
        set_committed_value(obj, key, value)
    if not state.committed_state:
        # Nothing else pending: clean, as after a flush. Otherwise the object stays
        # "modified" and the next flush walks it for nothing.
        state._commit_all(state.dict, session.identity_map)


def write(session: Session, statement: UpdateBase, params: dict[str, Any]) -> Any:
    """Run a prebuilt INSERT, UPDATE or DELETE in the session's transaction straight on
    the driver's connection; returns the driver's cursor (for a RETURNING row).

    SQLAlchemy's execution (events, parameter and result set-up) costs several times what
    SQLite takes to run one of these statements, and the inbound path runs about ten per
    message. The SQL and the conversion of each value are SQLAlchemy's own, compiled once
    per statement and set of parameter names.
    """
    connection = connection_of(session)
    raw = _raw(statement, connection.dialect, frozenset(params))
    return _run(connection, raw, raw.bind(params))


def write_many(session: Session, statement: UpdateBase, rows: list[dict[str, Any]]) -> None:
    """`write` for many rows of the same parameter names (one executemany)."""
    connection = connection_of(session)
    raw = _raw(statement, connection.dialect, frozenset(rows[0]))
    _run(connection, raw, [raw.bind(params) for params in rows], many=True)


def read(session: Session, statement: Select[Any], params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of a prebuilt SELECT, values converted as SQLAlchemy would (see `write`).
    A statement with an expanding parameter (`IN` a list) goes through SQLAlchemy."""
    connection = connection_of(session)
    raw = _raw(statement, connection.dialect, frozenset(params))
    if raw.expanding:
        return [tuple(row) for row in connection.execute(statement, params)]
    rows = _run(connection, raw, raw.bind(params)).fetchall()
    if not raw.results:
        return rows  # type: ignore[no-any-return]
    converters = raw.results
    return [
        tuple(
            v if convert is None else convert(v) for v, convert in zip(row, converters, strict=True)
        )
        for row in rows
    ]


def read_scalar(session: Session, statement: Select[Any], params: dict[str, Any]) -> Any:
    """The first column of the first row, or None."""
    rows = read(session, statement, params)
    return rows[0][0] if rows else None


def connection_of(session: Session) -> Connection:
    """`session.connection()`, remembered for the session's current transaction: asking
    the session walks its transaction's state machine, and the inbound path asks about
    ten times per message."""
    transaction = session.get_transaction()
    known = session.info.get("connection")
    if transaction is not None and known is not None and known[0] is transaction:
        return known[1]  # type: ignore[no-any-return]
    connection = session.connection()
    session.info["connection"] = (session.get_transaction(), connection)
    return connection


def _run(connection: Connection, raw: _Raw, bound: Any, *, many: bool = False) -> Any:
    driver = connection.connection.dbapi_connection
    assert driver is not None
    cursor = driver.cursor()
    # Listeners (statement counters in tests, tracing) still see the statement; the
    # collection is false when it has none, which is cheaper than calling it empty.
    before = connection.dispatch.before_cursor_execute
    if before:
        before(connection, cursor, raw.sql, bound, None, many)
    if many:
        cursor.executemany(raw.sql, bound)
    else:
        cursor.execute(raw.sql, bound)
    return cursor


Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class _Raw:
    sql: str
    order: tuple[str, ...] | None  # parameter names in placeholder order; None: by name
    defaults: dict[str, Any]  # values bound in the statement itself
    converters: tuple[tuple[str, Converter], ...]
    results: tuple[Converter | None, ...]  # per result column; empty: none to convert
    expanding: bool  # SQLAlchemy rewrites the SQL for each call

    def bind(self, params: dict[str, Any]) -> Any:
        values = dict(self.defaults)
        values.update(params)
        for name, convert in self.converters:
            values[name] = convert(values[name])
        return values if self.order is None else [values[n] for n in self.order]


_raws: dict[tuple[object, str, frozenset[str]], _Raw] = {}


def _raw(statement: UpdateBase | Select[Any], dialect: Dialect, names: frozenset[str]) -> _Raw:
    key = (statement, dialect.name, names)
    if (known := _raws.get(key)) is not None:
        return known
    compiled = statement.compile(dialect=dialect, column_keys=sorted(names))
    assert isinstance(compiled, SQLCompiler)
    expanding = bool(compiled.post_compile_params or compiled.literal_execute_params)
    missing = sorted(n for n, bind in compiled.binds.items() if bind.required and n not in names)
    if missing:
        raise ValueError(f"no value for {missing}")
    defaults = {} if expanding else dict(compiled.construct_params(_check=False))
    # Processors for single values (never tuples: expanding statements are not run here).
    converters = cast(tuple[tuple[str, Converter], ...], tuple(compiled._bind_processors.items()))
    results = tuple(
        column.type._cached_result_processor(dialect, None) for column in compiled._result_columns
    )
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    raw = _Raw(
        compiled.string,
        order,
        defaults,
        converters,
        results if any(results) else (),
        expanding,
    )
    _raws[key] = raw
    return raw


def is_loaded(obj: Base, attribute: str) -> bool:
    return attribute in inspect(obj).dict


def table_of(cls: type[Base]) -> Table:
    return _table(cls)


def _build(cls: type[M], values: Any) -> M:
    # As the ORM builds objects it loads: no constructor, no change events per attribute.
    obj: M = class_mapper(cls).class_manager.new_instance()
    instance_dict(obj).update(values)
    return obj


@cache
def _table(cls: type[Base]) -> Table:
    return cls.__table__  # type: ignore[return-value]


@cache
def _column_keys_in_order(cls: type[Base]) -> tuple[str, ...]:
    return tuple(column.key for column in _table(cls).columns)


@cache
def _column_keys(cls: type[Base]) -> frozenset[str]:
    return frozenset(column.key for column in _table(cls).columns)


@cache
def _update(cls: type[Base], keys: tuple[str, ...]) -> Update:
    table = _table(cls)
    (pk,) = table.primary_key.columns
    values: dict[str, Any] = {key: bindparam(f"new_{key}") for key in keys}
    return update(table).where(pk == bindparam("pk")).values(values)


@cache
def _serial(cls: type[Base]) -> Column[Any] | None:
    """The primary key the database numbers, if the table has one."""
    pk = list(_table(cls).primary_key.columns)
    if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and isinstance(pk[0].type, Integer):
        return pk[0]
    return None


@cache
def _insert(cls: type[Base]) -> Insert:
    serial = _serial(cls)
    return insert(_table(cls)) if serial is None else insert(_table(cls)).returning(serial)


@cache
def _select_by_id(cls: type[Base]) -> Select[Any]:
    table = _table(cls)
    (pk,) = table.primary_key.columns
    return select(table).where(pk == bindparam("pk"))
