"""The contract between channels and the domain, and the registry of channel kinds."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar, cast

from pydantic import BaseModel

from frontdesk.config import Settings


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Sender:
    """Who wrote: an identity on the channel, or a contact already known (a signed-in customer)."""

    kind: str = ""
    address: str = ""
    name: str = ""
    contact_id: int | None = None


@dataclass(frozen=True)
class InboundMessage:
    inbox_id: int
    sender: Sender
    text: str
    channel: str | None = None  # defaults to the inbox's kind
    subject: str | None = None
    html: str | None = None
    external_id: str | None = None  # the channel's id for this message: stored once
    thread_key: str | None = None  # the channel's id for the conversation
    in_reply_to: tuple[str, ...] = ()  # external ids this message answers
    ticket_id: int | None = None  # set when the channel already knows the ticket
    # The channel proved the sender is part of that ticket's conversation (a reply token, a
    # reference to our message); otherwise ticket_id is only used for its own contact.
    thread_verified: bool = False
    auto: bool = False  # a machine wrote it: attach, never reopen
    quoted_text: str | None = None  # quoted history and signature the channel trimmed off
    participants: tuple[Sender, ...] = ()  # others on the conversation (people in Cc)
    attachments: tuple[InboundAttachment, ...] = ()
    language: str | None = None
    priority: str | None = None
    tags: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundAttachment:
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class OutboundMessage:
    message_id: int
    ticket_id: int
    ticket_subject: str
    ticket_status: str
    thread_key: str | None
    text: str
    html: str | None
    created_at: datetime
    author_name: str
    contact_id: int
    contact_name: str
    recipients: tuple[tuple[str, str], ...]  # (kind, address) of the customer
    in_reply_to: str | None  # the external id of the customer's latest message
    attachments: tuple[OutboundAttachment, ...] = ()
    read_attachment: Callable[[str], bytes] | None = None
    ticket_token: str = ""
    references: tuple[str, ...] = ()  # external ids of the ticket's messages, oldest first
    cc: tuple[tuple[str, str], ...] = ()  # (kind, address) of the ticket's other participants
    inbox_id: int | None = None  # the inbox it leaves through (for its stored credentials)


@dataclass(frozen=True)
class DeliveryReceipt:
    external_id: str | None = None


class DeliveryFailed(Exception):
    """A send that failed. Retried with backoff, unless `permanent` (the far side refused
    for good: an unknown recipient, a rejected message)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class ChannelAdapter(Protocol):
    kind: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]

    def __init__(self, settings: Settings) -> None: ...

    @classmethod
    def delivers(cls, config: BaseModel) -> bool:
        """Whether replies on this inbox are pushed out (False: the integrator fetches them)."""
        ...

    def send(self, config: BaseModel, message: OutboundMessage) -> DeliveryReceipt: ...


# kind → "module:Class", imported on first use so that unused channels cost nothing.
CHANNELS: dict[str, str] = {
    "api": "frontdesk.channels.api:ApiChannel",
    "chat": "frontdesk.channels.chat.adapter:ChatChannel",
    "email": "frontdesk.channels.email.adapter:EmailChannel",
    "webform": "frontdesk.channels.webform:WebFormChannel",
}


def adapter_class(kind: str) -> type[ChannelAdapter]:
    try:
        path = CHANNELS[kind]
    except KeyError:
        raise LookupError(f"unknown channel kind {kind!r}") from None
    module_name, _, class_name = path.partition(":")
    cls: type[ChannelAdapter] = getattr(importlib.import_module(module_name), class_name)
    return cls


def validate_config(kind: str, config: dict[str, Any]) -> BaseModel:
    return adapter_class(kind).config_model.model_validate(config)


ConfigModel = TypeVar("ConfigModel", bound=BaseModel)
# Inbox settings read for every message are checked again only when they changed: for a
# chat message or a mail, validating them cost about as much as storing the message.
_parsed: dict[tuple[type[BaseModel], int], tuple[dict[str, Any], BaseModel]] = {}


def parsed_config(model: type[ConfigModel], inbox_id: int, stored: dict[str, Any]) -> ConfigModel:
    """`model.model_validate(stored)`, kept while the stored settings stay equal. The
    result is shared: read it, never change it."""
    known = _parsed.get((model, inbox_id))
    if known is not None and known[0] == stored:
        return cast(ConfigModel, known[1])
    parsed = model.model_validate(stored)
    _parsed[(model, inbox_id)] = (copy.deepcopy(stored), parsed)
    return parsed
