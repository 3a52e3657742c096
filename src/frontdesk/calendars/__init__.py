"""Business calendars: opening hours, holidays and exact business-time arithmetic.

Pure Python, no database: a `Calendar` is parsed from its JSON definition once and then
answers "when is N business minutes after this instant?" and "how much business time lies
between these two instants?", exactly across DST changes and year ends.
"""

from frontdesk.calendars.arithmetic import add_business_time, business_time_between, open_spans
from frontdesk.calendars.definition import (
    ALWAYS_OPEN,
    Calendar,
    CalendarError,
    parse_calendar,
)

__all__ = [
    "ALWAYS_OPEN",
    "Calendar",
    "CalendarError",
    "add_business_time",
    "business_time_between",
    "open_spans",
    "parse_calendar",
]
