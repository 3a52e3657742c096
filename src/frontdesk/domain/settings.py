"""The desk's general settings: its name, the defaults for people we know nothing about
yet, and which customer-facing parts are on.

Stored one row per key in `settings` (a key never written reads as its default), read on
every page through a per-process cache, and audited on change.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import asdict, dataclass, fields, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.config_cache import ConfigCache
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Invalid
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import Setting


@dataclass(frozen=True)
class GeneralSettings:
    # Shown in page titles, the portal's header and the mails customers get.
    desk_name: str = "Frontdesk"
    # For a portal visitor whose browser asks for none of our languages.
    default_language: str = "en"
    # For agents who chose none, and customers whose zone we do not know.
    default_time_zone: str = "UTC"
    # The customer portal: the web form, sign-in links, customers' own tickets.
    portal_enabled: bool = True
    # Ask customers "how did we do?" when their ticket is solved.
    satisfaction_enabled: bool = True


KEYS = tuple(f.name for f in fields(GeneralSettings))


def _load(session: Session) -> GeneralSettings:
    stored = {
        row.key: row.value for row in session.scalars(select(Setting).where(Setting.key.in_(KEYS)))
    }
    defaults = GeneralSettings()
    values = {key: stored.get(key, getattr(defaults, key)) for key in KEYS}
    return GeneralSettings(**values)


_cache: ConfigCache[GeneralSettings] = ConfigCache(_load)


def general_settings(session: Session) -> GeneralSettings:
    return _cache.get(session)


@functools.cache
def time_zones() -> list[str]:
    """IANA zone names a person may choose, sorted (UTC first)."""
    return ["UTC", *sorted(z for z in available_timezones() if "/" in z and z != "UTC")]


def check_time_zone(name: str, field: str = "time_zone") -> str:
    name = check_text(name, field, max_length=64).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(field, f"{name!r} is not a time zone name like Europe/Riga") from None
    return name


def update_general_settings(
    tx: Tx, actor: Actor, changes: dict[str, Any], *, languages: Collection[str]
) -> GeneralSettings:
    """Admins change the desk's settings; `languages` are the UI languages that exist."""
    actor.require_agent("admin")
    unknown = set(changes) - set(KEYS)
    if unknown:
        raise Invalid(sorted(unknown)[0], "is not a setting")
    current = _load(tx.session)
    wanted = replace(current, **_checked(changes, languages))
    diff = {
        key: [getattr(current, key), value]
        for key, value in asdict(wanted).items()
        if getattr(current, key) != value
    }
    if not diff:
        return current
    now = tx.now()
    for key, (_, value) in diff.items():
        row = tx.session.get(Setting, key)
        if row is None:
            tx.session.add(Setting(key=key, value=value, updated_at=now))
        else:
            row.value = value
            row.updated_at = now
    tx.audit(actor, "settings.updated", "settings", 0, diff)
    tx.emit("settings.updated", changes=sorted(diff))
    _cache.changed(tx.session)
    return wanted


def _checked(changes: dict[str, Any], languages: Collection[str]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "desk_name":
            name = check_text(str(value), key, max_length=100).strip()
            if not name:
                raise Invalid(key, "must not be empty")
            checked[key] = name
        elif key == "default_language":
            if value not in languages:
                raise Invalid(key, f"must be one of {', '.join(sorted(languages))}")
            checked[key] = value
        elif key == "default_time_zone":
            checked[key] = check_time_zone(str(value), key)
        else:
            if not isinstance(value, bool):
                raise Invalid(key, "must be true or false")
            checked[key] = value
    return checked
