"""Rows written and read with prebuilt Core statements, handed to the session as ORM objects.

The inbound path runs for every message of every channel. Building a statement and running
the ORM's unit of work cost several times the CPU of the SQL itself (a new ticket took
2.3 ms against 0.6 ms on SQLite), so hot paths write and read single rows here: each
statement is built once per table, and each row is *adopted*, attached to the session as if
a query had loaded it (persistent, clean, no further SQL). Code after it in the same
transaction, ORM or not, sees one object per row and can change it as usual.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

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
from sqlalchemy.orm import Session, class_mapper, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict, set_committed_value
from sqlalchemy.orm.util import identity_key

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
    result = session.connection().execute(_insert(cls), values)
    if serial is not None:
        values[serial.key] = result.scalar_one()
    return adopt(session, _build(cls, values))


def get_row(session: Session, cls: type[M], pk: Any) -> M | None:
    """Like `session.get`, without eager-loading relationships: they load when first read."""
    if (known := session.identity_map.get(identity_key(cls, pk))) is not None:
        return known
    row = session.connection().execute(_select_by_id(cls), {"pk": pk}).first()
    return None if row is None else from_row(session, cls, row._mapping)


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
    session.add(obj)
    return obj


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
    session.connection().execute(_update(type(obj), keys), {"pk": pk, **values})
    for key, value in changed.items():
        set_committed_value(obj, key, value)


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
