"""classify() against sisimai's public set of real bounces, complaints and vacation replies.

The corpus (../shared/corpora/bounces_sisimai, see its SOURCE) holds 589 messages from 72
mail server and provider families, and `expected.json` holds what sisimai's own test-suite
asserts for each: one record per bounced recipient with the RFC 3463 status, the SMTP reply
code, sisimai's reason name and its hard-bounce flag (plus the feedback type for ARF).

(a) Kind: bounce files must come out as "bounce", ARF files (and SES complaints) as
"feedback-report", rfc3834-* as "auto-reply", and files in maildir/not/ not as "bounce".

(b) How a bounce file counts as "recipients right" (the records carry no addresses):

* the number of bounced recipients equals the number of records;
* each record pairs with one recipient of ours whose `permanent` equals "status class 5"
  (sisimai's `hardbounce` is a narrower, reason-based notion: a full mailbox is 5.x.x but
  not "hard", so it is not compared);
* the status: sisimai writes its own pseudo-codes ("5.0.911" for user-unknown and so on,
  and "X.0.0") when a bounce carries no enhanced status. Where it wrote such a code we only
  require ours to be "" or of the same class; where it wrote a real code ours must equal it;
* the reply code must equal sisimai's where sisimai has one;
* every address we return must appear in the message (raw or decoded) and must not be the
  bounce's own sender.

Also: every feedback type must match, and every original Message-ID we report must appear in
the message. A file holding several messages in mbox form is read message by message, as
upstream reads it. Upstream skips lhost-postfix-49/-50 when sisimai finds nothing in them;
so do we (they count only if we call them bounces).

Failures are written to reports/corpus-sisimai.txt.
"""

from __future__ import annotations

import email
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from frontdesk.channels.email.auto import AutoVerdict, BouncedRecipient, classify

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "bounces_sisimai"
MAILDIR = CORPUS / "set-of-emails" / "maildir"
REPORT = Path(__file__).resolve().parents[2] / "reports" / "corpus-sisimai.txt"

_CLASS_ONLY_RE = re.compile(r"^[245]\.0\.(?:0|9\d\d)$")


@dataclass
class Score:
    kind_total: int = 0
    kind_right: int = 0
    detail_total: int = 0
    detail_right: int = 0
    feedback_total: int = 0
    feedback_right: int = 0
    message_ids: int = 0
    message_ids_unseen: int = 0
    failures: list[str] = field(default_factory=list)


def _expected_kind(name: str, records: list[dict[str, object]]) -> str:
    if records and all(r.get("reason") == "feedback" for r in records):
        return "feedback-report"
    if records and all(r.get("reason") == "vacation" for r in records):
        return "auto-reply"
    return "bounce"


def _pairs(
    expected: dict[str, object], ours: BouncedRecipient, raw: str, sender: str
) -> str | None:
    """Why `ours` does not match the expected record, or None when it does."""
    status = str(expected["deliverystatus"])
    if _CLASS_ONLY_RE.match(status):
        if ours.status and ours.status[0] != status[0]:
            return f"status {ours.status!r}, class of {status}"
    elif ours.status != status:
        return f"status {ours.status!r} != {status}"
    if ours.permanent != (status[:1] == "5"):
        return f"permanent {ours.permanent} for {status}"
    reply = str(expected["replycode"])
    if reply and ours.reply_code != reply:
        return f"reply {ours.reply_code!r} != {reply}"
    if ours.address.lower() not in raw:
        return f"address {ours.address} not in the message"
    if ours.address.lower() == sender:
        return f"address {ours.address} is the bounce's sender"
    return None


def _recipients_wrong(
    records: list[dict[str, object]], verdict: AutoVerdict, raw: str, sender: str
) -> str | None:
    ours = list(verdict.bounced_recipients)
    if len(ours) != len(records):
        return f"{len(ours)} recipients, expected {len(records)}"
    # In order first (sisimai reports in message order), then any pairing.
    problems = [_pairs(e, o, raw, sender) for e, o in zip(records, ours, strict=True)]
    if not any(problems):
        return None
    unused = list(ours)
    for record in records:
        match = next((o for o in unused if _pairs(record, o, raw, sender) is None), None)
        if match is None:
            return next(p for p in problems if p)
        unused.remove(match)
    return None


def _describe(verdict: AutoVerdict) -> str:
    recipients = "; ".join(
        f"{r.address} {r.status or '-'} {r.reply_code or '-'} {'perm' if r.permanent else 'temp'}"
        for r in verdict.bounced_recipients
    )
    return f"kind={verdict.kind} fb={verdict.feedback_type} [{recipients}] ({verdict.reason})"


def _haystack(raw: bytes, message: email.message.Message) -> str:
    """The message as text in which a returned address must appear: the raw bytes and
    every decoded part (an address may sit in a base64 or ISO-2022-JP body)."""
    texts = [raw.decode("latin-1")]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            charset = part.get_content_charset() or "utf-8"
            try:
                texts.append(payload.decode(charset, "replace"))
            except LookupError:
                texts.append(payload.decode("latin-1"))
    return "\n".join(texts).lower()


def _classify_file(raw: bytes) -> AutoVerdict:
    """Classify a file; an mbox holding several messages (upstream reads each) gives one
    verdict with the recipients of all of them."""
    chunks = [c for c in re.split(rb"\n\n(?=From [^\n]*\n[A-Za-z-]+:)", raw) if c.strip()]
    verdicts = [classify(email.message_from_bytes(chunk)) for chunk in chunks]
    first = verdicts[0]
    if len(verdicts) == 1:
        return first
    return AutoVerdict(
        kind=first.kind,
        bounced_recipients=tuple(r for v in verdicts for r in v.bounced_recipients),
        feedback_type=first.feedback_type,
        original_message_id=first.original_message_id,
        reason=first.reason,
    )


def score_corpus() -> Score:
    data: dict[str, Any] = json.loads((CORPUS / "expected.json").read_text())
    expected_all: dict[str, list[dict[str, object]]] = data["cases"]
    skipped = set(data.get("_skipped_by_upstream", []))
    score = Score()

    for path in sorted((MAILDIR / "bsd").glob("*.eml")):
        raw_bytes = path.read_bytes()
        verdict = _classify_file(raw_bytes)
        assert not verdict.reason.startswith("error"), path.name
        records = expected_all[path.name]
        want = _expected_kind(path.name, records)
        if path.name in skipped and verdict.kind != "bounce":
            continue
        score.kind_total += 1
        if verdict.kind == want:
            score.kind_right += 1
        else:
            score.failures.append(f"{path.name}: KIND want {want}, got {_describe(verdict)}")
        if want == "feedback-report":
            score.feedback_total += 1
            wanted_type = records[0].get("feedbacktype")
            if verdict.feedback_type == wanted_type:
                score.feedback_right += 1
            else:
                score.failures.append(
                    f"{path.name}: FEEDBACK want {wanted_type}, got {_describe(verdict)}"
                )
        message = email.message_from_bytes(raw_bytes)
        raw = _haystack(raw_bytes, message)
        if verdict.original_message_id:
            score.message_ids += 1
            if verdict.original_message_id.lower() not in raw:
                score.message_ids_unseen += 1
                score.failures.append(
                    f"{path.name}: MESSAGE-ID {verdict.original_message_id} is not in the message"
                )
        if want != "bounce":
            continue
        score.detail_total += 1
        sender = email.utils.parseaddr(str(message.get("From", "")))[1].lower()
        wrong = (
            "not a bounce"
            if verdict.kind != "bounce"
            else _recipients_wrong(records, verdict, raw, sender)
        )
        if wrong is None:
            score.detail_right += 1
        else:
            want_text = ", ".join(
                f"{r['deliverystatus']}/{r['replycode'] or '-'}/{r['reason']}" for r in records
            )
            score.failures.append(
                f"{path.name}: RECIPIENTS {wrong}; want [{want_text}], got {_describe(verdict)}"
            )

    for path in sorted((MAILDIR / "not").glob("*.eml")):
        verdict = classify(email.message_from_bytes(path.read_bytes()))
        score.kind_total += 1
        if verdict.kind != "bounce":
            score.kind_right += 1
        else:
            score.failures.append(f"not/{path.name}: classified as {_describe(verdict)}")
    return score


@pytest.mark.skipif(not CORPUS.is_dir(), reason="sisimai corpus not present")
def test_sisimai_corpus_is_classified_and_recipients_are_right() -> None:
    score = score_corpus()
    kind_rate = score.kind_right / score.kind_total
    detail_rate = score.detail_right / score.detail_total
    feedback_rate = score.feedback_right / max(score.feedback_total, 1)
    summary = (
        f"sisimai: kind {score.kind_right}/{score.kind_total} = {kind_rate:.1%}; "
        f"recipients right {score.detail_right}/{score.detail_total} = {detail_rate:.1%}; "
        f"feedback type {score.feedback_right}/{score.feedback_total}; "
        f"original Message-ID found in {score.message_ids}"
    )
    print(summary)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(summary + "\n" + "\n".join(score.failures) + "\n")
    assert kind_rate >= 0.95, summary
    assert detail_rate >= 0.95, summary
    assert feedback_rate >= 0.95, summary
    assert score.message_ids_unseen == 0, summary
