"""``trim_reply`` against Discourse's email_reply_trimmer corpus and its expected results.

The corpus lives outside the repository (``../shared/corpora/reply_trimmer_discourse``; see
its README and SOURCE); this test reads it in place and is skipped where it is absent. Run
with ``-s`` to see the match rates; the cases that differ, and how, are written to
``reports/corpus-discourse.txt``.

For every ``test/emails/<name>.txt`` with an expected ``test/trimmed/<name>.txt``:

- visible (asserted, at least 90%): our ``visible`` equals the expected trimmed text. Both
  sides have CRLF turned into LF and leading/trailing whitespace stripped, and nothing else:
  no per-line or inner whitespace normalisation.
- elided (reported, no threshold): our ``elided`` equals ``test/elided/<name>.txt`` under the
  same normalisation. Upstream rewrites the removed part (quote markers such as ``Richard>``
  or ``|`` become ``>``; wrapped "On … wrote:" lines are joined also inside quotes); we only
  join wrapped attribution lines that we removed, so those cases differ on purpose.

Known difference on purpose: ``spam_1`` is nothing but quotes, which upstream trims to an
empty text; ``trim_reply`` never returns an empty ``visible`` for a message with content and
returns the message whole instead. It counts as a failure here.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from frontdesk.channels.email.quotes import trim_reply

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "reply_trimmer_discourse"
CASES = CORPUS / "test"
REPORT = Path(__file__).resolve().parents[2] / "reports" / "corpus-discourse.txt"
THRESHOLD = 0.90

pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason=f"corpus not found at {CORPUS}")


def _read(path: Path) -> str:
    # Bytes, not read_text(): universal newlines would hide the CRLF cases from trim_reply.
    return path.read_bytes().decode("utf-8")


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _diff(expected: str, actual: str, limit: int = 16) -> list[str]:
    lines = list(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "expected", "actual", lineterm="", n=1
        )
    )
    return [*lines[:limit], *(["    …"] if len(lines) > limit else [])]


def test_discourse_corpus_trimmed_and_elided_match_rates() -> None:
    cases = sorted(
        path
        for path in (CASES / "emails").glob("*.txt")
        if (CASES / "trimmed" / path.name).is_file()
    )
    assert cases, "no cases with an expected trimmed text"

    passed = elided_passed = elided_total = 0
    report: list[str] = []
    for path in cases:
        trimmed = trim_reply(_read(path))
        visible, elided = _normalise(trimmed.visible), _normalise(trimmed.elided)

        expected = _normalise(_read(CASES / "trimmed" / path.name))
        if visible == expected:
            passed += 1
        else:
            report += [f"== {path.name}: visible differs", *_diff(expected, visible), ""]

        elided_path = CASES / "elided" / path.name
        if elided_path.is_file():
            elided_total += 1
            expected_elided = _normalise(_read(elided_path))
            if elided == expected_elided:
                elided_passed += 1
            else:
                report += [f"== {path.name}: elided differs", *_diff(expected_elided, elided), ""]

    total = len(cases)
    rate = passed / total
    elided_rate = elided_passed / elided_total if elided_total else 1.0
    summary = [
        f"discourse: {passed}/{total} = {rate:.1%}",
        f"discourse elided: {elided_passed}/{elided_total} = {elided_rate:.1%}",
    ]
    print(*summary, sep="\n")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join([*summary, "", *report]) + "\n", encoding="utf-8")

    assert rate >= THRESHOLD, f"{summary[0]} is below {THRESHOLD:.0%}; see {REPORT}"
