"""Which ticket an email continues.

In order: our reply token (in the address it was sent to, or in one of our Message-IDs it
refers to), its In-Reply-To / References against stored Message-IDs, a ticket number in
the subject (`[#1234]`), and — for the same contact and an open ticket only — the same
normalised subject within a window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, or_, select

from frontdesk.channels.email.config import EmailInboxConfig
from frontdesk.channels.email.parse import ParsedEmail
from frontdesk.db.rows import read, read_scalar, table_of
from frontdesk.domain.tx import Tx
from frontdesk.models import OPEN_STATUSES, Inbox, Message, Ticket, TicketParticipant

# Our Message-IDs look like <fd.981.Kx3vQ2aB@example.com>: message 981 of the ticket whose
# token is Kx3vQ2aB. The token alone identifies the ticket; the number keeps ids unique.
_OUR_MESSAGE_ID = re.compile(r"^fd\.\d+\.([A-Za-z0-9_-]{8,32})@")
_NUMBER_IN_SUBJECT = re.compile(r"\[#(\d{1,12})\]")
# Reply and forward prefixes in many languages: Re, Fwd, AW/WG (de), SV/VS (nordic),
# Ynt (tr), Odp/PD (pl), RE/TR (fr), Απ/Σχετ (el), Отв/Пер (ru), Atb (lv), Odg (sl).
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|vb|ynt|odp|pd|tr|rif|r|enc|res|antw|doorst|απ|σχετ|"
    r"отв|пер|atb|odg|fw)\s*(?:\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ThreadMatch:
    ticket_id: int
    # Proven by something only a party to the conversation has (a token, our Message-ID,
    # a stored Message-ID); subject matches are not proof and need the same contact.
    verified: bool
    how: str


def normalize_subject(subject: str) -> str:
    subject = _NUMBER_IN_SUBJECT.sub(" ", subject)
    subject = _PREFIX.sub("", subject)
    return " ".join(subject.split()).casefold()


def reply_token(config: EmailInboxConfig, parsed: ParsedEmail) -> str | None:
    """The ticket token from local+token@domain among the recipients, or from one of our
    Message-IDs that the mail refers to."""
    local, _, domain = config.address.rpartition("@")
    prefix = f"{local}+"
    for address in [a.address for a in (*parsed.to, *parsed.cc)] + [
        value.strip().strip("<>")
        for name in ("Delivered-To", "X-Original-To")
        for value in parsed.header_all(name)
    ]:
        # Tokens are lowercase hex, and mail servers may change the case of addresses.
        addr_local, _, addr_domain = address.lower().rpartition("@")
        if addr_domain == domain and addr_local.startswith(prefix):
            return addr_local[len(prefix) :]
    for ref in (*parsed.in_reply_to, *reversed(parsed.references)):
        found = _OUR_MESSAGE_ID.match(ref)
        if found:
            return found.group(1).lower()
    return None


def find_thread(
    tx: Tx,
    inbox_id: int,
    config: EmailInboxConfig,
    parsed: ParsedEmail,
    contact_id: int,
    *,
    new_contact: bool = False,
) -> ThreadMatch | None:
    """`new_contact`: the sender was first seen in this transaction, so no ticket is theirs
    yet and the subject is not looked up."""
    # Prebuilt statements (db/rows.py): this runs for every mail that arrives.
    session = tx.session
    token = reply_token(config, parsed)
    if token:
        found = read_scalar(session, _BY_TOKEN, {"token": token, "inbox_id": inbox_id})
        if found is not None:
            return ThreadMatch(found, True, "token")
    references = [*parsed.in_reply_to, *reversed(parsed.references)]
    if references:
        statement, params = _by_reference(references[:MAX_REFERENCES])
        found = read_scalar(session, statement, {"inbox_id": inbox_id, **params})
        if found is not None:
            return ThreadMatch(found, True, "references")
    number = _NUMBER_IN_SUBJECT.search(parsed.subject)
    if number and int(number.group(1)) < 2**31:  # ids are 32-bit integers on PostgreSQL
        party = {"ticket_id": int(number.group(1)), "inbox_id": inbox_id, "contact_id": contact_id}
        found = read_scalar(session, _BY_NUMBER_OF_PARTY, party)
        if found is not None:
            return ThreadMatch(found, False, "subject number")
    if config.subject_window_days and parsed.subject.strip() and not new_contact:
        wanted = normalize_subject(parsed.subject)
        since = tx.now() - timedelta(days=config.subject_window_days)
        candidates = read(
            session,
            _RECENT_OPEN_OF_CONTACT,
            {"inbox_id": inbox_id, "contact_id": contact_id, "since": since},
        )
        for ticket_id, subject in candidates:
            if wanted and normalize_subject(subject) == wanted:
                return ThreadMatch(ticket_id, False, "subject")
    return None


_TICKETS = table_of(Ticket)
_MESSAGES = table_of(Message)
_PARTICIPANTS = table_of(TicketParticipant)
_INBOXES = table_of(Inbox)
# A token names one ticket of this inbox, or of the web form, whose replies go out by
# email through any email inbox (channels/webform).
_BY_TOKEN = select(_TICKETS.c.id).where(
    _TICKETS.c.token == bindparam("token"),
    or_(
        _TICKETS.c.inbox_id == bindparam("inbox_id"),
        _TICKETS.c.inbox_id.in_(select(_INBOXES.c.id).where(_INBOXES.c.kind == "webform")),
    ),
)
# The Message-IDs looked up for one mail (In-Reply-To first, then References newest first).
MAX_REFERENCES = 50
# IN lists are built for these lengths and filled up by repeating the last id: a handful
# of statements prebuilt once, where an expanding IN would be compiled for every mail.
_REFERENCE_LIST_SIZES = (1, 4, 16, MAX_REFERENCES)


def _by_reference(references: list[str]) -> tuple[Select[Any], dict[str, str]]:
    size = next(n for n in _REFERENCE_LIST_SIZES if n >= len(references))
    padded = references + references[-1:] * (size - len(references))
    return _by_reference_among(size), {f"ref{i}": ref for i, ref in enumerate(padded)}


@cache
def _by_reference_among(size: int) -> Select[Any]:
    return (
        select(_MESSAGES.c.ticket_id)
        .where(
            _MESSAGES.c.inbox_id == bindparam("inbox_id"),
            _MESSAGES.c.external_id.in_([bindparam(f"ref{i}") for i in range(size)]),
        )
        .order_by(_MESSAGES.c.id.desc())
        .limit(1)
    )


# A number in the subject is easy to type by mistake: it counts only for the ticket's
# customer or someone on its conversation.
_BY_NUMBER_OF_PARTY = select(_TICKETS.c.id).where(
    _TICKETS.c.id == bindparam("ticket_id"),
    _TICKETS.c.inbox_id == bindparam("inbox_id"),
    or_(
        _TICKETS.c.contact_id == bindparam("contact_id"),
        exists().where(
            _PARTICIPANTS.c.ticket_id == _TICKETS.c.id,
            _PARTICIPANTS.c.contact_id == bindparam("contact_id"),
        ),
    ),
)
_RECENT_OPEN_OF_CONTACT = (
    select(_TICKETS.c.id, _TICKETS.c.subject)
    .where(
        _TICKETS.c.inbox_id == bindparam("inbox_id"),
        _TICKETS.c.contact_id == bindparam("contact_id"),
        _TICKETS.c.status.in_(OPEN_STATUSES),
        _TICKETS.c.updated_at >= bindparam("since"),
    )
    .order_by(_TICKETS.c.updated_at.desc())
    .limit(20)
)
