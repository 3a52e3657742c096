"""One raw email in, one outcome out. IMAP, the SMTP listener, the inbound webhook and
`frontdesk mail import` all call `ingest()`; it answers only after the transaction that
stored the message committed, so a source is acknowledged only for what is safe."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, replace
from email.message import Message as MimeMessage
from functools import partial
from typing import Literal

from sqlalchemy import bindparam, insert, select, update

from frontdesk import metrics
from frontdesk.channels.base import InboundAttachment, InboundMessage, Sender, parsed_config
from frontdesk.channels.email.auto import AutoVerdict, classify
from frontdesk.channels.email.config import EmailInboxConfig
from frontdesk.channels.email.parse import Address, ParsedEmail, parse_email
from frontdesk.channels.email.quotes import Trimmed, trim_reply
from frontdesk.channels.email.threading import find_thread
from frontdesk.db.rows import get_row, table_of, write
from frontdesk.domain.attachments import AttachmentStore
from frontdesk.domain.contacts import IdentityRef, resolve_sender
from frontdesk.domain.errors import NotFound
from frontdesk.domain.inbound import receive
from frontdesk.domain.tx import Tx
from frontdesk.models import ContactIdentity, Inbox, Message, MessageOriginal
from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)

Outcome = Literal["stored", "duplicate", "bounce", "ignored", "refused"]


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    reason: str = ""
    ticket_id: int | None = None
    message_id: int | None = None


class UnknownInbox(Exception):
    """No active email inbox with that id or address (the SMTP listener answers 550)."""


def load_config(tx: Tx, inbox_id: int) -> EmailInboxConfig:
    inbox = get_row(tx.session, Inbox, inbox_id)
    if inbox is None or inbox.kind != "email" or not inbox.is_active:
        raise UnknownInbox(f"no active email inbox {inbox_id}")
    return parsed_config(EmailInboxConfig, inbox_id, inbox.config)


@dataclass(frozen=True)
class ReadEmail:
    """What a raw message says, worked out without the database. Parsing, classifying and
    trimming are most of an ingest's work; `frontdesk mail import` does them in other
    processes while it stores (see `portable`)."""

    parsed: ParsedEmail
    verdict: AutoVerdict
    trimmed: Trimmed
    raw_sha: str


# An original up to this size is kept in the database with its message (MessageOriginal);
# a larger one goes to the attachment store, before storing, by whoever reads it, and its
# MessageOriginal row names it.
ORIGINAL_IN_DATABASE_MAX = 64 * 1024


def read_email(raw: bytes, storage: AttachmentStore) -> ReadEmail:
    parsed = parse_email(raw)
    verdict = classify(parsed.headers)
    if len(raw) > ORIGINAL_IN_DATABASE_MAX:
        raw_sha = storage.put(raw)
    else:
        raw_sha = hashlib.sha256(raw).hexdigest()
    for attachment in parsed.attachments:
        # Written here, in a reader process when there is one: creating a file costs more
        # than the SQL of a message, and storing then finds the file already there.
        storage.put(attachment.data)
    return ReadEmail(parsed, verdict, trim_reply(parsed.text), raw_sha)


def portable(email: ReadEmail) -> ReadEmail:
    """The same, cheap to send to another process: of the MIME tree, only the top-level
    headers that storing still reads are kept."""
    headers = MimeMessage()
    for name, value in email.parsed.headers.raw_items():
        if name.lower() in ("delivered-to", "x-original-to"):
            headers.set_raw(name, value)
    return replace(email, parsed=replace(email.parsed, headers=headers))


def ingest(fd: Frontdesk, inbox_id: int, raw: bytes) -> IngestResult:
    """Store one raw message on an email inbox. Raises UnknownInbox, or a database error
    (the caller answers "try again later"); anything about the message itself becomes an
    outcome with a reason."""
    read = _read_for(fd, inbox_id, raw)
    if isinstance(read, IngestResult):
        return read
    # Mail arriving at once (IMAP polls of several inboxes) shares transactions.
    return fd.writes.call(partial(store_email, fd, inbox_id, *read, raw))


async def ingest_async(fd: Frontdesk, inbox_id: int, raw: bytes) -> IngestResult:
    """`ingest()` for the event loop (webhook posts): the message is read in a thread,
    and stored through the group-commit writer without a thread waiting on it. (The SMTP
    listener reads in reader processes: `readers.py`.)"""
    read = await asyncio.to_thread(_read_for, fd, inbox_id, raw)
    if isinstance(read, IngestResult):
        return read
    return await fd.writes.run(partial(store_email, fd, inbox_id, *read, raw))


def _read_for(
    fd: Frontdesk, inbox_id: int, raw: bytes
) -> tuple[EmailInboxConfig, ReadEmail] | IngestResult:
    with fd.reading() as tx:
        config = load_config(tx, inbox_id)
    if len(raw) > config.max_message_bytes:
        return refuse_oversized(fd, inbox_id, config, raw)
    return config, read_email(raw, fd.storage)


def store_read(
    fd: Frontdesk, inbox_id: int, config: EmailInboxConfig, raw: bytes, email: ReadEmail | None
) -> IngestResult:
    """Store what a reader read of `raw` (None: too large to have been read)."""
    if email is None:
        return refuse_oversized(fd, inbox_id, config, raw)
    return store_email(fd, inbox_id, config, email, raw)


def store_email(
    fd: Frontdesk, inbox_id: int, config: EmailInboxConfig, email: ReadEmail, raw: bytes
) -> IngestResult:
    parsed, verdict = email.parsed, email.verdict
    if verdict.kind == "bounce":
        return _bounce(fd, inbox_id, verdict)
    if verdict.kind == "feedback-report":
        log.info("feedback report on inbox %s: %s", inbox_id, verdict.feedback_type)
        return IngestResult("ignored", f"feedback report ({verdict.feedback_type})")
    sender = parsed.from_ or parsed.sender
    if sender is None or "@" not in sender.address:
        return IngestResult("refused", "the message has no sender address")
    with fd.transaction() as tx:
        contact, new_contact = resolve_sender(tx, IdentityRef("email", sender.address, sender.name))
        match = find_thread(tx, inbox_id, config, parsed, contact.id, new_contact=new_contact)
        auto = verdict.kind == "auto-reply"
        if auto and match is None:
            # A robot answering something that is not ours to track: nothing to attach to.
            return IngestResult("ignored", f"automatic reply ({verdict.reason}) to no ticket")
        try:
            received = receive(
                tx,
                InboundMessage(
                    inbox_id=inbox_id,
                    sender=Sender(contact_id=contact.id),
                    channel="email",
                    subject=parsed.subject or None,
                    text=email.trimmed.visible,
                    quoted_text=email.trimmed.elided or None,
                    html=parsed.html,
                    external_id=parsed.message_id or f"sha256:{email.raw_sha}",
                    ticket_id=match.ticket_id if match else None,
                    thread_verified=bool(match and match.verified),
                    auto=auto or verdict.kind == "list",
                    attachments=tuple(
                        InboundAttachment(a.filename, a.content_type, a.data)
                        for a in parsed.attachments
                    ),
                    participants=_participants(parsed, config, sender.address),
                    meta=_meta(parsed, email.raw_sha, verdict),
                ),
            )
        except NotFound as exc:
            raise UnknownInbox(str(exc)) from None
        if not received.duplicate:
            kept = raw if len(raw) <= ORIGINAL_IN_DATABASE_MAX else None
            original = {"message_id": received.message.id, "sha256": email.raw_sha, "data": kept}
            write(tx.session, _KEEP_ORIGINAL, original)
        _clear_bounce(tx, sender.address)
    if received.duplicate:
        return IngestResult("duplicate", "", received.ticket.id, received.message.id)
    metrics.MESSAGES_RECEIVED.labels("email").inc()
    if received.ticket_created:
        metrics.TICKETS_CREATED.labels("email").inc()
    return IngestResult(
        "stored", match.how if match else "new ticket", received.ticket.id, received.message.id
    )


def _participants(parsed: ParsedEmail, config: EmailInboxConfig, sender: str) -> tuple[Sender, ...]:
    ours_local, _, ours_domain = config.address.rpartition("@")
    people = []
    for person in (*parsed.to, *parsed.cc):
        address = person.address.lower()
        local, _, domain = address.rpartition("@")
        if not local or address == sender.lower():
            continue
        if domain == ours_domain and (local == ours_local or local.startswith(ours_local + "+")):
            continue  # our own address, or a reply address of ours
        people.append(Sender("email", address, person.name))
    return tuple(people[:20])


def _meta(parsed: ParsedEmail, raw_sha: str, verdict: AutoVerdict) -> dict[str, object]:
    def addresses(items: list[Address]) -> list[dict[str, str]]:
        return [{"name": a.name, "address": a.address} for a in items]

    return {
        "raw_sha256": raw_sha,
        "from": addresses([parsed.from_] if parsed.from_ else []),
        "to": addresses(parsed.to),
        "cc": addresses(parsed.cc),
        "date": parsed.date.isoformat() if parsed.date else None,
        "auto": verdict.kind,
        "parse_errors": parsed.errors[:10],
    }


def _bounce(fd: Frontdesk, inbox_id: int, verdict: AutoVerdict) -> IngestResult:
    """A bounce never opens a ticket: it fails the message it answers and marks the
    address as bouncing."""
    permanent = [r for r in verdict.bounced_recipients if r.permanent]
    with fd.transaction() as tx:
        message = None
        if verdict.original_message_id:
            message = tx.session.scalar(
                select(Message).where(
                    Message.inbox_id == inbox_id,
                    Message.external_id == verdict.original_message_id,
                    Message.direction == "out",
                )
            )
        if message is not None and permanent:
            first = permanent[0]
            message.delivery_status = "failed"
            message.delivery_error = f"bounced: {first.status} {first.reason}".strip()[:4000]
            tx.emit("message.delivery_failed", message_id=message.id, ticket_id=message.ticket_id)
        for recipient in permanent:
            identity = tx.session.scalar(
                select(ContactIdentity).where(
                    ContactIdentity.kind == "email",
                    ContactIdentity.address == recipient.address.lower(),
                )
            )
            if identity is not None:
                identity.bounced_at = tx.now()
                identity.bounce_reason = f"{recipient.status} {recipient.reason}".strip()[:500]
    return IngestResult(
        "bounce",
        ", ".join(f"{r.address} {r.status}" for r in verdict.bounced_recipients)[:500],
        message.ticket_id if message else None,
        message.id if message else None,
    )


def _clear_bounce(tx: Tx, address: str) -> None:
    # One statement that changes nothing in the usual case: this runs for every mail.
    write(tx.session, _CLEAR_BOUNCE, {"sender_address": address.lower()})


def original_of(fd: Frontdesk, message_id: int) -> bytes | None:
    """The raw message an email arrived as, or None for one that did not come by email."""
    with fd.read() as session:
        kept = session.get(MessageOriginal, message_id)
    if kept is None:
        return None
    if kept.data is not None:
        return kept.data
    try:
        return fd.storage.get(kept.sha256)
    except FileNotFoundError:
        return None


_KEEP_ORIGINAL = insert(table_of(MessageOriginal))
_IDENTITIES = table_of(ContactIdentity)
_CLEAR_BOUNCE = (
    update(_IDENTITIES)
    .where(
        _IDENTITIES.c.kind == "email",
        _IDENTITIES.c.address == bindparam("sender_address"),
        _IDENTITIES.c.bounced_at.is_not(None),
    )
    .values(bounced_at=None, bounce_reason=None)
)


def refuse_oversized(
    fd: Frontdesk, inbox_id: int, config: EmailInboxConfig, raw: bytes
) -> IngestResult:
    """Too large to take: tell the sender, so nothing disappears silently."""
    head = parse_email(raw[:65536])
    sender = head.from_ or head.sender
    reason = f"{len(raw)} bytes is over this inbox's limit of {config.max_message_bytes}"
    if sender is not None and "@" in sender.address and classify(head.headers).kind is None:
        with fd.transaction() as tx:
            tx.enqueue(
                "send_email_notice",
                {
                    "inbox_id": inbox_id,
                    "to": sender.address,
                    "subject": f"Not delivered: {head.subject}"[:200],
                    "text": (
                        "Your message could not be accepted because it is too large "
                        f"({_size(len(raw))}; the limit is "
                        f"{_size(config.max_message_bytes)}). Please send it again "
                        "with smaller attachments, or share them by link.\n"
                    ),
                    "in_reply_to": head.message_id,
                },
            )
    return IngestResult("refused", reason)


def _size(count: int) -> str:
    """Bytes as people read them: "2 KB", "25 MB" (rounded up, never "0 MB")."""
    if count < 1024 * 1024:
        return f"{-(-count // 1024)} KB"
    return f"{-(-count // (1024 * 1024))} MB"
