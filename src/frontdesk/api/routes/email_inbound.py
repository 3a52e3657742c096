"""The email channel's way in over HTTP: a raw message, Mailgun's raw MIME forward, or
Postmark's inbound webhook, posted for one email inbox.

Providers cannot hold our API tokens, so these routes are not authenticated as an agent:
each inbox has its own `config.inbound_secret` (a header or HTTP Basic password, or, for
Mailgun, the key that signs its posts). Every route ends in `intake.ingest()` and answers
only after the message is committed:

- 201 stored; 200 a duplicate, a bounce, or ignored (an auto-reply to no ticket, a
  feedback report). The body is `{outcome, ticket_id, message_id, reason}`.
- 401 missing or wrong secret or signature; 404 no active email inbox with that id.
- 413 larger than the request limit, or (raw route) than the inbox's `max_message_bytes`:
  whoever posts raw mail can still bounce it.
- 422 not a message the route understands, or (raw route) refused, with the reason.
- Refused on Mailgun 406, on Postmark 403: the one status each provider does not retry;
  any other would repeat the refusal (and the notice to the sender) for hours.
- 503 the database failed and nothing was stored: retry later.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import hashlib
import hmac
import logging
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, getaddresses
from typing import Any
from urllib.parse import unquote_plus, unquote_to_bytes

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from python_multipart.multipart import Field as FormField
from python_multipart.multipart import File as FormFile
from python_multipart.multipart import create_form_parser
from starlette.concurrency import run_in_threadpool

from frontdesk.api.deps import FD
from frontdesk.channels.email.config import EmailInboxConfig
from frontdesk.channels.email.intake import (
    IngestResult,
    Outcome,
    UnknownInbox,
    ingest_async,
    load_config,
)
from frontdesk.channels.email.listener import Mailbox, with_original_recipients
from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)
router = APIRouter(tags=["email channel"])

SECRET_HEADER = "X-Frontdesk-Inbound-Secret"  # noqa: S105 (a header name)
# Mailgun signs timestamp + token; a post older (or newer) than this is a replay.
MAILGUN_MAX_SKEW_SECONDS = 300
# Mailgun does not retry a 406, Postmark does not retry a 403; anything else non-2xx is
# retried for hours, and a refused message would be refused (and its sender told) again.
MAILGUN_REFUSED = 406
POSTMARK_REFUSED = 403


class EmailIngested(BaseModel):
    outcome: Outcome
    ticket_id: int | None
    message_id: int | None
    reason: str


_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": EmailIngested, "description": "A duplicate, a bounce, or ignored"},
    401: {"description": "Missing or wrong inbound secret (or Mailgun signature)"},
    404: {"description": "No active email inbox with this id"},
    413: {"description": "Too large"},
    422: {"description": "Not understood, or refused (see reason)"},
    503: {"description": "Nothing stored; try again later"},
}


@router.post(
    "/inboxes/{inbox_id}/email/raw",
    status_code=201,
    response_model=EmailIngested,
    responses=_ANSWERS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def post_raw_email(inbox_id: int, request: Request, fd: FD) -> JSONResponse:
    """Store one raw RFC 5322 message (the body, as is) on an email inbox. The inbox's
    `inbound_secret` goes in the `X-Frontdesk-Inbound-Secret` header (or as the password of
    HTTP Basic auth). 201 when stored, 200 for a duplicate, a bounce or an ignored message,
    413 when larger than the inbox's `max_message_bytes`, 422 when refused."""
    config = await _email_inbox(fd, inbox_id)
    _require_secret(config, _given_secret(request))
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in (
        "application/json",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ):
        raise HTTPException(
            415, "post the raw message as message/rfc822 or application/octet-stream"
        )
    raw = await request.body()
    if len(raw) > config.max_message_bytes:
        raise HTTPException(
            413,
            f"the message is {len(raw)} bytes; this inbox takes at most {config.max_message_bytes}",
        )
    result = await _ingest(fd, inbox_id, raw)
    return _answer(result, refused=422)


@router.post(
    "/inboxes/{inbox_id}/email/mailgun/mime",
    status_code=201,
    response_model=EmailIngested,
    responses={**_ANSWERS, MAILGUN_REFUSED: {"model": EmailIngested, "description": "Refused"}},
)
async def post_mailgun_mime(inbox_id: int, request: Request, fd: FD) -> JSONResponse:
    """Mailgun's route action `forward("<this URL>")`: Mailgun posts the raw message in
    `body-mime` only to URLs that end in `mime`. The post is signed with the inbox's
    `inbound_secret`, which must be the Mailgun domain's HTTP webhook signing key; posts
    more than 5 minutes old are refused. Refused messages answer 406, which Mailgun does
    not retry."""
    config = await _email_inbox(fd, inbox_id)
    fields = _form_fields(request.headers.get("content-type"), await request.body())
    _require_mailgun_signature(config, fields, fd.clock.now().timestamp())
    mime = fields.get("body-mime")
    if not mime:
        raise HTTPException(
            422,
            "no body-mime field: Mailgun posts the raw message only to a URL ending in /mime",
        )
    recipients = fields.get("recipient", b"").decode("utf-8", "replace").split(",")
    raw = with_original_recipients(mime, _mailbox(inbox_id, config), recipients)
    result = await _ingest(fd, inbox_id, raw)
    return _answer(result, refused=MAILGUN_REFUSED)


@router.post(
    "/inboxes/{inbox_id}/email/postmark",
    status_code=201,
    response_model=EmailIngested,
    responses={**_ANSWERS, POSTMARK_REFUSED: {"model": EmailIngested, "description": "Refused"}},
)
async def post_postmark(inbox_id: int, request: Request, fd: FD) -> JSONResponse:
    """Postmark's inbound webhook (JSON). Put the inbox's `inbound_secret` in the webhook
    URL as the Basic auth password (`https://postmark:<secret>@host/...`), or send it in
    `X-Frontdesk-Inbound-Secret`. With "Include raw email content" on, `RawEmail` is
    stored as sent; otherwise the message is rebuilt from the JSON fields. Refused
    messages answer 403, which Postmark does not retry."""
    config = await _email_inbox(fd, inbox_id)
    _require_secret(config, _given_secret(request))
    try:
        payload = PostmarkInbound.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise HTTPException(
            422, f"not a Postmark inbound message: {where}: {first['msg']}"
        ) from None
    raw = payload.rfc5322()
    if payload.OriginalRecipient:
        raw = with_original_recipients(raw, _mailbox(inbox_id, config), [payload.OriginalRecipient])
    result = await _ingest(fd, inbox_id, raw)
    return _answer(result, refused=POSTMARK_REFUSED)


# --------------------------------------------------------------------------------------------
# Shared steps


async def _email_inbox(fd: Frontdesk, inbox_id: int) -> EmailInboxConfig:
    def load() -> EmailInboxConfig:
        with fd.reading() as tx:
            return load_config(tx, inbox_id)

    try:
        return await run_in_threadpool(load)
    except UnknownInbox:
        raise HTTPException(404, f"email inbox {inbox_id} not found") from None
    except Exception as exc:
        log.exception("could not read email inbox %s", inbox_id)
        raise _unavailable() from exc


async def _ingest(fd: Frontdesk, inbox_id: int, raw: bytes) -> IngestResult:
    try:
        return await ingest_async(fd, inbox_id, raw)
    except UnknownInbox:
        raise HTTPException(404, f"email inbox {inbox_id} not found") from None
    except Exception as exc:
        log.exception("could not store a message on email inbox %s", inbox_id)
        raise _unavailable() from exc


def _unavailable() -> HTTPException:
    return HTTPException(
        503, "the message could not be stored now; try again later", {"Retry-After": "60"}
    )


def _answer(result: IngestResult, *, refused: int) -> JSONResponse:
    status = {"refused": refused, "stored": 201}.get(result.outcome, 200)
    body = EmailIngested(
        outcome=result.outcome,
        ticket_id=result.ticket_id,
        message_id=result.message_id,
        reason=result.reason,
    )
    return JSONResponse(body.model_dump(), status_code=status)


def _mailbox(inbox_id: int, config: EmailInboxConfig) -> Mailbox:
    return Mailbox(inbox_id, config)


def _given_secret(request: Request) -> str | None:
    """The secret from our header, or the password of HTTP Basic auth (any user name)."""
    given = request.headers.get(SECRET_HEADER)
    if given:
        return given
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2] or None


def _require_secret(config: EmailInboxConfig, given: str | None) -> None:
    if given is None or not hmac.compare_digest(
        given.encode("utf-8"), config.inbound_secret.encode("utf-8")
    ):
        raise HTTPException(
            401,
            f"missing or wrong inbound secret (send it in {SECRET_HEADER} or as the "
            "Basic auth password)",
            {"WWW-Authenticate": 'Basic realm="frontdesk inbound email"'},
        )


def _form_fields(content_type: str | None, body: bytes) -> dict[str, bytes]:
    """A form's fields as bytes, exactly as posted (the raw message must not be decoded).
    Anything that is not a readable form has no fields, so no signature: 401."""
    fields: dict[str, bytes] = {}
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return fields

    def on_field(field: FormField) -> None:
        if field.field_name is not None:
            fields[field.field_name.decode("utf-8", "replace")] = field.value or b""

    def on_file(file: FormFile) -> None:
        if file.field_name is not None:
            file.file_object.seek(0)
            fields[file.field_name.decode("utf-8", "replace")] = file.file_object.read()
        file.close()

    try:
        parser = create_form_parser(
            {"Content-Type": (content_type or "").encode("latin-1")},
            on_field,
            on_file,
            config={"MAX_MEMORY_FILE_SIZE": len(body) + 1},
        )
        parser.write(body)
        parser.finalize()
    except Exception:
        log.info("an unreadable form was posted for Mailgun", exc_info=True)
        return {}
    if media_type == "application/x-www-form-urlencoded":  # the parser leaves %XX and +
        return {
            unquote_plus(name): unquote_to_bytes(value.replace(b"+", b" "))
            for name, value in fields.items()
        }
    return fields


def _require_mailgun_signature(
    config: EmailInboxConfig, fields: dict[str, bytes], now: float
) -> None:
    timestamp = fields.get("timestamp", b"")
    token = fields.get("token", b"")
    signature = fields.get("signature", b"")
    expected = hmac.new(
        config.inbound_secret.encode("utf-8"), timestamp + token, hashlib.sha256
    ).hexdigest()
    if not (timestamp and token and hmac.compare_digest(expected.encode("ascii"), signature)):
        raise HTTPException(
            401, "missing or wrong Mailgun signature (is inbound_secret the signing key?)"
        )
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAILGUN_MAX_SKEW_SECONDS:
        raise HTTPException(401, "the Mailgun signature is more than 5 minutes old")


# --------------------------------------------------------------------------------------------
# Postmark's inbound JSON


class _Postmark(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PostmarkAddress(_Postmark):
    Email: str = ""
    Name: str | None = None
    MailboxHash: str | None = None


class PostmarkHeader(_Postmark):
    Name: str
    Value: str | None = None


class PostmarkAttachment(_Postmark):
    Name: str | None = None
    Content: str = ""
    ContentType: str | None = None
    ContentLength: int | None = None
    ContentID: str | None = None


# Set from the JSON's own fields, or describing the MIME structure we build ourselves.
_BUILT_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
    }
)


class PostmarkInbound(_Postmark):
    """The fields of Postmark's inbound webhook that make up the message."""

    From: str | None = None
    FromName: str | None = None
    FromFull: PostmarkAddress | None = None
    To: str | None = None
    ToFull: list[PostmarkAddress] | None = None
    Cc: str | None = None
    CcFull: list[PostmarkAddress] | None = None
    ReplyTo: str | None = None
    OriginalRecipient: str | None = None
    Subject: str | None = None
    MessageID: str | None = None
    Date: str | None = None
    TextBody: str | None = None
    HtmlBody: str | None = None
    StrippedTextReply: str | None = None
    Headers: list[PostmarkHeader] = Field(default_factory=list)
    Attachments: list[PostmarkAttachment] = Field(default_factory=list)
    RawEmail: str | None = None

    def rfc5322(self) -> bytes:
        """The message as sent when Postmark included it, else rebuilt from the fields."""
        if self.RawEmail:
            return self.RawEmail.encode("utf-8", "surrogateescape")
        return self._rebuilt().as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))

    def _rebuilt(self) -> Message:
        views: list[Message] = []
        if self.TextBody or not self.HtmlBody:
            views.append(MIMEText(self.TextBody or "", "plain", "utf-8"))
        if self.HtmlBody:  # an HTML-only message stays HTML-only: its text is derived
            views.append(MIMEText(self.HtmlBody, "html", "utf-8"))
        body = views[0] if len(views) == 1 else MIMEMultipart("alternative", _subparts=views)
        message = body
        if self.Attachments:
            message = MIMEMultipart("mixed")
            message.attach(body)
            for attachment in self.Attachments:
                message.attach(_attachment_part(attachment))
        sender = self.FromFull if self.FromFull and self.FromFull.Email else None
        if sender is None and self.From and "<" not in self.From:
            sender = PostmarkAddress(Email=self.From.strip(), Name=self.FromName)
        for name, full, plain in (
            ("From", [sender] if sender else None, self.From),
            ("To", self.ToFull, self.To),
            ("Cc", self.CcFull, self.Cc),
            ("Reply-To", None, self.ReplyTo),
        ):
            listed = _addresses(full or _parse_addresses(plain or ""))
            if listed:
                message[name] = listed
        for name, value in (("Subject", self.Subject), ("Date", self.Date)):
            if value:
                message[name] = _header(value)
        message_id = self.header("Message-ID")
        if not message_id and self.MessageID:
            # Postmark's own id, so that a retried post is still the same message.
            message_id = f"<{self.MessageID}@inbound.postmarkapp.com>"
        if message_id:
            message["Message-ID"] = _header(message_id)
        for header in self.Headers:
            if header.Name.lower() not in _BUILT_HEADERS and _is_header_name(header.Name):
                message[header.Name] = _header(header.Value or "")
        return message

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((h.Value for h in self.Headers if h.Name.lower() == wanted and h.Value), None)


def _attachment_part(attachment: PostmarkAttachment) -> MIMEBase:
    content_type = (attachment.ContentType or "application/octet-stream").split(";")[0]
    maintype, _, subtype = content_type.strip().lower().partition("/")
    if not maintype or not subtype:
        maintype, subtype = "application", "octet-stream"
    part = MIMEBase(maintype, subtype)
    try:
        data = base64.b64decode(attachment.Content)
    except (binascii.Error, ValueError):
        data = b""
    part.set_payload(base64.encodebytes(data).decode("ascii"))
    part["Content-Transfer-Encoding"] = "base64"
    name = _single_line(attachment.Name or "")
    if name:
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
    else:
        part.add_header("Content-Disposition", "attachment")
    if attachment.ContentID:
        part["Content-ID"] = f"<{_single_line(attachment.ContentID).strip('<>')}>"
    return part


def _single_line(value: str) -> str:
    return " ".join(value.replace("\x00", "").split())


def _header(value: str) -> str:
    """A header value on one line, RFC 2047-encoded when it is not ASCII."""
    value = _single_line(value)
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


def _addresses(people: list[PostmarkAddress]) -> str:
    return ", ".join(
        formataddr((_single_line(p.Name or ""), _single_line(p.Email)), charset="utf-8")
        for p in people
        if p.Email
    )


def _parse_addresses(value: str) -> list[PostmarkAddress]:
    return [PostmarkAddress(Email=a, Name=n) for n, a in getaddresses([value]) if a]


def _is_header_name(name: str) -> bool:
    return bool(name) and all(33 <= ord(c) <= 126 and c != ":" for c in name)
