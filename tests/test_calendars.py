"""Business calendars: exact business-time arithmetic across DST changes and year ends,
checked by properties against an oracle that walks real time minute by minute, and by
hand-worked examples; impossible definitions are refused with the field and the reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontdesk.calendars import (
    Calendar,
    CalendarError,
    add_business_time,
    business_time_between,
    parse_calendar,
)

ZONES = (
    "Europe/Riga",
    "Asia/Yerevan",
    "Asia/Kolkata",
    "America/New_York",
    "Australia/Lord_Howe",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTE = timedelta(minutes=1)
WEEKDAY_HOURS = {d: [["09:00", "18:00"]] for d in WEEKDAYS[:5]}


def riga_office(**extra: Any) -> Calendar:
    return parse_calendar({"time_zone": "Europe/Riga", "hours": WEEKDAY_HOURS, **extra})


# ---- an independent oracle ------------------------------------------------------------


def is_open_at(calendar: Calendar, instant: datetime) -> bool:
    """Whether the wall clock shows an open minute at `instant`, straight from the
    definition: nothing shared with the arithmetic under test."""
    local = instant.astimezone(ZoneInfo(calendar.time_zone))
    if calendar.always_open:
        return True
    if calendar.is_closed_all_day(local.date()):
        return False
    minute = local.hour * 60 + local.minute + local.second / 60
    return any(s <= minute < e for s, e in calendar.hours[local.weekday()])


def open_minutes_by_walking(calendar: Calendar, start: datetime, minutes: int) -> int:
    return sum(is_open_at(calendar, start + i * MINUTE) for i in range(minutes))


# ---- strategies -------------------------------------------------------------------------


@st.composite
def day_hours(draw: st.DrawFn) -> list[list[str]]:
    """0-3 disjoint intervals on a quarter-hour grid."""
    marks = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
    if len(marks) % 2:
        marks = marks[:-1]
    return [[_hhmm(marks[i] * 15), _hhmm(marks[i + 1] * 15)] for i in range(0, len(marks), 2)]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    hours = {d: draw(day_hours()) for d in WEEKDAYS}
    if not any(hours.values()):
        hours["wed"] = [["10:00", "11:30"]]
    definition: dict[str, Any] = {"time_zone": draw(st.sampled_from(ZONES)), "hours": hours}
    if draw(st.booleans()):
        definition["holidays"] = {"country": draw(st.sampled_from(["LV", "AM", "IN", "US", "AU"]))}
    return parse_calendar(definition)


@cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The instants where the zone's UTC offset changes, 2024-2030 (found by stepping
    hours; the tests then start close to them)."""
    zone = ZoneInfo(zone_name)
    found = []
    t = datetime(2024, 1, 1, tzinfo=UTC)
    previous = t.astimezone(zone).utcoffset()
    while t < datetime(2031, 1, 1, tzinfo=UTC):
        t += timedelta(hours=1)
        offset = t.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(t)
            previous = offset
    return tuple(found)


@st.composite
def starts(draw: st.DrawFn, calendar: Calendar) -> datetime:
    """Instants on whole minutes, half of them within a day of a DST change."""
    near = transitions(calendar.time_zone)
    if near and draw(st.booleans()):
        base = draw(st.sampled_from(near)) - timedelta(hours=draw(st.integers(0, 30)))
        return base.replace(minute=draw(st.integers(0, 59)), second=0)
    seconds = draw(st.integers(0, 7 * 365 * 24 * 60)) * 60
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- properties -------------------------------------------------------------------------


@PROPERTY
@given(data=st.data(), calendar=calendars(), minutes=st.integers(0, 30 * 24 * 60))
def test_adding_then_measuring_business_time_round_trips(
    data: st.DataObject, calendar: Calendar, minutes: int
) -> None:
    start = data.draw(starts(calendar))
    due = add_business_time(calendar, start, minutes * MINUTE)
    assert due >= start
    assert business_time_between(calendar, start, due) == minutes * MINUTE


@PROPERTY
@given(data=st.data(), calendar=calendars(), minutes=st.integers(1, 30 * 24 * 60))
def test_a_due_time_never_falls_outside_opening_hours(
    data: st.DataObject, calendar: Calendar, minutes: int
) -> None:
    start = data.draw(starts(calendar))
    due = add_business_time(calendar, start, minutes * MINUTE)
    # The last moment before the due instant is open, by the wall clock and the holidays.
    assert is_open_at(calendar, due - timedelta(microseconds=1))


@PROPERTY
@given(data=st.data(), calendar=calendars(), minutes=st.integers(0, 3 * 24 * 60))
def test_business_time_matches_walking_real_time_minute_by_minute(
    data: st.DataObject, calendar: Calendar, minutes: int
) -> None:
    """The oracle steps through real (UTC) minutes and asks the wall clock: DST gaps and
    repeated hours count as the clock on the wall says, nothing more or less."""
    start = data.draw(starts(calendar))
    measured = business_time_between(calendar, start, start + minutes * MINUTE)
    assert measured == open_minutes_by_walking(calendar, start, minutes) * MINUTE


@PROPERTY
@given(data=st.data(), calendar=calendars(), minutes=st.integers(1, 2 * 24 * 60))
def test_the_due_minute_is_the_nth_open_minute(
    data: st.DataObject, calendar: Calendar, minutes: int
) -> None:
    start = data.draw(starts(calendar))
    due = add_business_time(calendar, start, minutes * MINUTE)
    steps = int((due - start) / MINUTE)
    assert open_minutes_by_walking(calendar, start, steps) == minutes
    assert is_open_at(calendar, due - MINUTE)


# ---- worked examples --------------------------------------------------------------------


def riga(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Riga"))


def test_a_chat_at_friday_1755_in_riga_is_due_within_the_day_or_on_monday() -> None:
    office = riga_office(holidays={"country": "LV"})
    friday = riga(2026, 11, 20, 17, 55)
    assert add_business_time(office, friday, 2 * MINUTE) == riga(2026, 11, 20, 17, 57)
    assert add_business_time(office, friday, 10 * MINUTE) == riga(2026, 11, 23, 9, 5)


def test_the_year_end_skips_the_new_year_holiday_and_the_weekend() -> None:
    office = riga_office(holidays={"country": "LV"})
    # Wednesday 30 December 2026, an hour before closing. In Latvia 31 December and
    # 1 January are both public holidays, then comes the weekend.
    due = add_business_time(office, riga(2026, 12, 30, 17, 0), 3 * 60 * MINUTE)
    assert due == riga(2027, 1, 4, 11, 0)
    assert add_business_time(office, riga(2026, 12, 31, 12, 0), MINUTE) == riga(2027, 1, 4, 9, 1)
    assert due.year == 2027


def test_custom_closed_dates_count_like_holidays() -> None:
    office = riga_office(closed_dates=["2026-11-23"])
    due = add_business_time(office, riga(2026, 11, 20, 17, 55), 10 * MINUTE)
    assert due == riga(2026, 11, 24, 9, 5)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/New_York", date(2026, 3, 8), 23),  # spring forward
        ("America/New_York", date(2026, 11, 1), 25),  # fall back
        ("Europe/Riga", date(2026, 3, 29), 23),
        ("Europe/Riga", date(2026, 10, 25), 25),
        ("Australia/Lord_Howe", date(2026, 10, 4), 23.5),  # half-hour DST
        ("Australia/Lord_Howe", date(2026, 4, 5), 24.5),
        ("Asia/Kolkata", date(2026, 3, 8), 24),  # no DST, half-hour offset
        ("Asia/Yerevan", date(2026, 3, 29), 24),  # no DST since 2012
    ],
)
def test_a_whole_open_day_holds_the_real_hours_of_that_day(
    zone: str, day: date, hours: float
) -> None:
    weekday = WEEKDAYS[day.weekday()]
    calendar = parse_calendar({"time_zone": zone, "hours": {weekday: [["00:00", "24:00"]]}})
    midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone))
    measured = business_time_between(
        calendar, midnight - timedelta(hours=12), midnight + timedelta(days=2)
    )
    assert measured == timedelta(hours=hours)


def test_hours_across_the_spring_gap_hold_one_hour_less() -> None:
    calendar = parse_calendar(
        {"time_zone": "America/New_York", "hours": {"sun": [["01:00", "04:00"]]}}
    )
    start = datetime(2026, 3, 8, 0, 0, tzinfo=ZoneInfo("America/New_York"))
    assert business_time_between(calendar, start, start + timedelta(days=1)) == timedelta(hours=2)
    due = add_business_time(calendar, start, timedelta(minutes=90))
    # 01:00-02:00 EST, then the clock jumps to 03:00 EDT: 90 minutes end at 03:30 EDT.
    assert due.astimezone(ZoneInfo("America/New_York")).isoformat() == "2026-03-08T03:30:00-04:00"


def test_hours_in_the_repeated_autumn_hour_count_twice() -> None:
    calendar = parse_calendar(
        {"time_zone": "America/New_York", "hours": {"sun": [["01:00", "02:00"]]}}
    )
    start = datetime(2026, 11, 1, 0, 0, tzinfo=ZoneInfo("America/New_York"))
    assert business_time_between(calendar, start, start + timedelta(days=1)) == timedelta(hours=2)


def test_an_always_open_calendar_is_calendar_time() -> None:
    calendar = parse_calendar({"time_zone": "Asia/Yerevan", "always_open": True})
    start = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert add_business_time(calendar, start, timedelta(hours=2)) == start + timedelta(hours=2)


def test_the_definition_round_trips_through_json() -> None:
    definition = {
        "time_zone": "Europe/Riga",
        "always_open": False,
        "hours": {"mon": [["09:00", "13:00"], ["14:00", "24:00"]], "sat": [["10:00", "14:00"]]},
        "holidays": {"country": "LV", "subdivision": None},
        "closed_dates": ["2026-12-24"],
    }
    assert parse_calendar(definition).as_json() == definition
    assert parse_calendar(parse_calendar(definition).as_json()) == parse_calendar(definition)


# ---- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "field", "reason"),
    [
        ({"time_zone": "Europe/Riga", "hours": {}}, "hours", "no opening hours at all"),
        ({"time_zone": "Europe/Riga"}, "hours", "no opening hours at all"),
        (
            {
                "time_zone": "Europe/Riga",
                "hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]},
            },
            "hours.mon",
            "09:00-12:00 overlaps 11:00-13:00",
        ),
        (
            {"time_zone": "Mars/Olympus_Mons", "always_open": True},
            "time_zone",
            "not a known time zone",
        ),
        (
            {"time_zone": "../../etc/passwd", "always_open": True},
            "time_zone",
            "not a known time zone",
        ),
        ({"hours": WEEKDAY_HOURS}, "time_zone", "is required"),
        (
            {"time_zone": "Europe/Riga", "hours": {"mon": [["18:00", "09:00"]]}},
            "hours.mon",
            "ends before it starts",
        ),
        (
            {"time_zone": "Europe/Riga", "hours": {"mon": [["09:00", "25:00"]]}},
            "hours.mon",
            "not a time of day",
        ),
        (
            {"time_zone": "Europe/Riga", "hours": {"funday": [["09:00", "10:00"]]}},
            "hours.funday",
            "not a weekday",
        ),
        ({"time_zone": "Europe/Riga", "hours": {"mon": ["09:00"]}}, "hours.mon", "pair"),
        (
            {"time_zone": "Europe/Riga", "always_open": True, "holidays": {"country": "XX"}},
            "holidays.country",
            "no public holidays are known",
        ),
        (
            {
                "time_zone": "Europe/Riga",
                "always_open": True,
                "holidays": {"country": "US", "subdivision": "ZZ"},
            },
            "holidays.subdivision",
            "no public holidays are known",
        ),
        (
            {"time_zone": "Europe/Riga", "always_open": True, "closed_dates": ["31.12.2026"]},
            "closed_dates",
            "not a date",
        ),
        ({"time_zone": "Europe/Riga", "always_open": "yes"}, "always_open", "true or false"),
        ({"time_zone": "Europe/Riga", "always_open": True, "colour": "blue"}, "colour", "not part"),
    ],
)
def test_impossible_calendars_are_refused_with_the_field_and_reason(
    definition: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(CalendarError) as refused:
        parse_calendar(definition)
    assert refused.value.field == field
    assert reason in refused.value.reason


def test_a_calendar_closed_on_every_date_for_years_is_refused_not_scanned_forever() -> None:
    days = [(date(2026, 1, 1) + timedelta(days=i)).isoformat() for i in range(366 * 11)]
    calendar = parse_calendar(
        {"time_zone": "Europe/Riga", "hours": WEEKDAY_HOURS, "closed_dates": days}
    )
    with pytest.raises(CalendarError, match="not open once in ten years"):
        add_business_time(calendar, riga(2026, 1, 1, 0, 0), MINUTE)
