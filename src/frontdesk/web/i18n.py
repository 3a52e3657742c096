"""The UI's languages: gettext catalogues read from the .po files at start, and the formats
of dates and numbers per locale.

The .po files are compiled in memory when the process starts (a few milliseconds), so a
checkout or a wheel runs without a separate compile step. Adding a language is adding
`locale/<code>/LC_MESSAGES/messages.po` and its code to LANGUAGES.
"""

from __future__ import annotations

import functools
import io
from datetime import date as Date
from datetime import datetime as DateTime
from datetime import time as Time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time, get_datetime_format
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
# Code → the language's own name, shown in the language switch.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "hy": "Հայերեն",
    "ta": "தமிழ்",
    "lv": "Latviešu",
    "el": "Ελληνικά",
    "sl": "Slovenščina",
}
DEFAULT_LANGUAGE = "en"


@functools.cache
def translations(lang: str) -> NullTranslations:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANGUAGE or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(accept_language: str) -> str | None:
    """The best of our languages for a browser's Accept-Language header, if any fits."""
    wanted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag:
            wanted.append((quality, tag.strip()))
    for _, tag in sorted(wanted, key=lambda item: -item[0]):
        code = tag.split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return None


def pick_language(*choices: str | None) -> str:
    for choice in choices:
        if choice and choice.split("-")[0].lower() in LANGUAGES:
            return choice.split("-")[0].lower()
    return DEFAULT_LANGUAGE


@functools.cache
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


@functools.cache
def zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


Width = Literal["short", "medium"]


@functools.lru_cache(maxsize=64)
def _datetime_pattern(lang: str, fmt: Width) -> str:
    return str(get_datetime_format(fmt, locale=_locale(lang))).replace("'", "")


@functools.lru_cache(maxsize=8192)
def _date_part(day: Date, fmt: Width, lang: str) -> str:
    return str(format_date(day, fmt, locale=_locale(lang)))


@functools.lru_cache(maxsize=8192)
def _time_part(moment: Time, fmt: Width, lang: str) -> str:
    return str(format_time(moment, fmt, locale=_locale(lang)))


class Formats:
    """Dates and numbers in one viewer's language and time zone."""

    def __init__(self, lang: str, time_zone: str | None = None) -> None:
        self.lang = lang
        self.locale = _locale(lang)
        self.tz = zone(time_zone) or ZoneInfo("UTC")

    def datetime(self, value: DateTime | None, fmt: str = "short") -> str:
        """What babel's format_datetime gives, from a date part and a time part each
        remembered: a page of 50 rows has few distinct days and minutes."""
        if value is None:
            return ""
        if fmt == "short" or fmt == "medium":
            width: Width = "short" if fmt == "short" else "medium"
        else:
            return str(format_datetime(value, fmt, tzinfo=self.tz, locale=self.locale))
        local = value.astimezone(self.tz)
        minute = local.time().replace(second=0, microsecond=0) if fmt == "short" else local.time()
        return (
            _datetime_pattern(self.lang, width)
            .replace("{0}", _time_part(minute, width, self.lang))
            .replace("{1}", _date_part(local.date(), width, self.lang))
        )

    def number(self, value: float) -> str:
        return str(format_decimal(value, locale=self.locale))

    @property
    def zone_name(self) -> str:
        return str(self.tz.key)

    def in_zone(self, value: DateTime, time_zone: str | None, fmt: str = "short") -> str:
        """The same instant on someone else's clock (a customer's local time)."""
        tz = zone(time_zone)
        if tz is None:
            return ""
        return str(format_datetime(value, fmt, tzinfo=tz, locale=self.locale))
