"""What a visitor's words ask of the bot, in the six languages: a person, or "that did not
help". Deliberately simple word lists: a false "person" costs one hand-over, a missed one
costs the visitor a click on "talk to a person", which every bot message offers."""

from __future__ import annotations

import re

from frontdesk.search.analysis import fold, normalise, split_words

# Word starts (accents folded, lower case): inflected forms match too (človeka, άνθρωπο,
# cilvēku → cilveku, մարդու).
_PERSON_STARTS = (
    # English: whole words below, "agent" would start "agenda"
    # Armenian: person, operator, employee, agent
    "մարդ",
    "օպերատոր",
    "աշխատակց",
    "աշխատակից",
    "գործակալ",
    # Tamil: human, person, agent, operator, employee
    "மனித",
    "நபர்",
    "முகவர்",
    "ஆபரேட்டர்",
    "ஊழியர்",
    "பணியாளர்",
    # Latvian: person, operator, agent, employee, consultant
    "cilvek",
    "operator",
    "agent",
    "darbinie",
    "konsultant",
    # Greek: human, representative, agent, operator, employee
    "ανθρωπ",
    "εκπροσωπ",
    "πρακτορ",
    "χειριστ",
    "υπαλληλ",
    # Slovenian: human, person, operator, agent, employee
    "clovek",
    "clovesk",
    "oseb",
    "operater",
    "zaposlen",
)
_PERSON_WORDS = frozenset(
    {"human", "humans", "person", "agent", "agents", "operator", "representative", "someone"}
)

# Phrases (accents folded) meaning "that did not help".
_UNHELPFUL = re.compile(
    "|".join(
        (
            r"\b(did ?n.?t|does ?n.?t|did not|does not|not) help",
            r"\bnot (helpful|useful|what i)",
            r"\buseless\b",
            r"չօգնեց",
            r"չի օգնում",
            r"օգտակար չէ",
            r"உதவவில்லை",
            r"பயனில்லை",
            r"பயனற்ற",
            r"\bnepalidz",
            r"\bnav noderig",
            r"\bδεν (με )?βοηθ",
            r"\bαχρηστ",
            r"\bni pomagal",
            r"\bne pomaga",
            r"\bni koristn",
        )
    )
)


def _folded(text: str) -> str:
    return " ".join(fold(normalise(text)).split())


def asks_for_person(text: str) -> bool:
    for word, _, _ in split_words(text):
        folded = fold(normalise(word))
        if folded in _PERSON_WORDS or folded.startswith(_PERSON_STARTS):
            return True
    return False


def says_unhelpful(text: str) -> bool:
    return _UNHELPFUL.search(_folded(text)) is not None
