"""Frontdesk's email parser against the Stalwart mail-parser corpus and its expected results.

The corpus lives outside the repository (``../shared/corpora/mime_stalwart``; see its
README); these tests read it in place and are skipped where it is absent. Run with ``-s`` to
see the match rates; the cases that differ, and how, are written to
``reports/corpus-stalwart.txt``.

How the expected data is compared:

- Subject and display names: whitespace runs count as one space. Stalwart reads undeclared
  8-bit header bytes as UTF-8 and writes U+FFFD where that fails; we read them in the
  message's charset. A U+FFFD in the expected text therefore matches any one character.
- Addresses: lowercased. A bare word (``From: Whomever``) is a name without an address on
  both sides.
- Attachments: Stalwart's attachment list, which like ours holds every leaf part that is
  not the text or HTML body, images shown inline included, in message order. File names
  are compared after ``safe_filename`` (the names we give are made safe); parts without a
  name are not compared by name (we give them one). Attached messages have no size in the
  expected data, so only their presence and type are compared. Stalwart keeps text
  attachments as decoded text (UTF-8) where we keep the bytes as sent, so ours are decoded
  from their charset before comparing; and it does not decode uuencode, so for those parts
  the expected size and hash must be those of the encoded text, and our data must be what
  the stdlib decodes from it.
- ``malformed/``: the corpus README asks only that they do not crash. Their headers are
  compared like any other case; their MIME structure (where broken boundaries may be read
  more than one way) is compared and reported but does not count against the match rate.
- Known difference, counted: ``thirdparty/015.eml`` attaches three messages; the first is
  only headers that declare a multipart body. Stalwart lets that inner multipart run on to
  the end of the outer message (one attachment); we end it at the outer boundary, as the
  message is written (three attachments).
- Text bodies (reported, no threshold): the parts of Stalwart's text view, HTML parts
  converted with our own ``html_to_text`` (so this checks part selection and decoding, not
  the converter), joined by a blank line as ``ParsedEmail.text`` is; CRLF → LF, trimmed.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from frontdesk.channels.email.mime import decode_text, html_to_text, safe_filename
from frontdesk.channels.email.parse import Address, ParsedAttachment, ParsedEmail, parse_email

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "mime_stalwart"
MESSAGES = CORPUS / "resources" / "eml"
REPORT = Path(__file__).resolve().parents[2] / "reports" / "corpus-stalwart.txt"

pytestmark = pytest.mark.skipif(not MESSAGES.is_dir(), reason=f"corpus not found at {CORPUS}")


def _expected() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = json.loads(
        (CORPUS / "expected_summary.json").read_text(encoding="utf-8")
    )["cases"]
    return cases


def _same_text(expected: str | None, actual: str | None) -> bool:
    """Equal after collapsing whitespace; U+FFFD in ``expected`` stands for any character."""
    want = " ".join((expected or "").split())
    got = " ".join((actual or "").split())
    if "\ufffd" not in want:
        return want == got
    pattern = "".join("." if c == "\ufffd" else re.escape(c) for c in want)
    return re.fullmatch(pattern, got, re.DOTALL) is not None


def _address_differences(
    field: str, expected: list[dict[str, str | None]] | None, actual: list[Address]
) -> list[str]:
    want = [(e["name"] or "", (e["address"] or "").lower()) for e in expected or []]
    got = [(a.name, a.address.lower()) for a in actual]
    same = len(want) == len(got) and all(
        _same_text(wn, gn) and wa == ga for (wn, wa), (gn, ga) in zip(want, got, strict=True)
    )
    return [] if same else [f"{field}: expected {want}, got {got}"]


def _header_differences(expected: dict[str, Any], parsed: ParsedEmail) -> list[str]:
    differences: list[str] = []
    if not _same_text(expected["subject"], parsed.subject):
        differences.append(f"subject: expected {expected['subject']!r}, got {parsed.subject!r}")
    differences += _address_differences(
        "from", expected["from"], (parsed.from_ and [parsed.from_]) or []
    )
    differences += _address_differences("to", expected["to"], parsed.to)
    differences += _address_differences("cc", expected["cc"], parsed.cc)
    differences += _address_differences("reply_to", expected["reply_to"], parsed.reply_to)
    if expected["message_id"] != parsed.message_id:
        differences.append(
            f"message_id: expected {expected['message_id']!r}, got {parsed.message_id!r}"
        )
    date = parsed.date.isoformat() if parsed.date else None
    if expected["date"] != date:
        differences.append(f"date: expected {expected['date']!r}, got {date!r}")
    return differences


_UUENCODE = {"x-uuencode", "uuencode", "x-uue", "uue"}


def _uuencoded_parts(parsed: ParsedEmail) -> dict[tuple[int, str], bytes]:
    """(size, sha256) of each uuencoded part's encoded body → the stdlib's decoding of it."""
    found: dict[tuple[int, str], bytes] = {}
    for part in parsed.headers.walk():
        if str(part.get("content-transfer-encoding", "")).strip().lower() in _UUENCODE:
            encoded = str(part.get_payload()).encode("utf-8")  # 8-bit bytes as U+FFFD, as theirs
            decoded = part.get_payload(decode=True)
            assert isinstance(decoded, bytes)
            found[(len(encoded), hashlib.sha256(encoded).hexdigest())] = decoded
    return found


def _as_stalwart_stores(attachment: ParsedAttachment, kind: str) -> bytes:
    """Stalwart keeps a text attachment as text: decoded from its charset, UTF-8, LF. We
    keep the bytes as sent; convert ours the same way to compare."""
    if kind != "Text":
        return attachment.data
    text, _ = decode_text(attachment.data, attachment.charset)
    return text.encode("utf-8")


def _attachment_differences(expected: dict[str, Any], parsed: ParsedEmail) -> list[str]:
    want = expected["attachments"]
    uuencoded = _uuencoded_parts(parsed)
    got = parsed.attachments
    if len(want) != len(got):
        return [
            f"attachments: expected {[(w['filename'], w['content_type']) for w in want]}, "
            f"got {[(g.filename, g.content_type) for g in got]}"
        ]
    differences: list[str] = []
    for number, (w, g) in enumerate(zip(want, got, strict=True), 1):
        problems: list[str] = []
        if w["filename"] is not None and not _same_text(safe_filename(w["filename"]), g.filename):
            problems.append(f"filename {w['filename']!r} ≠ {g.filename!r}")
        if w["content_type"] is not None and w["content_type"] != g.content_type:
            problems.append(f"type {w['content_type']!r} ≠ {g.content_type!r}")
        if w["size"] is not None:
            data = _as_stalwart_stores(g, w["kind"])
            same = (w["size"], w["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
            # Stalwart does not decode uuencode: it expects the encoded text, which must
            # then be a uuencoded part that we decoded as the stdlib does.
            same = same or uuencoded.get((w["size"], w["sha256"])) == g.data
            if not same:
                problems.append(f"size {w['size']} ≠ {g.size} or sha256 differs")
        if problems:
            differences.append(f"attachment {number}: " + "; ".join(problems))
    return differences


def _expected_text(expected: dict[str, Any]) -> str:
    parts = [
        html_to_text(p["text"]) if p["kind"] == "Html" else p["text"] for p in expected["text_body"]
    ]
    # We end lines with LF only (a lone CR too) and drop NUL, which no database stores.
    parts = [p.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "") for p in parts]
    if len(parts) > 1:
        parts = ["\n\n".join(p.strip("\n") for p in parts if p.strip())]
    return "".join(parts).strip()


def _parse(relative: str) -> ParsedEmail:
    # The expected results are Stalwart's for LF input (the corpus README); some files are
    # stored with CRLF, which changes the size of parts kept undecoded.
    return parse_email((MESSAGES / relative).read_bytes().replace(b"\r\n", b"\n"))


def test_every_message_in_the_corpus_parses_without_an_exception() -> None:
    files = sorted(MESSAGES.rglob("*.eml"))
    assert len(files) == 107
    for path in files:
        parsed = parse_email(path.read_bytes())
        assert isinstance(parsed, ParsedEmail), path
        assert parsed.raw_size == path.stat().st_size
        assert all(a.filename and "/" not in a.filename for a in parsed.attachments), path


def test_headers_and_attachments_match_the_expected_results() -> None:
    cases = _expected()
    failures: dict[str, list[str]] = {}
    structure_only: dict[str, list[str]] = {}
    text_failures: dict[str, list[str]] = {}
    for relative, expected in sorted(cases.items()):
        parsed = _parse(relative)
        differences = _header_differences(expected, parsed)
        structure = _attachment_differences(expected, parsed)
        if relative.startswith("malformed/"):
            if structure:
                structure_only[relative] = structure
        else:
            differences += structure
        if differences:
            failures[relative] = differences
        want_text = _expected_text(expected)
        got_text = parsed.text.strip()
        if not _same_text_exact(want_text, got_text):
            text_failures[relative] = [
                f"text: expected {want_text[:160]!r}, got {got_text[:160]!r}"
            ]

    total = len(cases)
    passed = total - len(failures)
    rate = passed / total
    text_passed = total - len(text_failures)
    text_rate = text_passed / total
    wellformed = [c for c in cases if not c.startswith("malformed/")]
    wellformed_text = sum(1 for c in wellformed if c not in text_failures)
    print(f"\nstalwart: {passed}/{total} = {rate:.1%}")
    print(f"stalwart text bodies: {text_passed}/{total} = {text_rate:.1%}")
    print(
        f"stalwart text bodies outside malformed/: {wellformed_text}/{len(wellformed)}"
        f" = {wellformed_text / len(wellformed):.1%}"
    )
    print(f"stalwart malformed/ structure differences (not counted): {len(structure_only)}")

    lines = [
        f"stalwart headers and attachments: {passed}/{total} = {rate:.1%}",
        f"stalwart text bodies: {text_passed}/{total} = {text_rate:.1%}"
        f" (outside malformed/: {wellformed_text}/{len(wellformed)})",
        "",
        "== cases that differ (counted) ==",
    ]
    for relative, differences in failures.items():
        lines += [relative, *(f"    {d}" for d in differences)]
    lines += ["", "== malformed/ MIME structure differences (reported, not counted) =="]
    for relative, differences in structure_only.items():
        lines += [relative, *(f"    {d}" for d in differences)]
    lines += ["", "== text bodies that differ (reported, no threshold) =="]
    for relative, differences in text_failures.items():
        lines += [relative, *(f"    {d}" for d in differences)]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert rate >= 0.98, f"{len(failures)} cases differ; see {REPORT}"


def _same_text_exact(expected: str, actual: str) -> bool:
    """Line for line, U+FFFD in ``expected`` matching any one character."""
    if "\ufffd" not in expected:
        return expected == actual
    pattern = "".join("." if c == "\ufffd" else re.escape(c) for c in expected)
    return re.fullmatch(pattern, actual, re.DOTALL) is not None
