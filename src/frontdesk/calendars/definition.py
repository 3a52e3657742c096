"""A calendar's definition: time zone, weekly opening hours, holidays, or always open.

The JSON shape (what the API accepts and the database stores):

    {"time_zone": "Europe/Riga",
     "always_open": false,
     "hours": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "14:00"]]},
     "holidays": {"country": "LV", "subdivision": null},
     "closed_dates": ["2026-12-24"]}

Opening hours are wall-clock times in the calendar's zone; "24:00" ends a day. Hours that
run past midnight are given as two intervals, one on each day.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_data

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")

Interval = tuple[int, int]  # minutes after local midnight, [start, end)


class CalendarError(ValueError):
    """A definition that cannot describe a calendar; names the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Calendar:
    time_zone: str
    # Monday first; each day's intervals sorted and disjoint.
    hours: tuple[tuple[Interval, ...], ...]
    always_open: bool = False
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_dates: frozenset[date] = frozenset()
    zone: ZoneInfo = field(init=False, compare=False, repr=False)
    # Open periods per UTC day, filled by the arithmetic (see arithmetic._utc_day_spans).
    span_cache: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        init=False, compare=False, repr=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.time_zone))
        object.__setattr__(self, "span_cache", {})

    def is_closed_all_day(self, day: date) -> bool:
        if day in self.closed_dates:
            return True
        if self.holiday_country is None:
            return False
        return day in _public_holidays(self.holiday_country, self.holiday_subdivision, day.year)

    def as_json(self) -> dict[str, Any]:
        return {
            "time_zone": self.time_zone,
            "always_open": self.always_open,
            "hours": {
                name: [[_hhmm(s), _hhmm(e)] for s, e in self.hours[i]]
                for i, name in enumerate(WEEKDAYS)
                if self.hours[i]
            },
            "holidays": (
                {"country": self.holiday_country, "subdivision": self.holiday_subdivision}
                if self.holiday_country
                else None
            ),
            "closed_dates": sorted(d.isoformat() for d in self.closed_dates),
        }


# Calendar time: every instant counts. What a policy without a business calendar uses.
ALWAYS_OPEN = Calendar(time_zone="UTC", hours=((),) * 7, always_open=True)


@lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holiday_data.country_holidays(country, subdiv=subdivision, years=year))


def parse_calendar(data: dict[str, Any]) -> Calendar:
    """Check a definition and build the calendar; CalendarError names what is wrong."""
    if not isinstance(data, dict):
        raise CalendarError("calendar", "must be an object")
    unknown = set(data) - {"time_zone", "always_open", "hours", "holidays", "closed_dates"}
    if unknown:
        raise CalendarError(sorted(unknown)[0], "is not part of a calendar")
    zone_name = _zone(data.get("time_zone"))
    always_open = data.get("always_open", False)
    if not isinstance(always_open, bool):
        raise CalendarError("always_open", "must be true or false")
    hours = _hours(data.get("hours") or {})
    if not always_open and not any(hours):
        raise CalendarError(
            "hours", "the calendar has no opening hours at all; add hours or set always_open"
        )
    country, subdivision = _holidays(data.get("holidays"))
    closed = _closed_dates(data.get("closed_dates") or [])
    return Calendar(
        time_zone=zone_name,
        hours=hours,
        always_open=always_open,
        holiday_country=country,
        holiday_subdivision=subdivision,
        closed_dates=closed,
    )


def _zone(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise CalendarError("time_zone", "is required, an IANA name such as Europe/Riga")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError("time_zone", f"{value!r} is not a known time zone") from None
    return value


def _hours(value: Any) -> tuple[tuple[Interval, ...], ...]:
    if not isinstance(value, dict):
        raise CalendarError("hours", "must map weekdays (mon … sun) to lists of intervals")
    days: list[tuple[Interval, ...]] = []
    for name in value:
        if name not in WEEKDAYS:
            raise CalendarError(f"hours.{name}", f"is not a weekday; use {', '.join(WEEKDAYS)}")
    for name in WEEKDAYS:
        raw = value.get(name) or []
        if not isinstance(raw, list):
            raise CalendarError(f"hours.{name}", "must be a list of [start, end] pairs")
        intervals = sorted(_interval(f"hours.{name}", item) for item in raw)
        for (s1, e1), (s2, e2) in itertools.pairwise(intervals):
            if s2 < e1:
                raise CalendarError(
                    f"hours.{name}",
                    f"{_hhmm(s1)}-{_hhmm(e1)} overlaps {_hhmm(s2)}-{_hhmm(e2)}",
                )
        days.append(tuple(intervals))
    return tuple(days)


def _interval(where: str, item: Any) -> Interval:
    if not (isinstance(item, list | tuple) and len(item) == 2):
        raise CalendarError(where, 'each interval is a pair such as ["09:00", "17:00"]')
    start, end = (_minutes(where, part) for part in item)
    if end <= start:
        raise CalendarError(
            where,
            f"{_hhmm(start)}-{_hhmm(end)} ends before it starts; "
            "split hours past midnight into two days",
        )
    return start, end


def _minutes(where: str, text: Any) -> int:
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(where, f"{text!r} is not a time of day (HH:MM, 00:00 to 24:00)")
    if text == "24:00":
        return 24 * 60
    return int(match.group(1)) * 60 + int(match.group(2))


def _holidays(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict) or not isinstance(value.get("country"), str):
        raise CalendarError("holidays", 'must be {"country": "LV", "subdivision": null}')
    country, subdivision = value["country"].upper(), value.get("subdivision")
    if subdivision is not None and not isinstance(subdivision, str):
        raise CalendarError("holidays.subdivision", "must be text or null")
    try:
        holiday_data.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        field = "holidays.subdivision" if subdivision else "holidays.country"
        raise CalendarError(field, f"no public holidays are known: {exc}") from None
    return country, subdivision


def _closed_dates(value: Any) -> frozenset[date]:
    if not isinstance(value, list):
        raise CalendarError("closed_dates", "must be a list of dates (YYYY-MM-DD)")
    days = set()
    for item in value:
        try:
            days.add(date.fromisoformat(item))
        except (TypeError, ValueError):
            raise CalendarError("closed_dates", f"{item!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(days)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
