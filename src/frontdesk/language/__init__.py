"""The language of a text, among the languages this deployment enables.

`detect(text)` answers an ISO 639-1 code or None. Scripts used by one enabled language only
(Armenian, Tamil, Greek…) are told apart by their letters, which costs nothing; texts in a
shared script (Latin: English, Latvian, Slovenian…) go to lingua, whose models ship in its
wheel, built with only the enabled languages so that memory stays small.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

DEFAULT_LANGUAGES = ("en", "hy", "ta", "lv", "el", "sl")
# Enough text to decide; more only costs time (a long mail says the same in its first lines).
SAMPLE_CHARS = 2000
MIN_LETTERS = 3
SCRIPT_SAMPLE = 300

# The script of each language we can tell by its letters alone, named as in Unicode
# character names ("ARMENIAN SMALL LETTER AYB").
SCRIPTS = {
    "hy": "ARMENIAN",
    "ta": "TAMIL",
    "el": "GREEK",
    "ka": "GEORGIAN",
    "he": "HEBREW",
    "th": "THAI",
    "ko": "HANGUL",
    "ja": "HIRAGANA",
}


@lru_cache(maxsize=65536)
def script_of(char: str) -> str:
    """The first word of the character's Unicode name: LATIN, GREEK, TAMIL, CJK…"""
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else ""


class Detector:
    def __init__(self, languages: Iterable[str]) -> None:
        codes = tuple(dict.fromkeys(code.strip().lower() for code in languages if code.strip()))
        self.languages = codes
        lingua_languages = {Language.from_iso_code_639_1(_iso(c)) for c in codes}
        self._by_script = _unique_scripts(codes)
        # Languages sharing a script with another enabled one need lingua to be told apart.
        self._needs_model = len(lingua_languages) >= 2
        self._lingua: LanguageDetector | None = None
        self._lingua_languages = lingua_languages
        self._lock = threading.Lock()

    def detect(self, text: str) -> str | None:
        sample = text[:SAMPLE_CHARS]
        script = majority_script(sample[:SCRIPT_SAMPLE])
        if script is None:
            return None
        if script in self._by_script:
            return self._by_script[script]
        if not self._needs_model:
            return self.languages[0] if len(self.languages) == 1 else None
        found = self.model().detect_language_of(sample)
        if found is None:
            return None
        code = found.iso_code_639_1.name.lower()
        return code if code in self.languages else None

    def model(self) -> LanguageDetector:
        # Built on first use: a process that never detects (a CLI command) never pays for it.
        with self._lock:
            if self._lingua is None:
                self._lingua = (
                    LanguageDetectorBuilder.from_languages(*self._lingua_languages)
                    .with_low_accuracy_mode()
                    .with_preloaded_language_models()
                    .build()
                )
            return self._lingua


def majority_script(text: str) -> str | None:
    """The script most letters of `text` are in; None under MIN_LETTERS letters."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < MIN_LETTERS:
        return None
    plain = sum(1 for c in letters if c.isascii())
    if plain * 2 > len(letters):
        return "LATIN"  # the common case, without looking up a name per letter
    return Counter(script_of(c) for c in letters).most_common(1)[0][0]


def _iso(code: str) -> IsoCode639_1:
    try:
        return getattr(IsoCode639_1, code.upper())  # type: ignore[no-any-return]
    except AttributeError:
        raise ValueError(f"unknown language code {code!r}") from None


def _unique_scripts(codes: tuple[str, ...]) -> dict[str, str]:
    """Scripts that only one enabled language uses. Greek letters in a Latin text (a
    formula) do not make it Greek: the majority script decides."""
    return {SCRIPTS[c]: c for c in codes if c in SCRIPTS}


def parse_languages(raw: str) -> tuple[str, ...]:
    codes = tuple(dict.fromkeys(c.strip().lower() for c in raw.split(",") if c.strip()))
    for code in codes:
        _iso(code)
    return codes


def enabled_languages() -> tuple[str, ...]:
    """The languages set by configure(), else FRONTDESK_LANGUAGES, else the six defaults."""
    if _detector is not None:
        return _detector.languages
    return parse_languages(os.environ.get("FRONTDESK_LANGUAGES", "")) or DEFAULT_LANGUAGES


_detector: Detector | None = None
_detector_lock = threading.Lock()


def detector() -> Detector:
    global _detector
    with _detector_lock:
        if _detector is None:
            raw = os.environ.get("FRONTDESK_LANGUAGES", "")
            _detector = Detector(parse_languages(raw) or DEFAULT_LANGUAGES)
        return _detector


def configure(languages: Iterable[str]) -> Detector:
    """Use these languages from now on (the runtime calls this with its settings)."""
    global _detector
    fresh = Detector(languages)
    with _detector_lock:
        if _detector is None or _detector.languages != fresh.languages:
            _detector = fresh
        return _detector


def detect(text: str) -> str | None:
    """The language of `text` among the enabled ones, or None when it cannot be told."""
    return detector().detect(text)
