"""Business-time arithmetic, exact across DST changes and year ends.

Opening hours are wall-clock times: on a DST day the wall clock skips an hour (09:00-17:00
may hold 7 real hours) or repeats one (9 real hours). The scan walks real time one UTC day
at a time, each day cut into pieces of constant UTC offset at every offset change. Within
such a piece the wall clock is the UTC instant plus one fixed offset, so an interval of
wall time maps to real time by subtracting that offset, with nothing skipped and nothing
counted twice; and UTC days keep the periods in real-time order even where a clock goes
back across midnight.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from frontdesk.calendars.definition import Calendar, CalendarError

DAY = timedelta(days=1)
# A calendar with hours but no open minute in ten years is a definition mistake
# (every date closed), not something to scan forever.
MAX_SCAN = timedelta(days=3660)
_FAR = datetime(9999, 1, 1, tzinfo=UTC)
_CACHE_DAYS = 20_000


def open_spans(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Successive open periods [a, b) in UTC, in order, from `start` on (the first one
    clipped to start). Periods are cut at UTC midnight and not merged."""
    start = _utc(start)
    if calendar.always_open:
        yield start, _FAR
        return
    day = start.date()
    quiet = 0  # days scanned since the last open period
    while True:
        spans = _utc_day_spans(calendar, day)
        for a, b in spans:
            if b > start:
                yield max(a, start), b
        quiet = 0 if spans else quiet + 1
        if quiet > MAX_SCAN.days:
            raise CalendarError("hours", "the calendar is not open once in ten years")
        day += DAY


def _utc_day_spans(calendar: Calendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The open periods within one UTC day, cached on the calendar: due times mostly fall
    within days of each other, so a recompute of many tickets reads the same few days."""
    cache = calendar.span_cache
    found = cache.get(day)
    if found is None:
        if len(cache) > _CACHE_DAYS:
            cache.clear()
        found = cache[day] = tuple(_compute_day(calendar, day))
    return found


def _compute_day(calendar: Calendar, day: date) -> Iterator[tuple[datetime, datetime]]:
    piece_start = datetime.combine(day, time(), tzinfo=UTC)
    day_end = piece_start + DAY
    while piece_start < day_end:
        offset = _offset(calendar, piece_start)
        piece_end = day_end
        if _offset(calendar, piece_end) != offset:
            piece_end = _next_change(calendar, piece_start, piece_end, offset)
        wall_a = (piece_start + offset).replace(tzinfo=None)
        wall_b = (piece_end + offset).replace(tzinfo=None)
        local = wall_a.date()
        while datetime.combine(local, time()) < wall_b:
            if not calendar.is_closed_all_day(local):
                midnight = datetime.combine(local, time())
                for s, e in calendar.hours[local.weekday()]:
                    lo = max(midnight + timedelta(minutes=s), wall_a)
                    hi = min(midnight + timedelta(minutes=e), wall_b)
                    if lo < hi:
                        yield (lo - offset).replace(tzinfo=UTC), (hi - offset).replace(tzinfo=UTC)
            local += DAY
        piece_start = piece_end


def add_business_time(calendar: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The instant at which `amount` of open time after `start` has passed. It is always
    inside opening hours or at the end of an open period."""
    start = _utc(start)
    if amount <= timedelta(0):
        return start
    if calendar.always_open:
        return start + amount
    remaining = amount
    for a, b in open_spans(calendar, start):
        if b - a >= remaining:
            return a + remaining
        remaining -= b - a
    raise AssertionError("open_spans never ends")  # pragma: no cover


def business_time_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Open time in [start, end); zero when end is not after start."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return timedelta(0)
    if calendar.always_open:
        return end - start
    total = timedelta(0)
    for a, b in open_spans(calendar, start):
        if a >= end:
            break
        total += min(b, end) - a
    return total


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return instant.astimezone(UTC)


def _offset(calendar: Calendar, instant: datetime) -> timedelta:
    offset = instant.astimezone(calendar.zone).utcoffset()
    assert offset is not None
    return offset


def _next_change(calendar: Calendar, low: datetime, high: datetime, offset: timedelta) -> datetime:
    """The first instant in (low, high] whose offset differs. Zone transitions fall on
    whole seconds, so the search runs on whole seconds from `low` rounded down."""
    base = low.replace(microsecond=0)
    lo, hi = 0, int((high - base).total_seconds()) + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(calendar, base + timedelta(seconds=mid)) == offset:
            lo = mid
        else:
            hi = mid
    return max(base + timedelta(seconds=hi), low + timedelta(microseconds=1))
