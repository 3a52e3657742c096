"""How addresses of each kind are normalised, so one person is found however they write it."""

from __future__ import annotations

import re

from frontdesk.domain.errors import Invalid
from frontdesk.domain.text import check_text

_KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_PHONE_NOISE = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"^\+?[0-9]{5,20}$")
_SPACE = re.compile(r"\s")


def normalize_identity(kind: str, address: str) -> tuple[str, str]:
    kind = kind.strip().lower()
    if not _KIND.match(kind):
        raise Invalid("kind", "must be lowercase letters, digits or _ (e.g. email, phone)")
    address = check_text(address.strip(), "address", max_length=320)
    if not address:
        raise Invalid("address", "must not be empty")
    if kind == "email":
        local, at, domain = address.rpartition("@")
        if not at or not local or not domain or _SPACE.search(address):
            raise Invalid("address", "is not an email address")
        address = address.lower()
    elif kind == "phone":
        digits = _PHONE_NOISE.sub("", address)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not _PHONE.match(digits):
            raise Invalid("address", "is not a phone number")
        address = digits if digits.startswith("+") else "+" + digits
    return kind, address
