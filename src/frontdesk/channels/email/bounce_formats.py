"""Reading bounces that carry no machine-readable delivery-status part.

Most mail servers send RFC 3464 reports, which :mod:`frontdesk.channels.email.auto` reads
field by field. Many do not: qmail, Exim, old Sendmail, Exchange 2003, Lotus Notes, webmail
providers and appliances write a human-readable notice instead, and Amazon SES posts JSON.
This module finds, in such a notice, which recipients failed and the SMTP reply code and
RFC 3463 status written next to each of them.

The approach is generic rather than one parser per vendor:

1. Take the *notice*: the text parts of the bounce up to the point where the returned
   original message starts (a marker line such as "--- Below this line is a copy of the
   message." or a block of mail headers).
2. Find *anchors*: lines that name a recipient - an address at the start of a line
   (``<user@example.com>: host ... said: 550 ...``, ``  user@example.com``,
   ``550 <user@example.com>... User unknown``), or failing that an address after a phrase
   such as "could not be delivered to".
3. Read the text from each anchor to the next one for a reply code (``550``), an enhanced
   status (``5.1.1``) and words saying whether the failure is permanent or temporary.

Everything here is plain functions over ``str``; nothing raises on malformed input.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class BouncedRecipient:
    """One recipient a bounce reports on.

    ``status`` is the RFC 3463 enhanced status ("5.1.1") or "" when the bounce gives none;
    ``permanent`` is True for a hard failure (status class 5, a 5xx reply, or text saying
    so) and False for a delay (4.x.x) or a success report (2.x.x).
    """

    address: str
    status: str
    permanent: bool
    reply_code: str = ""
    reason: str = ""


# --------------------------------------------------------------------------------------------
# Small shared pieces: addresses, codes, header and body text

_LOCAL = (
    r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.+[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"|\"[^\"\s@<>]{1,64}\")"
)
_DOMAIN = (
    r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]"
    r"|\[[0-9.:A-Fa-f]+\])"
)
ADDRESS = _LOCAL + "@" + _DOMAIN
ADDRESS_RE = re.compile(r"(?<![\w.+-])(" + ADDRESS + r")(?![\w-])")

# "5.1.1", "4.7.26", "5.7.509": not part of an IP address or a version number.
STATUS_RE = re.compile(r"(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)")
# An SMTP reply code: three digits, first 2/4/5, standing alone (followed by a space, a
# hyphen of a multi-line reply, or the end of the line).
REPLY_RE = re.compile(
    r"(?:^|(?<=[\s:;(\[<>\"'=]))([45][0-5]\d|25[0-2])(?=[\s\-:,;)\]]|$)", re.MULTILINE
)

_WS_RE = re.compile(r"\s+")


def clean_address(value: str) -> str:
    """The bare address in a header-ish value: "rfc822; <a@b>" -> "a@b" ("" if none)."""
    match = ADDRESS_RE.search(value)
    return match.group(1) if match else ""


def _decode_bytes(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if candidate and candidate != "unknown-8bit":
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("cp1252", "replace")


def header_text(message: Message, name: str) -> str:
    """A header's value as text: RFC 2047 words decoded, raw UTF-8 (RFC 6532) read as
    such; "" when absent."""
    raw = message.get(name)
    if raw is None:
        return ""
    if isinstance(raw, str) and "=?" not in raw:
        return raw
    try:
        chunks = decode_header(raw)
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return str(raw)
    return "".join(
        _decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in chunks
    )


def header_addresses(message: Message, name: str) -> list[str]:
    """The addresses in every occurrence of an address header, lower-cased."""
    values = [str(v) for v in message.get_all(name) or []]
    found: list[str] = []
    for _display, address in getaddresses(values):
        address = clean_address(address)
        if address and address.lower() not in found:
            found.append(address.lower())
    return found


_TAG_RE = re.compile(r"<(?:br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.IGNORECASE)
_ANY_TAG_RE = re.compile(r"<[^>]*>")
_STYLE_RE = re.compile(r"<(style|script)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _html_to_text(html: str) -> str:
    import html as html_module

    text = _STYLE_RE.sub(" ", html)
    text = _TAG_RE.sub("\n", text)
    # Keep addresses written as "&lt;a@b&gt;" and strip real tags only.
    text = _ANY_TAG_RE.sub(" ", text)
    return html_module.unescape(text)


def part_text(part: Message, limit: int = 0) -> str:
    """The decoded text of a non-multipart part (HTML reduced to text), "" if none; with
    ``limit``, about that many characters at most."""
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, AssertionError):  # pragma: no cover - defensive
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return (raw[:limit] if limit else raw) if isinstance(raw, str) else ""
    cut = bool(limit) and len(payload) > limit * 4
    if cut:
        payload = payload[: limit * 4]
    charset = part.get_content_charset() or ""
    if not charset and b"\x1b$B" in payload:
        charset = "iso-2022-jp"
    text = _decode_body(payload, charset, cut)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_type() == "text/html":
        text = _html_to_text(text)
    return text


def _decode_body(payload: bytes, charset: str, cut: bool) -> str:
    """Decode with the declared charset, else UTF-8, else Windows-1252; a character split
    by our own cut at the end is dropped rather than failing the charset."""
    for candidate in (charset, "utf-8"):
        if not candidate or candidate == "unknown-8bit":
            continue
        try:
            return payload.decode(candidate)
        except LookupError:
            continue
        except UnicodeDecodeError as error:
            if cut and error.start >= len(payload) - 8:
                try:
                    return payload[: error.start].decode(candidate)
                except UnicodeDecodeError:
                    pass
    return payload.decode("cp1252", "replace")


_CONTAINERS = ("message/rfc822", "message/global")
_REPORT_PARTS = (
    "message/delivery-status",
    "message/global-delivery-status",
    "text/delivery-status",
    "message/feedback-report",
    "text/rfc822-headers",
    "message/global-headers",
)


def leaf_parts(message: Message) -> Iterator[Message]:
    """Every leaf part of the bounce itself, in order, without entering returned messages.

    An attached message (message/rfc822) is yielded as one part, not walked into.
    """
    pending: deque[Message] = deque([message])
    while pending:
        part = pending.popleft()
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                pending.extendleft(reversed([c for c in children if isinstance(c, Message)]))
            continue
        yield part


# --------------------------------------------------------------------------------------------
# The notice: the bounce's own words, before the returned message

# Lines that introduce the returned original message.
_CUT_RE = re.compile(
    r"""^[\s>|]*[-=_*#]*\s*(?:
        (?:this\s+is\s+a\s+copy\s+of\s+the\s+(?:message|headers))
      | (?:below\s+this\s+line\s+is\s+a\s+copy\s+of\s+the\s+message)
      | (?:-+\s*original\s+message\s*-+)
      | (?:original\s+message\s+(?:follows|headers?|header\s+follows)\b)
      | (?:original\s+message\s*:\s*$)
      | (?:(?:the\s+)?(?:header|headers)\s+of\s+(?:the\s+)?original\s+message)
      | (?:unsent\s+message\s+follows)
      | (?:message\s+headers?\s+follows?)
      | (?:returned\s+message\b)
      | (?:(?:a\s+)?copy\s+of\s+(?:the|your)\s+(?:original\s+)?message
           (?:\s+(?:follows|is\s+below|below|attached))?\s*[:.-]*\s*$)
      | (?:below\s+is\s+a\s+copy\s+of\s+the\s+original\s+message)
      | (?:the\s+original\s+message\s+(?:headers\s+)?(?:is|are|was)\s+
           (?:attached|included|below|as\s+follows))
      | (?:-+\s*original\s+message\b)
      | (?:-+\s*(?:message|mail)\s+(?:text|body)\b)
      | (?:your\s+message\s+reads)
      | (?:content\s+of\s+the\s+original\s+message)
      | (?:-+\s*the\s+original\s+message\b)
      | (?:-+\s*original\s+mail\s+information)
      | (?:元のメッセージ|元のメール|以下.{0,12}元のメール|送信されたメール)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Header lines that mark the start of a returned message's header block.
_HEADER_LINE_RE = re.compile(
    r"^(?:Return-Path|Received|Message-I[Dd]|DKIM-Signature|X-[A-Za-z0-9-]+|From|To|Cc|"
    r"Subject|Date|MIME-Version|Mime-Version|Content-Type|Content-Transfer-Encoding|"
    r"Delivered-To|Reply-To|Authentication-Results|ARC-[A-Za-z-]+|References|In-Reply-To|"
    r"User-Agent|Sender)\s*:",
    re.IGNORECASE,
)
_STRONG_HEADER_RE = re.compile(
    r"^(?:Return-Path|Received|Message-I[Dd]|DKIM-Signature|MIME-Version|Delivered-To)\s*:",
    re.IGNORECASE,
)
_FORWARD_RE = re.compile(
    r"begin\s+forwarded\s+message|-+\s*forwarded\s+message\s*-+",
    re.IGNORECASE,
)
_QUOTE_RE = re.compile(r"^> ?", re.MULTILINE)


def _header_block_at(lines: list[str], index: int) -> bool:
    """True when lines[index:] start a block of at least three mail-header lines, one of
    them a header only a real message carries (Received, Message-ID, Return-Path...)."""
    count = 0
    strong = False
    for line in lines[index : index + 12]:
        if not line.strip():
            break
        if line[0] in " \t":
            continue
        if not _HEADER_LINE_RE.match(line):
            break
        count += 1
        strong = strong or bool(_STRONG_HEADER_RE.match(line))
    return count >= 3 and strong


def _cut_point(lines: list[str]) -> int | None:
    """Index of the first line that belongs to the returned message, or None."""
    skip_headers_until = -1
    seen_text = False
    for index, line in enumerate(lines):
        if _FORWARD_RE.search(line):
            # A forwarded bounce: its own header block is the bounce, not the original.
            skip_headers_until = index + 15
            seen_text = True
            continue
        if _CUT_RE.match(line):
            return index
        if (
            seen_text
            and index > skip_headers_until
            and line[:1].isalpha()
            and _HEADER_LINE_RE.match(line)
            and _header_block_at(lines, index)
        ):
            return index
        if line.strip():
            seen_text = True
    return None


# A notice is short: only the first 64 KiB of each text part is read.
_MAX_NOTICE = 65_536


@dataclass
class Notice:
    """The human-readable part of a bounce and what was found after it."""

    text: str
    returned: str  # the text after the cut (returned message as text), may be ""


def notice_of(message: Message) -> Notice:
    """Collect the bounce's text parts up to the returned message."""
    pieces: list[str] = []
    returned = ""
    for part in leaf_parts(message):
        ctype = part.get_content_type()
        if ctype in _CONTAINERS or ctype in _REPORT_PARTS:
            if pieces:
                break
            continue
        maintype = part.get_content_maintype()
        if maintype != "text" and part is not message and maintype != "multipart":
            continue
        disposition = (part.get("Content-Disposition") or "").lower()
        if pieces and "attachment" in disposition:
            break
        text = part_text(part, _MAX_NOTICE)[:_MAX_NOTICE]
        if not text.strip():
            continue
        if _FORWARD_RE.search(text[:3000]):
            text = _QUOTE_RE.sub("", text)  # a forwarded bounce, quoted
        lines = text.split("\n")
        cut = _cut_point(lines)
        if cut is not None:
            pieces.append("\n".join(lines[:cut]))
            after = lines[cut + 1 :] if _CUT_RE.match(lines[cut]) else lines[cut:]
            returned = "\n".join(after).strip("\n")
            break
        pieces.append(text)
        if len(pieces) >= 3:
            break
    return Notice(text="\n".join(pieces), returned=returned)


# --------------------------------------------------------------------------------------------
# Finding recipients in the notice

# A line that starts with a recipient address, after optional bullets, a reply code and an
# enhanced status (Sendmail: "550 5.1.1 <a@b>... User unknown").
_ANCHOR_LINE_RE = re.compile(
    r"^[\s>*\-\u2022\u30fb]*(?:[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\s+)?)?"
    r"(?:(?:(?:In|Out)\s*:\s*|>>>\s*)?RCPT\s+TO\s*:\s*|Recipient\s*(?:address)?\s*:\s*)?"
    r"[\"']?<?(?:mailto:)?(" + ADDRESS + r")>?[\"']?(?P<rest>.*)$",
    re.IGNORECASE,
)
# What may not follow an address at the start of a line for it to be an anchor (a quote
# attribution, a sentence about the address rather than its delivery).
_ANCHOR_REST_BAD_RE = re.compile(
    r"^\s*(?:wrote|writes|schrieb|a\s+écrit|escribió|ha\s+scritto|is\s+(?:the|our|a)\s|様)",
    re.IGNORECASE,
)
# Phrases after which an address in running text is the failed recipient.
_PHRASE_RE = re.compile(
    r"(?:deliver(?:ing|ed|y)?\s+(?:your\s+)?(?:mail|message|e-?mail)?\s*(?:to|for)"
    r"|(?:undeliverable|undelivered|failed|failure|rejected)\s+(?:to|for)"
    r"|(?:recipients?|address(?:es)?)\s+(?:\w+\s+){0,4}?(?:errors?|failed|rejected)\s*:"
    r"|(?:delivered|sent|relayed)\s+to"
    r"|(?:message|mail|e-?mail)\s+to"
    r"|recipient(?:\(s\)|s)?(?:\s+address)?\s*[:=]?"
    r"|(?:unknown|invalid|nonexistent|disabled)\s+(?:user|recipient|mailbox|address)s?\s*[:=]?"
    r"|address(?:ee)?(?:\(es\)|es)?\s*[:=]"
    r"|mailbox\s*[:=]?"
    r"|user\s*[:=]"
    r"|RCPT\s+TO\s*:"
    r"|could\s+not\s+be\s+delivered\s+to\s*:?"
    r"|宛先\s*[:：]?"
    r")\s*<?(?:mailto:)?(" + ADDRESS + r")>?"
    # "User mailbox exceeds allowed size: a@b" - an address ending a line after a colon.
    r"|[:：]\s*<?(" + ADDRESS + r")>?\s*\.?\s*$",
    re.IGNORECASE,
)
# Lines offering help, whose addresses are contacts rather than recipients.
_CONTACT_RE = re.compile(
    r"contact|assistance|question|help|support|inform|please|\bfrom\s*:|sender|envelope",
    re.IGNORECASE,
)

_PERMANENT_RE = re.compile(
    r"permanent|fatal|given\s+up|gave\s+up|failed\s+permanently|unrecoverable|hard\s+bounce"
    r"|not\s+be\s+delivered|undeliverable|rejected|does\s+not\s+exist|unknown\s+user"
    r"|user\s+unknown|no\s+such\s+user",
    re.IGNORECASE,
)
_TEMPORARY_RE = re.compile(
    r"\bdelayed\b|\bdelay\b|temporar|will\s+(?:continue\s+to\s+)?(?:retry|try|keep\s+trying)"
    r"|still\s+(?:trying|being\s+retried)|not\s+yet\s+been\s+delivered|transient|deferred"
    r"|try(?:ing)?\s+again\s+later|been\s+delayed",
    re.IGNORECASE,
)


@dataclass
class _Anchor:
    address: str
    line: int


# Longer lines are not prose a bounce notice would write (base64, HTML, JSON): skipped,
# which also bounds the regular expressions' work.
_MAX_LINE = 1000


def _find_anchors(lines: list[str], excluded: set[str]) -> list[_Anchor]:
    anchors: list[_Anchor] = []
    for index, line in enumerate(lines):
        if "@" not in line or len(line) > _MAX_LINE:
            continue
        match = _ANCHOR_LINE_RE.match(line)
        if match is None:
            continue
        if _ANCHOR_REST_BAD_RE.match(match.group("rest")):
            continue
        address = match.group(1)
        if address.lower() in excluded:
            continue
        anchors.append(_Anchor(address, index))
    return anchors


def _find_phrase_anchors(lines: list[str], excluded: set[str]) -> list[_Anchor]:
    anchors: list[_Anchor] = []
    for index, line in enumerate(lines):
        if "@" not in line or len(line) > _MAX_LINE or _CONTACT_RE.search(line):
            continue
        for match in _PHRASE_RE.finditer(line):
            address = match.group(1) or match.group(2)
            if address.lower() in excluded:
                continue
            anchors.append(_Anchor(address, index))
    return anchors


_PAIR_RE = re.compile(r"(?<![\w.])([245]\d\d)[\s\-'\"]{1,3}([245]\.\d{1,3}\.\d{1,3})(?![\w]|\.\d)")


def codes_in(text: str) -> tuple[str, str]:
    """The enhanced status and SMTP reply code a piece of text gives ("" when none).

    A reply immediately followed by a status of the same class ("550 5.1.1", "550-5.1.1")
    wins; otherwise the first status, and the first reply code of the same class. Failure
    codes (4xx, 5xx) are preferred to the success replies of an SMTP transcript.
    """
    pairs = [
        (p.group(2), p.group(1)) for p in _PAIR_RE.finditer(text) if p.group(1)[0] == p.group(2)[0]
    ]
    failing_pair = next((p for p in pairs if p[0][0] != "2"), None)
    if failing_pair is not None:
        return failing_pair
    statuses = [".".join(m.groups()) for m in STATUS_RE.finditer(text)]
    replies = [m.group(1) for m in REPLY_RE.finditer(text)]
    status = next((c for c in statuses if c[0] != "2"), "")
    failing_replies = [r for r in replies if r[0] != "2"]
    if not status and not failing_replies:
        if pairs:
            return pairs[0]
        status = statuses[0] if statuses else ""
        failing_replies = replies
    reply = ""
    if status:
        reply = next((r for r in failing_replies if r[0] == status[0]), "")
    elif failing_replies:
        reply = failing_replies[0]
    return status, reply


def _summary(lines: list[str], address: str) -> str:
    """A short reason: the block's text without the address that opens it."""
    text = _WS_RE.sub(" ", "\n".join(lines)).strip()
    head = re.match(r"^[\"'<\s]*" + re.escape(address) + r"[\"'>\s]*[:,.]*\s*", text, re.IGNORECASE)
    if head is not None:
        text = text[head.end() :]
    return text.strip(" :-")[:200]


_STRONG_PERMANENT_RE = re.compile(
    r"permanent(?:ly)?\s+(?:fatal\s+)?(?:error|failure|failed)|failed\s+permanently"
    r"|fatal\s+error|given\s+up|gave\s+up",
    re.IGNORECASE,
)


def _is_permanent(status: str, reply: str, text: str, default: bool) -> bool:
    if status:
        return status[0] == "5"
    if reply:
        return reply[0] == "5"
    if _STRONG_PERMANENT_RE.search(text):
        return True
    if _TEMPORARY_RE.search(text):
        return False
    if _PERMANENT_RE.search(text):
        return True
    return default


def recipients_in_notice(
    notice: str,
    *,
    excluded: set[str],
    known: list[str],
    default_permanent: bool,
    soft_excluded: frozenset[str] = frozenset(),
) -> list[BouncedRecipient]:
    """The recipients a human-readable bounce notice reports, with their codes.

    ``known`` are addresses the bounce's headers name as failed (X-Failed-Recipients); when
    given they are the answer and the notice only supplies their codes. ``excluded`` are
    addresses that cannot be a failed recipient (the bounce's own sender and addressee);
    ``soft_excluded`` are among them but allowed when nothing else is found (a message
    sent to oneself bounces to its recipient).
    """
    lines = notice.split("\n")
    anchors = _find_anchors(lines, excluded)
    if not anchors and soft_excluded:
        anchors = _find_anchors(lines, excluded - soft_excluded)
    if known:
        wanted = {a.lower() for a in known}
        anchors = [a for a in anchors if a.address.lower() in wanted]
        mentioned = {a.address.lower() for a in anchors}
        for address in known:
            if address.lower() in mentioned:
                continue
            where = next(
                (i for i, line in enumerate(lines) if address.lower() in line.lower()), None
            )
            anchors.append(_Anchor(address, where if where is not None else len(lines)))
        anchors.sort(key=lambda a: a.line)
    if not anchors:
        anchors = _find_phrase_anchors(lines, excluded)
    if not anchors and soft_excluded:
        anchors = _find_phrase_anchors(lines, excluded - soft_excluded)
    if not anchors:
        return []

    # Each anchor's evidence runs to the next anchor; a recipient named twice (a list, then
    # a transcript) collects both stretches.
    blocks: dict[str, list[str]] = {}
    leading: dict[str, tuple[str, str]] = {}
    order: list[str] = []
    starts = [a.line for a in anchors] + [len(lines)]
    previous_end = 0
    for anchor, end in zip(anchors, starts[1:], strict=True):
        key = anchor.address.lower()
        chunk = lines[anchor.line : max(end, anchor.line + 1)]
        if key not in blocks:
            blocks[key] = []
            order.append(anchor.address)
        if chunk:
            # Sendmail: "554 <a@b>... 550 Host unknown" - the local MTA's code comes first,
            # the remote server's answer after the address; keep the first as a fallback.
            lead = _LEADING_CODE_RE.match(chunk[0])
            if lead is not None:
                # A transcript entry: only its own (indented) continuation lines belong to it.
                rest = chunk[1:]
                stop = next(
                    (i for i, line in enumerate(rest) if _TRANSCRIPT_LINE_RE.match(line)),
                    len(rest),
                )
                chunk = [chunk[0][lead.end() :], *rest[:stop]]
                if key not in leading:
                    leading[key] = codes_in(lead.group(0))
                    dialog = _dialog_reply(lines[previous_end : anchor.line])
                    if dialog:
                        leading[key] = (leading[key][0], dialog)
        blocks[key].extend(chunk)
        previous_end = anchor.line + 1

    found: list[BouncedRecipient] = []
    for address in order:
        key = address.lower()
        block = "\n".join(blocks[key])
        status, reply = codes_in(block)
        if (not status or not reply) and key in leading:
            status, reply = _merge_codes(status, reply, leading[key])
        if not status or not reply:
            # Lines elsewhere naming the address with a code ("<<< 550 5.1.1 <a@b>... ").
            for line in lines:
                if key in line.lower():
                    lead = _LEADING_CODE_RE.match(line)
                    if lead is not None and key in leading:
                        line = line[lead.end() :]
                    status, reply = _merge_codes(status, reply, codes_in(line))
        if len(order) == 1 and (not status or not reply):
            # One recipient: whatever code the notice gives is about it.
            status, reply = _merge_codes(status, reply, codes_in(notice))
        permanent = _is_permanent(status, reply, block, default_permanent)
        found.append(
            BouncedRecipient(
                address=address,
                status=status,
                permanent=permanent,
                reply_code=reply,
                reason=_summary(blocks[key], address),
            )
        )
    return found


_LEADING_CODE_RE = re.compile(
    r"^\s*[245]\d\d(?:[ -][245]\.\d{1,3}\.\d{1,3})?\s+(?=[<\"']?[^\s@]+@)"
)
_TRANSCRIPT_LINE_RE = re.compile(r"^\s*(?:[245]\d\d\s|>>>|<<<|while\s+talking)", re.IGNORECASE)
_DIALOG_REPLY_RE = re.compile(r"^\s*<<<\s*([45]\d\d)\b")


def _dialog_reply(lines: list[str]) -> str:
    """The last failing reply of an SMTP dialog ("<<< 550 ...") in the lines before an
    anchor, back to the "While talking to" line that opened it."""
    for line in reversed(lines):
        match = _DIALOG_REPLY_RE.match(line)
        if match:
            return match.group(1)
        if "while talking to" in line.lower():
            break
    return ""


def _merge_codes(status: str, reply: str, other: tuple[str, str]) -> tuple[str, str]:
    """Fill a missing status or reply code from another finding, keeping classes equal."""
    other_status, other_reply = other
    if not status and other_status and (not reply or other_status[0] == reply[0]):
        status = other_status
    if not reply and other_reply and (not status or other_reply[0] == status[0]):
        reply = other_reply
    return status, reply


# --------------------------------------------------------------------------------------------
# Amazon SES notifications (JSON, usually relayed by SNS e-mail subscriptions)

_SNS_WRAP_RE = re.compile(r"!\n ")


def _json_object(text: str) -> dict[str, object] | None:
    start = text.find("{")
    if start < 0:
        return None
    body = _SNS_WRAP_RE.sub("", text[start:])
    try:
        value, _end = json.JSONDecoder().raw_decode(body)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    inner = value.get("Message")
    if isinstance(inner, str) and "notificationType" in inner:
        try:
            nested = json.loads(inner)
        except ValueError:
            return None
        return nested if isinstance(nested, dict) else None
    return value


@dataclass(frozen=True)
class SesResult:
    kind: str  # "bounce" or "feedback-report"
    recipients: tuple[BouncedRecipient, ...]
    feedback_type: str | None
    message_id: str | None


def _dict(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def ses_notification(text: str) -> SesResult | None:
    """An Amazon SES bounce, complaint or delivery notification, if the text is one."""
    if "notificationType" not in text and "eventType" not in text:
        return None
    data = _json_object(text)
    if data is None:
        return None
    kind = _str(data.get("notificationType") or data.get("eventType")).lower()
    mail = _dict(data.get("mail"))
    message_id: str | None = None
    for header in _list(mail.get("headers")):
        header_dict = _dict(header)
        if _str(header_dict.get("name")).lower() == "message-id":
            message_id = _str(header_dict.get("value")).strip().strip("<>") or None
    if message_id is None:
        message_id = _str(mail.get("messageId")) or None

    if kind == "bounce":
        bounce = _dict(data.get("bounce"))
        hard = _str(bounce.get("bounceType")).lower() == "permanent"
        found: list[BouncedRecipient] = []
        for item in _list(bounce.get("bouncedRecipients")):
            entry = _dict(item)
            address = clean_address(_str(entry.get("emailAddress")))
            if not address:
                continue
            diagnostic = _str(entry.get("diagnosticCode"))
            status = _str(entry.get("status"))
            status_match = STATUS_RE.search(status) or STATUS_RE.search(diagnostic)
            status = ".".join(status_match.groups()) if status_match else ""
            _s, reply = codes_in(diagnostic)
            found.append(
                BouncedRecipient(
                    address=address,
                    status=status,
                    permanent=status[0] == "5" if status else hard,
                    reply_code=reply,
                    reason=_WS_RE.sub(" ", diagnostic).strip()[:200],
                )
            )
        return SesResult("bounce", tuple(found), None, message_id)
    if kind == "complaint":
        complaint = _dict(data.get("complaint"))
        feedback = _str(complaint.get("complaintFeedbackType")) or "abuse"
        return SesResult("feedback-report", (), feedback, message_id)
    if kind == "delivery":
        delivery = _dict(data.get("delivery"))
        response = _str(delivery.get("smtpResponse"))
        status, reply = codes_in(response)
        delivered = [
            BouncedRecipient(
                address=address,
                status=status or "2.0.0",
                permanent=False,
                reply_code=reply,
                reason="delivered",
            )
            for address in (clean_address(_str(r)) for r in _list(delivery.get("recipients")))
            if address
        ]
        return SesResult("bounce", tuple(delivered), None, message_id)
    return None
