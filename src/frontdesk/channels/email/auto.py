"""Recognise automatic mail: auto-replies, mailing-list mail, bounces and feedback reports.

Every inbound message passes through :func:`classify` before it becomes a ticket reply, so
that the help desk never answers an out-of-office reply with an acknowledgement (mail
loops), can mark an address as undeliverable when a message to it bounced, and can
unsubscribe a contact who reported a message as spam.

The checks, most certain first; the body is read only when a header asks for it:

1. Machine-readable reports: an RFC 5965 feedback report (ARF), an RFC 3464
   delivery-status part (also when pasted into text by broken software), Amazon SES JSON
   notifications, Hotmail and Apple complaints.
2. Human-readable bounces (qmail, Exim, old Sendmail, Exchange, Notes, webmail and
   appliances), read by :mod:`frontdesk.channels.email.bounce_formats`, only when a header
   points that way: a mailer-daemon sender, ``X-Failed-Recipients``, a report content
   type, or an empty Return-Path. A bounce-like subject alone never does - people write
   "my delivery failed" and forward bounces asking for help, and those are conversations.
3. Auto-replies: RFC 3834 ``Auto-Submitted: auto-replied``, ``X-Autoreply``,
   ``X-Autorespond``, ``Precedence: auto_reply`` and out-of-office subjects in many
   languages.
4. Mailing-list mail: ``List-Id``, ``List-Unsubscribe`` and the other list headers,
   ``Precedence: list``.
5. Weaker hints of automation that lose to list headers: ``Precedence: bulk/junk``,
   ``X-Auto-Response-Suppress``, ``Auto-Submitted: auto-generated`` - "auto-reply".

``kind == "bounce"`` covers every delivery-status notification: permanent failures, delay
warnings (status 4.x.x, ``permanent`` False) and the rare success reports (2.x.x) - read
each recipient's ``permanent`` and ``status`` before acting on it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email import message_from_string
from email.message import Message
from typing import Literal

from frontdesk.channels.email.bounce_formats import (
    ADDRESS,
    STATUS_RE,
    BouncedRecipient,
    clean_address,
    codes_in,
    header_addresses,
    header_text,
    leaf_parts,
    notice_of,
    part_text,
    recipients_in_notice,
    ses_notification,
)

__all__ = ["AutoKind", "AutoVerdict", "BouncedRecipient", "classify"]

_log = logging.getLogger(__name__)

AutoKind = Literal["auto-reply", "bounce", "list", "feedback-report"]


@dataclass(frozen=True)
class AutoVerdict:
    """What :func:`classify` decided about one message.

    ``kind`` is None for mail written by a person. ``original_message_id`` is the
    Message-ID (without angle brackets) of our message that bounced or was reported, when
    the report carries it. ``reason`` names the signal that decided, for logs.
    """

    kind: AutoKind | None
    bounced_recipients: tuple[BouncedRecipient, ...] = ()
    feedback_type: str | None = None
    original_message_id: str | None = None
    reason: str = ""


def classify(message: Message) -> AutoVerdict:
    """Decide whether ``message`` (from ``email.message_from_bytes``) is automatic mail."""
    try:
        return _classify(message, depth=0)
    except Exception:  # a malformed message must never stop intake
        _log.exception("could not classify message %r", message.get("Message-ID"))
        return AutoVerdict(kind=None, reason="error: classification failed")


# --------------------------------------------------------------------------------------------
# The decision

_DSN_TYPES = ("message/delivery-status", "message/global-delivery-status", "text/delivery-status")


def _classify(message: Message, depth: int) -> AutoVerdict:
    names = {name.lower() for name in message}
    ctype = message.get_content_type()
    subject = header_text(message, "Subject") if "subject" in names else ""

    # 1. Machine-readable reports.
    dsn_blocks: list[list[tuple[str, str]]] = []
    has_report = ctype == "multipart/report" and (
        str(message.get_param("report-type") or "").lower() != "disposition-notification"
    )
    if ctype.startswith("multipart/"):
        for part in leaf_parts(message):
            part_type = part.get_content_type()
            if part_type == "message/feedback-report":
                return _feedback_report(message, part)
            if part_type == "message/disposition-notification":
                # A read receipt (RFC 8098): automatic, and never to be answered.
                return AutoVerdict(kind="auto-reply", reason="read receipt (MDN)")
            if part_type in _DSN_TYPES:
                has_report = True
                dsn_blocks.extend(_report_blocks(part))
            elif part_type == "message/rfc822" and ctype == "multipart/mixed":
                complaint = _hotmail_complaint(part)
                if complaint is not None:
                    return complaint
    if (
        "x-apple-unsubscribe" in names
        and header_text(message, "X-Apple-Unsubscribe").strip().lower() == "true"
    ):
        return AutoVerdict(
            kind="feedback-report", feedback_type="opt-out", reason="X-Apple-Unsubscribe"
        )
    if dsn_blocks:
        recipients = _dsn_recipients(dsn_blocks)
        if recipients:
            return AutoVerdict(
                kind="bounce",
                bounced_recipients=tuple(_with_notice_codes(recipients, notice_of(message).text)),
                original_message_id=_returned_message_id(message, "") or _in_reply_to(message),
                reason="RFC 3464 delivery-status report",
            )
    if "x-mlserver" in names:
        fml = _fml_error(message, subject)
        if fml is not None:
            return fml

    # 2. Human-readable bounces, when a header points that way.
    evidence = _bounce_headers(message, names, subject, has_report)
    signals = _auto_signals(message, names, subject)
    if evidence.strong == 0 and signals.strong:
        # An out-of-office reply often comes with an empty Return-Path: unless a mailer
        # daemon sent it, its text is not read as a bounce.
        return AutoVerdict(kind="auto-reply", reason=signals.strong)
    if evidence.gate or evidence.maybe_ses:
        verdict = _text_bounce(message, evidence, depth)
        if verdict is not None:
            return verdict

    # 3.-5. Auto-replies and lists.
    if signals.strong:
        return AutoVerdict(kind="auto-reply", reason=signals.strong)
    if signals.listed:
        return AutoVerdict(kind="list", reason=signals.listed)
    if signals.weak:
        return AutoVerdict(kind="auto-reply", reason=signals.weak)
    return AutoVerdict(kind=None)


# --------------------------------------------------------------------------------------------
# Auto-replies and lists

# "Out of office" also starts ordinary subjects ("Out of office printer broken"): such
# phrases count only when the subject goes on with a colon, a bracket, a dash, a date or
# nothing. "Automatic reply" and its translations are unambiguous.
_AWAY_END = r"(?=\s*(?:[:：\-–—(\[,]|$|\d|until|till|from|on\s|bis|jusqu|hasta|fino|até|do\s))"
_VACATION_SUBJECT_RE = re.compile(
    r"""^\s*(?:\[[^\]]{0,40}\]\s*)?(?:
        # English
        (?:automatic|auto)[\s-]*(?:reply|response|answer)\b | autoreply\b | autoresponse\b
      | out\s+of\s+(?:the\s+)?office(?:\s+(?:auto[\s-]*)?(?:reply|response|notice|
            notification|message|alert))?AWAY
      | (?:away|absent)\s+from\s+(?:the\s+|my\s+)?(?:office|desk)AWAY
      | (?:on\s+)?(?:vacation|holiday)\s+(?:auto[\s-]*)?(?:reply|notice|message|response)\b
      | absence\s+(?:notice|message|notification)\b
      # German, Dutch, Nordic
      | automatische\s+antwort\b | abwesenheitsnotiz\b | abwesenheitsmeldung\b
      | automatisch\s+antwoord\b | afwezigheidsbericht\b | afwezig\s*:
      | autosvar\b | automatiskt?\s+svar\b | fr[aå]v[aæ]r(?:ende|o)?\s*:
      | automaattinen\s+vastaus\b | poissa\s+toimistoltaAWAY | sj[aá]lfvirkt\s+svar\b
      # French, Spanish, Portuguese, Italian, Catalan, Romanian
      | r[ée]ponse\s+automatique\b | message\s+d['’]absence\b
      | absen(?:ce|t|te)\s+du\s+bureauAWAY
      | respuesta\s+autom[aá]tica\b | fuera\s+de\s+(?:la\s+)?oficinaAWAY
      | resposta\s+autom[aáà]tica\b | aus[eê]ncia\s+tempor[aá]ria\b
      | fora\s+do\s+escrit[oó]rioAWAY
      | risposta\s+automatica\b | fuori\s+(?:sede|ufficio)AWAY | r[aă]spuns\s+automat\b
      # Central and Eastern Europe, the Baltics, Turkey
      | automatyczna\s+odpowied[zź]\b | poza\s+biuremAWAY
      | automatick[aá]\s+odpov[eě]ď | mimo\s+kancel[aá][rř]AWAY
      | automatikus\s+v[aá]lasz\b | h[aá]zon\s+k[ií]v[uü]lAWAY
      | automatski\s+odgovor\b | samodejni\s+odgovor\b | odsotnostAWAY
      | autom[aā]tisk[aā]\s+atbilde\b | automatinis\s+atsakymas\b | automaatvastus\b
      | otomatik\s+(?:yan[iı]t|cevap)\b | ofis\s+d[iı][sş][iı]ndaAWAY
      # Cyrillic
      | автоматический\s+ответ | автоответ | нет\s+на\s+местеAWAY | вне\s+офисаAWAY
      | автоматична\s+відповідь | автоматичен\s+отговор | аутоматски\s+одговор
      # Greek
      | αυτόματη\s+απάντηση | αυτοματη\s+απαντηση | εκτός\s+γραφείουAWAY
      # Armenian, Hebrew, Arabic, Persian
      | ավտոմատ\s+պատասխան | ինքնաշխատ\s+պատասխան
      | תשובה\s+אוטומטית | מחוץ\s+למשרדAWAY
      | رد\s+تلقائي | الرد\s+التلقائي | پاسخ\s+خودکار
      # South and South-East Asia
      | தானியங்கி\s+பதில் | தானியங்கு\s+பதில் | स्वचालित\s+उत्तर | स्वतः\s+उत्तर
      | ตอบกลับอัตโนมัติ | trả\s+lời\s+tự\s+động | balasan\s+otomatis | balasan\s+automatik
      # East Asia
      | 自動応答 | 自動返信 | 不在通知 | 自动回复 | 自動回覆 | 自動回復 | 자동\s*응답 | 자동\s*회신
    )""".replace("AWAY", _AWAY_END),
    re.IGNORECASE | re.VERBOSE,
)
_AUTOREPLY_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-autoreply-from",
    "x-mail-autoreply",
)
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "x-mailing-list", "mailing-list")


@dataclass(frozen=True)
class _AutoSignals:
    strong: str  # why this is an auto-reply for sure ("" when nothing says so)
    weak: str  # a hint of automation that loses to list headers
    listed: str  # which list header is present


def _auto_signals(message: Message, names: set[str], subject: str) -> _AutoSignals:
    strong = weak = listed = ""
    if "auto-submitted" in names:
        value = header_text(message, "Auto-Submitted").strip().lower()
        if value.startswith("auto-replied"):
            strong = f"Auto-Submitted: {value}"
        elif value and not value.startswith("no"):
            weak = f"Auto-Submitted: {value}"
    for name in _AUTOREPLY_HEADERS:
        if name in names and not strong:
            value = header_text(message, name).strip().lower()
            if value not in ("no", "false", "0"):
                strong = f"{name} header"
    if "precedence" in names:
        precedence = header_text(message, "Precedence").strip().lower()
        if precedence in ("auto_reply", "auto-reply"):
            strong = strong or f"Precedence: {precedence}"
        elif precedence == "list":
            listed = "Precedence: list"
        elif precedence in ("bulk", "junk"):
            weak = weak or f"Precedence: {precedence}"
    if not strong and subject and _VACATION_SUBJECT_RE.match(subject):
        strong = "out-of-office subject"
    if "x-auto-response-suppress" in names and not weak:
        value = header_text(message, "X-Auto-Response-Suppress").strip().lower()
        if value and value != "none":
            weak = "X-Auto-Response-Suppress header"
    listed = next((f"{name} header" for name in _LIST_HEADERS if name in names), listed)
    return _AutoSignals(strong=strong, weak=weak, listed=listed)


# --------------------------------------------------------------------------------------------
# Does the message look like a bounce?

_DAEMON_FROM_RE = re.compile(
    r"mailer[-_ .]?daemon|post[-_ ]?master|mail\s*delivery\s*(?:sub)?system|"
    r"mail[-_.]delivery[-_.]system|mail\s+deliver\s+system|delivery\s+status\s+notification|"
    r"\bndr\b|mail\s+administrator|\bmdaemon\b|mailadmin@",
    re.IGNORECASE,
)
# Providers whose bounces come from an ordinary-looking no-reply sender (KDDI au one net).
_BOUNCING_NO_REPLY_RE = re.compile(
    r"\bno-reply@(?:[\w-]+\.)*(?:dion\.ne\.jp|auone-net\.jp)\b", re.IGNORECASE
)
_BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver(?:able|ed)|undelivered\s+mail|delivery\s+(?:status\s+notification|status|"
    r"failure|failed|has\s+failed|problem|notification|report|error)|mail\s+delivery\s+failed|"
    r"returned\s+(?:mail|to\s+sender)|returning\s+(?:message|to\s+sender)|mail\s+failed|"
    r"mail\s+returned|failure\s+notice|failed\s+delivery|failure\s+delivery|non[-\s]?delivery|"
    r"could\s+not\s+be\s+delivered|couldn't\s+be\s+delivered|not\s+(?:been\s+)?delivered|"
    r"mail\s+system\s+error|delivery\s+failure|message\s+(?:delayed|delivery\s+has\s+failed)|"
    r"delayed\s+mail|warning:\s+message\s+.*\s+delayed|error\s+sending\s+(?:your\s+)?"
    r"(?:mail|message)|mail\s+failure|permanent\s+(?:delivery\s+)?failure|"
    r"unzustellbar|nicht\s+zustellbar|non\s+remis|no\s+se\s+puede\s+entregar|"
    r"onbestelbaar|olevererbart|non\s+recapitabile|n[aã]o\s+entregue|"
    r"не\s+доставлено|недоставлен|配信エラー|配送エラー|送信エラー|エラー通知|メールエラー|返送|"
    r"退信|未送达",
    re.IGNORECASE,
)
_BOUNCE_BODY_RE = re.compile(
    r"could\s+not\s+be\s+delivered|couldn't\s+be\s+delivered|was\s+not\s+delivered|"
    r"undeliverable|delivery\s+(?:to\s+the\s+following\s+recipient|has\s+failed|failed|"
    r"status\s+notification|problems?)|permanent\s+(?:fatal\s+)?error|"
    r"following\s+address(?:es|\(es\))?\s+(?:had|failed)|mail\s+delivery\s+(?:software|system)|"
    r"transcript\s+of\s+session|unable\s+to\s+deliver|(?:user|recipient|mailbox)\s+unknown|"
    r"unknown\s+(?:user|recipient)|qmail-send|this\s+is\s+the\s+mail\s+system|"
    r"did\s+not\s+reach|could\s+not\s+be\s+reached|returned\s+to\s+sender|"
    r"error\s+(?:delivering|sending)|not\s+listed\s+in|"
    r"no\s+such\s+(?:user|recipient|mailbox|address)|unknown\s+host|host\s+unknown|"
    r"failed\s+addresses|no\s+valid\s+recipients|invalid\s+(?:user|recipient|address)|"
    r"(?:mailbox|quota)\s+(?:is\s+)?(?:full|exceeded)|"
    r"配信|送信できませんでした|宛先|доставлено",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _BounceHeaders:
    """What the headers say about a possible human-readable bounce.

    ``strong`` (two points each): the sender is a mailer daemon, Exim's
    X-Failed-Recipients is present, the message is a multipart/report. ``weak`` (one point
    each): a null or daemon Return-Path (or no From at all), and a bounce-like subject.
    The body is read when there is a strong point or a null sender: a no-reply sender
    with a "delivery failed" subject is a shop's shipping notice as often as not.
    """

    strong: int
    null_sender: bool
    subject_bounce: bool
    subject: str
    failed_header: str
    maybe_ses: bool

    @property
    def weak(self) -> int:
        return int(self.null_sender) + int(self.subject_bounce)

    @property
    def gate(self) -> bool:
        return self.strong > 0 or self.null_sender


def _bounce_headers(
    message: Message, names: set[str], subject: str, has_report: bool
) -> _BounceHeaders:
    from_text = header_text(message, "From") if "from" in names else ""
    return_path = header_text(message, "Return-Path").strip() if "return-path" in names else ""
    failed_header = ",".join(str(v) for v in message.get_all("X-Failed-Recipients") or [])
    from_daemon = (
        bool(_DAEMON_FROM_RE.search(from_text))
        or ("from" in names and from_text.strip().strip('"') in ("<>", ""))
        or bool(_BOUNCING_NO_REPLY_RE.search(from_text))
    )
    null_sender = (
        ("return-path" in names and return_path in ("<>", ""))
        or "mailer-daemon" in return_path.lower()
        or "from" not in names
    )
    lowered = from_text.lower()
    return _BounceHeaders(
        strong=2 * from_daemon + 2 * bool(failed_header) + 2 * has_report,
        null_sender=null_sender,
        subject_bounce=bool(_BOUNCE_SUBJECT_RE.search(subject)),
        subject=subject,
        failed_header=failed_header,
        maybe_ses="amazonses" in lowered or "amazonaws" in lowered,
    )


def _body_evidence(text: str) -> int:
    """0, 1 or 2: how many different bounce phrases the notice uses (capped at two)."""
    seen: set[str] = set()
    for match in _BOUNCE_BODY_RE.finditer(text, 0, 16_384):  # the phrases open a notice
        seen.add(match.group(0).lower())
        if len(seen) >= 2:
            return 2
    return len(seen)


# --------------------------------------------------------------------------------------------
# Human-readable bounces


def _text_bounce(message: Message, headers: _BounceHeaders, depth: int) -> AutoVerdict | None:
    notice = notice_of(message)

    if "notificationType" in notice.text or "eventType" in notice.text:
        ses = ses_notification(notice.text)
        if ses is not None:
            if ses.kind == "feedback-report":
                return AutoVerdict(
                    kind="feedback-report",
                    feedback_type=ses.feedback_type,
                    original_message_id=ses.message_id,
                    reason="Amazon SES complaint notification",
                )
            return AutoVerdict(
                kind="bounce",
                bounced_recipients=ses.recipients,
                original_message_id=ses.message_id,
                reason="Amazon SES notification",
            )
    if not headers.gate:
        return None

    # Certainty: header points plus up to two for bounce phrases in the notice. Two points
    # need recipients with an SMTP code next to them, three suffice without.
    score = headers.strong + headers.weak + _body_evidence(notice.text)
    if score < 2:
        return None

    senders = set(header_addresses(message, "From"))
    addressee = frozenset(header_addresses(message, "To")) - senders
    known = [a for a in (clean_address(v) for v in re.split(r"[,\s]+", headers.failed_header)) if a]
    excluded = (senders | addressee) - {a.lower() for a in known}
    default_permanent = not re.search(
        r"delay|warning|still\s+being\s+retried|will\s+retry", headers.subject, re.IGNORECASE
    )
    recipients = _inline_dsn(notice.text) or recipients_in_notice(
        notice.text,
        excluded=excluded,
        known=known,
        default_permanent=default_permanent,
        soft_excluded=addressee,
    )
    original_id = _returned_message_id(message, notice.returned) or _in_reply_to(message)
    has_codes = any(r.status or r.reply_code for r in recipients)
    if recipients and (score >= 3 or has_codes):
        return AutoVerdict(
            kind="bounce",
            bounced_recipients=tuple(recipients),
            original_message_id=original_id,
            reason="bounce notice (text)",
        )
    if score < 3 or not headers.strong:
        return None

    # Surely a bounce, but the notice names nobody. A gateway may have wrapped the real
    # report: read an attached (or pasted) message that is itself a bounce.
    if depth == 0:
        for inner in _attached_messages(message, notice.returned):
            inner_verdict = _classify(inner, depth=1)
            if inner_verdict.kind == "bounce" and inner_verdict.bounced_recipients:
                return inner_verdict
    # If the returned message had a single recipient, that is who failed.
    returned = [a for a in _returned_recipients(message, notice.returned) if a not in excluded]
    found: tuple[BouncedRecipient, ...] = ()
    if len(returned) == 1:
        status, reply = codes_in(notice.text)
        code = status or reply
        permanent = code[0] == "5" if code else default_permanent
        reason = " ".join(notice.text.split())[:200]
        found = (BouncedRecipient(returned[0], status, permanent, reply, reason),)
    return AutoVerdict(
        kind="bounce",
        bounced_recipients=found,
        original_message_id=original_id,
        reason="bounce notice (recipient from the returned message)"
        if found
        else "bounce notice (no recipient named)",
    )


_FML_ERROR_SUBJECT_RE = re.compile(
    r"are\s+not\s+(?:a\s+)?member|not\s+member|loop\s+alert|\berror\b", re.IGNORECASE
)


def _fml_error(message: Message, subject: str) -> AutoVerdict | None:
    """fml (a mailing-list manager common in Japan) refusing a post: our message did not
    reach the list, so it is reported as a bounce for the list address it names."""
    server = header_text(message, "X-MLServer").lower()
    if not server.startswith("fml") or not _FML_ERROR_SUBJECT_RE.search(subject):
        return None
    notice = notice_of(message)
    ours = set(header_addresses(message, "From")) | set(header_addresses(message, "To"))
    named = (m.group(1) for m in re.finditer(r"<(" + ADDRESS + r")>", notice.text))
    list_address = next((a for a in named if a.lower() not in ours), "")
    if not list_address:
        return None
    reason = " ".join(notice.text.split())[:200]
    return AutoVerdict(
        kind="bounce",
        bounced_recipients=(BouncedRecipient(list_address, "", True, "", reason),),
        original_message_id=_in_reply_to(message),
        reason="fml mailing-list error",
    )


# --------------------------------------------------------------------------------------------
# RFC 3464 delivery-status notifications


def _fields(text: str) -> list[tuple[str, str]]:
    """Name/value pairs of a header-style block, continuation lines unfolded."""
    fields: list[tuple[str, str]] = []
    for line in text.split("\n"):
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if sep and name and " " not in name.strip():
            fields.append((name.strip().lower(), value.strip()))
        elif line.strip() and fields:
            # A continuation line someone forgot to indent (seen in real reports).
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
    return fields


def _report_blocks(part: Message) -> list[list[tuple[str, str]]]:
    """The blank-line separated field blocks of a delivery-status or feedback part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        texts: list[str] = []
        for block in payload:
            if not isinstance(block, Message):
                continue
            head = "\n".join(f"{k}: {v}" for k, v in block.items())
            body = block.get_payload()
            texts.append(head + ("\n" + body if isinstance(body, str) and body.strip() else ""))
        text = "\n\n".join(texts)
    else:
        text = part_text(part)
    text = text.replace("\r\n", "\n")
    return [f for f in (_fields(chunk) for chunk in re.split(r"\n[ \t]*\n", text)) if f]


_RECIPIENT_FIELDS = ("final-recipient", "original-recipient", "x-actual-recipient")


def _dsn_groups(blocks: list[list[tuple[str, str]]]) -> list[dict[str, str]]:
    """One dict of fields per recipient: each block naming a recipient, split again where
    a block (missing its blank line) names a second one."""
    groups: list[dict[str, str]] = []
    for block in blocks:
        if not any(name in _RECIPIENT_FIELDS for name, _ in block):
            continue
        current: dict[str, str] = {}
        for name, value in block:
            if name in current and name in _RECIPIENT_FIELDS[:2]:
                groups.append(current)
                current = {}
            current.setdefault(name, value)
        groups.append(current)
    return groups


def _dsn_recipients(blocks: list[list[tuple[str, str]]]) -> list[BouncedRecipient]:
    found: list[BouncedRecipient] = []
    seen: set[str] = set()
    for group in _dsn_groups(blocks):
        address = next(
            (a for a in (clean_address(group.get(n, "")) for n in _RECIPIENT_FIELDS) if a), ""
        )
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        action = (group.get("action", "").split() or [""])[0].lower()
        diagnostic = group.get("diagnostic-code", "")
        diagnostic = diagnostic.partition(";")[2] if ";" in diagnostic else diagnostic
        status_match = STATUS_RE.search(group.get("status", ""))
        status = ".".join(status_match.groups()) if status_match else ""
        diag_status, reply = codes_in(diagnostic)
        # What the remote server said is more specific than the reporting MTA's summary
        # (a "4.4.7 expired" that was really "450 4.7.1 access denied").
        if diag_status and (
            not status
            or diag_status[0] == status[0]
            or (action == "failed" and diag_status[0] == "5")
        ):
            status = diag_status
        if reply and status and reply[0] != status[0]:
            reply = ""
        if status:
            permanent = status[0] == "5"
        elif reply:
            permanent = reply[0] == "5"
        else:
            permanent = action in ("failed", "expired")
        reason = (" ".join(diagnostic.split()) or action)[:200]
        found.append(BouncedRecipient(address, status, permanent, reply, reason))
    return found


def _with_notice_codes(
    recipients: list[BouncedRecipient], notice_text: str
) -> list[BouncedRecipient]:
    """Fill missing or generic (X.0.0) codes of report recipients from the notice text."""
    if not notice_text.strip() or all(
        r.status and not r.status.endswith(".0.0") and r.reply_code for r in recipients
    ):
        return recipients
    from_notice = {
        r.address.lower(): r
        for r in recipients_in_notice(
            notice_text,
            excluded=set(),
            known=[r.address for r in recipients],
            default_permanent=True,
        )
    }
    improved: list[BouncedRecipient] = []
    for recipient in recipients:
        other = from_notice.get(recipient.address.lower())
        status, reply = recipient.status, recipient.reply_code
        if other is not None:
            if other.status and (
                not status or (status.endswith(".0.0") and other.status[0] == status[0])
            ):
                status = other.status
            if not reply and other.reply_code and (not status or other.reply_code[0] == status[0]):
                reply = other.reply_code
        permanent = status[0] == "5" if status else recipient.permanent
        improved.append(
            BouncedRecipient(recipient.address, status, permanent, reply, recipient.reason)
        )
    return improved


_INLINE_DSN_RE = re.compile(r"^[ \t>]*Final-Recipient\s*:", re.IGNORECASE | re.MULTILINE)


def _inline_dsn(text: str) -> list[BouncedRecipient]:
    """A delivery-status block pasted into text (broken MIME, a bounce inside a bounce)."""
    if not _INLINE_DSN_RE.search(text):
        return []
    lines = "\n".join(line.strip() for line in text.split("\n"))
    blocks = [f for f in (_fields(chunk) for chunk in re.split(r"\n\s*\n", lines)) if f]
    recipients = _dsn_recipients(blocks)
    return _with_notice_codes(recipients, text) if recipients else []


# --------------------------------------------------------------------------------------------
# Feedback reports (complaints)


def _feedback_report(message: Message, part: Message) -> AutoVerdict:
    fields = {name: value for block in _report_blocks(part) for name, value in reversed(block)}
    feedback_type = (fields.get("feedback-type", "").split() or ["other"])[0].lower()
    return AutoVerdict(
        kind="feedback-report",
        feedback_type=feedback_type,
        original_message_id=_returned_message_id(message, ""),
        reason="ARF feedback report",
    )


def _hotmail_complaint(part: Message) -> AutoVerdict | None:
    """Hotmail/Outlook.com's complaint format: the reported message attached, marked."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message) or inner.get("X-HmXmrOriginalRecipient") is None:
        return None
    return AutoVerdict(
        kind="feedback-report",
        feedback_type="abuse",
        original_message_id=_message_id(str(inner.get("Message-ID") or "")),
        reason="Hotmail complaint report",
    )


# --------------------------------------------------------------------------------------------
# The returned message

_MESSAGE_ID_LINE_RE = re.compile(
    r"^[\s>]*Message-I[Dd]\s*:\s*<?([^\s<>]+@[^\s<>]+)>?", re.MULTILINE
)


def _message_id(value: str) -> str | None:
    match = re.search(r"<([^<>\s]+)>", value)
    if match:
        return match.group(1)
    return value.strip().strip("<>") or None


def _in_reply_to(message: Message) -> str | None:
    """Gmail and others thread a bounce under the message that bounced."""
    value = header_text(message, "In-Reply-To")
    return _message_id(value) if value.strip() else None


def _attached_headers(message: Message) -> Message | None:
    """The returned message (or its headers) attached to a report, if any."""
    for part in leaf_parts(message):
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                return inner
            return message_from_string(part_text(part))
        if ctype in ("text/rfc822-headers", "message/global-headers"):
            return message_from_string(part_text(part).lstrip())
    return None


def _returned_message_id(message: Message, returned_text: str) -> str | None:
    attached = _attached_headers(message)
    if attached is not None and attached.get("Message-ID"):
        return _message_id(str(attached.get("Message-ID")))
    match = _MESSAGE_ID_LINE_RE.search(returned_text)
    return match.group(1) if match else None


def _returned_recipients(message: Message, returned_text: str) -> list[str]:
    """The To/Cc addresses of the returned message (used when the notice names nobody)."""
    attached = _attached_headers(message)
    if attached is None and returned_text:
        attached = message_from_string(returned_text.lstrip())
    if attached is None:
        return []
    return header_addresses(attached, "To") + header_addresses(attached, "Cc")


def _attached_messages(message: Message, returned_text: str) -> list[Message]:
    """Messages attached to the bounce, or pasted after its notice as text."""
    found: list[Message] = []
    for part in leaf_parts(message):
        if part.get_content_type() in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            if isinstance(payload, list):
                found.extend(p for p in payload if isinstance(p, Message))
    if not found and "multipart/report" in returned_text[:5000].lower():
        found.append(message_from_string(returned_text.lstrip()))
    return found
