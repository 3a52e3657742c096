"""Attachment names, made safe once for every channel."""

from __future__ import annotations

import re
import unicodedata

# Control characters, invisible direction marks and overrides (which can make
# "invoice\u202efdp.exe" look like a PDF) are dropped; characters Windows refuses become "_".
_INVISIBLE_NAME_CHARS = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]"
)
_RESERVED_NAME_CHARS = re.compile(r'[<>:"|?*]')
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)
_MAX_NAME_BYTES = 255


def safe_filename(name: str | None) -> str:
    """A file name safe to store and to offer for download, or "" if nothing is left.

    Keeps every script; drops directories (``/`` and ``\\``) and so any traversal, control
    and bidirectional-override characters, characters Windows forbids, leading dots and
    surrounding spaces; avoids Windows device names; at most 255 UTF-8 bytes, keeping the
    extension.
    """
    if not name:
        return ""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(name.split())  # tabs, line breaks and runs of spaces → one space
    name = _INVISIBLE_NAME_CHARS.sub("", name)
    name = _RESERVED_NAME_CHARS.sub("_", name)
    name = name.strip(" .")
    if not name or set(name) <= {"_"}:
        return ""
    if name.split(".", 1)[0].lower() in _WINDOWS_DEVICES:
        name = "_" + name
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext.encode("utf-8")) > 16:
            stem, ext = name, ""
        limit = _MAX_NAME_BYTES - (len(ext.encode("utf-8")) + 1 if ext else 0)
        stem = stem.encode("utf-8")[:limit].decode("utf-8", "ignore").rstrip(" .")
        name = f"{stem}.{ext}" if ext else stem
    return name
