"""Text analysis shared by indexing and querying, and by both backends.

A text becomes a list of tokens; each token has its *word* (normalised: NFKC, case folded,
Latin/Greek/Cyrillic diacritics removed) and its *stem* (the word's stem or lemma in the
text's language, folded the same way). Backends store both and never analyse text
themselves, so SQLite and PostgreSQL find exactly the same documents.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import simplemma
import snowballstemmer

from frontdesk.language import SCRIPTS, script_of

# Longer tokens are cut: nobody searches for 200 letters, and the index stays small.
MAX_TOKEN = 64
# Where a language has no Snowball stemmer, simplemma's lemmas stand in (Latvian, Slovenian).
SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
LEMMATISED = {"lv", "sl", "hr", "sk", "bg", "mk", "uk", "is", "lb", "la"}
# Letters with no decomposition that people still type without their mark.
_PLAIN = str.maketrans({"đ": "d", "ł": "l", "ø": "o", "ħ": "h", "ı": "i", "ŧ": "t"})
# Scripts written without spaces (Han, kana): each character is a token; phrases keep them
# in order.
_CHARWISE = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]"
)


@dataclass(frozen=True)
class Token:
    word: str
    stem: str
    start: int  # offsets in the original text, for highlighting
    end: int


@cache
def _word_pattern() -> re.Pattern[str]:
    """Letters, digits, marks and private-use characters: unicode61's 'L* N* Co M*'. Marks
    belong to words: Tamil vowel signs are marks, and splitting there cuts words apart."""
    ranges: list[tuple[int, int]] = []
    # Planes 4-13 hold nothing; 14 only tags and selectors; 15-16 are private use, added whole.
    for code in range(0x40000):
        if unicodedata.category(chr(code))[0] in "LNM" or unicodedata.category(chr(code)) == "Co":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    ranges += [(0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)]
    parts = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[{parts}]+")


_pattern_lock = threading.Lock()


def word_pattern() -> re.Pattern[str]:
    with _pattern_lock:
        return _word_pattern()


def is_word(token: str) -> bool:
    """Letters and marks only (no digits): Tamil vowel signs are marks, not letters, so
    str.isalpha() would refuse most Tamil words."""
    return all(unicodedata.category(c)[0] in "LM" for c in token)


def normalise(text: str) -> str:
    """NFKC and case folding: ﬁ → fi, Ⅻ → xii, ß → ss, final ς → σ."""
    return unicodedata.normalize("NFKC", text).casefold()


def fold(word: str) -> str:
    """Drop accents and other marks of the Latin, Greek and Cyrillic scripts (č → c,
    ά → α). Marks of other scripts (Tamil vowel signs, Devanagari) are letters' parts there
    and stay."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    kept = "".join(c for c in decomposed if not 0x0300 <= ord(c) <= 0x036F)
    return unicodedata.normalize("NFC", kept).translate(_PLAIN)


def split_words(text: str) -> Iterable[tuple[str, int, int]]:
    """(word, start, end) for every word of the text, in any script."""
    for match in word_pattern().finditer(text):
        word, start = match.group(), match.start()
        if _CHARWISE.search(word):
            yield from _charwise(word, start)
        else:
            yield word, start, match.end()


def _charwise(word: str, start: int) -> Iterable[tuple[str, int, int]]:
    run_start = 0
    for i, char in enumerate(word):
        if _CHARWISE.match(char):
            if run_start < i:
                yield word[run_start:i], start + run_start, start + i
            yield char, start + i, start + i + 1
            run_start = i + 1
    if run_start < len(word):
        yield word[run_start:], start + run_start, start + len(word)


Stemmer = Callable[[str], str]


@cache
def stemmer_for(language: str | None) -> Stemmer | None:
    if language in SNOWBALL:
        algorithm = snowballstemmer.stemmer(SNOWBALL[language])
        lock = threading.Lock()  # Snowball stemmers keep state while they work

        def snowball(word: str) -> str:
            with lock:
                return str(algorithm.stemWord(word))

        return snowball
    if language in LEMMATISED:
        code = language

        def lemma(word: str) -> str:
            return str(simplemma.lemmatize(word, lang=code)).casefold()

        return lemma
    return None


def token_language(word: str, language: str | None) -> str | None:
    """The language whose stemmer suits this word: a word in a script of its own (Greek,
    Armenian, Tamil) is of that script's language, whatever the text around it; any other
    word takes the text's language if that is written in Latin letters."""
    script = next((script_of(c) for c in word if c.isalpha()), "")
    own = _SCRIPT_LANGUAGE.get(script)
    if own is not None:
        return own
    if script == "LATIN" and language not in SCRIPTS:
        return language
    return None


_SCRIPT_LANGUAGE = {name: code for code, name in SCRIPTS.items()}


@lru_cache(maxsize=200_000)
def stem(word: str, language: str | None) -> str:
    """The folded stem of a normalised (not yet folded) word in `language`."""
    stemmer = stemmer_for(language)
    if stemmer is None or not is_word(word):
        return fold(word)
    try:
        return fold(stemmer(word))[:MAX_TOKEN] or fold(word)
    except Exception:  # a stemmer bug must not stop indexing: the word itself is a fine stem
        return fold(word)


def analyse(text: str, language: str | None) -> list[Token]:
    """Every token of `text`, stemmed for `language` (None: words are their own stems)."""
    normal = normalise(text)
    # NFKC and casefold may change the length (ß → ss); offsets then point into the
    # normalised text, which highlighting knows to re-find.
    tokens = []
    for word, start, end in split_words(normal):
        tokens.append(Token(*_word_and_stem(word[:MAX_TOKEN], language), start, end))
    return tokens


@lru_cache(maxsize=200_000)
def _word_and_stem(word: str, language: str | None) -> tuple[str, str]:
    # Words repeat (a help desk's vocabulary is small): each is analysed once per process.
    return fold(word), stem(word, token_language(word, language))


def languages_for_script(script: str, enabled: Iterable[str]) -> list[str]:
    """The enabled languages a word in this script may belong to."""
    if script in _SCRIPT_LANGUAGE:
        return [_SCRIPT_LANGUAGE[script]]
    if script == "LATIN":
        return [c for c in enabled if c not in SCRIPTS]
    return []


def query_stems(word: str, enabled: Iterable[str]) -> list[str]:
    """Stems a typed word may have in any enabled language of its script, folded word
    first. The language of a query is unknown: it may be any of them."""
    normal = normalise(word)[:MAX_TOKEN]
    script = next((script_of(c) for c in normal if c.isalpha()), "")
    stems = [fold(normal)]
    for language in languages_for_script(script, list(enabled)):
        candidate = stem(normal, language)
        if candidate not in stems:
            stems.append(candidate)
    return stems


def fallback_prefix(word: str) -> str | None:
    """A prefix of the folded word that catches other endings of it, for languages whose
    stemmer or lemmatiser misses forms (Latvian and Slovenian typed without diacritics,
    Tamil case suffixes). None for short words, where a prefix would match too much."""
    if len(word) < 5 or not is_word(word):
        return None
    keep = max(4, len(word) - (2 if len(word) < 8 else 3))
    return word[:keep]
