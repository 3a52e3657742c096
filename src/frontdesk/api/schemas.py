"""What the API accepts and returns. Input strings are checked to round-trip in any script."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from frontdesk.channels.base import InboundAttachment
from frontdesk.channels.email.oauth2 import oauth2_config_hash
from frontdesk.domain.errors import Invalid
from frontdesk.domain.inboxes import shown_config
from frontdesk.domain.text import check_text
from frontdesk.models import (
    Agent,
    ApiToken,
    Attachment,
    Contact,
    Inbox,
    InboxOAuthGrant,
    Message,
    Organization,
    Team,
    Ticket,
)


def _valid_text(value: str) -> str:
    try:
        return check_text(value, "text")
    except Invalid as exc:
        raise ValueError(exc.reason) from None


Text = Annotated[str, AfterValidator(_valid_text)]
ShortText = Annotated[Text, Field(max_length=200)]
Status = Literal["new", "open", "pending", "on_hold", "solved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Role = Literal["admin", "agent", "light_agent"]
CustomValue = str | int | float | bool | None


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachmentIn(Input):
    filename: Annotated[Text, Field(min_length=1, max_length=255)]
    content_type: Annotated[Text, Field(max_length=255)] = "application/octet-stream"
    content_base64: str

    def decoded(self) -> InboundAttachment:
        try:
            data = base64.b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid("attachments.content_base64", "is not valid base64") from None
        return InboundAttachment(self.filename, self.content_type, data)


class IdentityIn(Input):
    kind: Annotated[Text, Field(min_length=1, max_length=32)]
    address: Annotated[Text, Field(min_length=1, max_length=320)]


class ContactRef(Input):
    """Who the customer is: an email, a phone, or any channel identity."""

    name: ShortText = ""
    email: Annotated[Text, Field(max_length=320)] | None = None
    phone: Annotated[Text, Field(max_length=40)] | None = None
    identity: IdentityIn | None = None

    @model_validator(mode="after")
    def _one_address(self) -> ContactRef:
        if not (self.email or self.phone or self.identity):
            raise ValueError("give an email, a phone or an identity")
        return self

    def primary(self) -> tuple[str, str]:
        if self.email:
            return "email", self.email
        if self.phone:
            return "phone", self.phone
        assert self.identity is not None
        return self.identity.kind, self.identity.address


class TicketCreate(Input):
    subject: Annotated[Text, Field(max_length=500)] | None = None
    message: Text
    html: Text | None = None
    contact: ContactRef
    inbox_id: int | None = None
    priority: Priority | None = None
    tags: list[Annotated[Text, Field(max_length=64)]] = Field(default_factory=list, max_length=50)
    language: Annotated[str, Field(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")] | None = None
    external_id: Annotated[Text, Field(max_length=255)] | None = None
    thread_key: Annotated[Text, Field(max_length=255)] | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    custom_fields: dict[Annotated[Text, Field(max_length=64)], CustomValue] = Field(
        default_factory=dict
    )
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class InboundIn(Input):
    """A customer message arriving through the API channel."""

    message: Text
    html: Text | None = None
    contact: ContactRef
    subject: Annotated[Text, Field(max_length=500)] | None = None
    external_id: Annotated[Text, Field(max_length=255)] | None = None
    thread_key: Annotated[Text, Field(max_length=255)] | None = None
    in_reply_to: list[Annotated[Text, Field(max_length=255)]] = Field(
        default_factory=list, max_length=50
    )
    ticket_id: int | None = None
    language: Annotated[str, Field(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")] | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class TicketUpdate(Input):
    subject: Annotated[Text, Field(min_length=1, max_length=500)] | None = None
    status: Status | None = None
    priority: Priority | None = None
    team_id: int | None = None
    language: Annotated[str, Field(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")] | None = None
    tags: list[Annotated[Text, Field(max_length=64)]] | None = Field(default=None, max_length=50)
    custom_fields: dict[Annotated[Text, Field(max_length=64)], CustomValue] | None = None


class ReplyIn(Input):
    text: Text
    html: Text | None = None
    status: Status | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class NoteIn(Input):
    text: Text
    html: Text | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class AssignIn(Input):
    assignee_id: int | None
    team_id: int | None = None


class ContactFields(Input):
    name: ShortText | None = None
    language: Annotated[str, Field(max_length=16)] | None = None
    time_zone: Annotated[Text, Field(max_length=64)] | None = None
    organization_id: int | None = None
    tier: Annotated[Text, Field(max_length=32)] | None = None
    lifetime_value: Annotated[int, Field(ge=0)] | None = None
    notes: Annotated[Text, Field(max_length=10_000)] | None = None


class ContactCreate(ContactFields):
    identities: list[IdentityIn] = Field(default_factory=list, max_length=50)


class MergeIn(Input):
    other_id: int


class OrganizationIn(Input):
    name: Annotated[Text, Field(min_length=1, max_length=200)]
    tier: Annotated[Text, Field(max_length=32)] = "standard"
    notes: Annotated[Text, Field(max_length=10_000)] = ""


class OrganizationPatch(Input):
    name: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    tier: Annotated[Text, Field(max_length=32)] | None = None
    notes: Annotated[Text, Field(max_length=10_000)] | None = None


class AgentCreate(Input):
    email: Annotated[Text, Field(max_length=320)]
    name: ShortText
    role: Role = "agent"
    password: Annotated[Text, Field(max_length=1000)] | None = None
    languages: list[Annotated[str, Field(max_length=16)]] = Field(
        default_factory=list, max_length=50
    )
    team_ids: list[int] = Field(default_factory=list, max_length=100)


class AgentPatch(Input):
    name: ShortText | None = None
    role: Role | None = None
    password: Annotated[Text, Field(max_length=1000)] | None = None
    languages: list[Annotated[str, Field(max_length=16)]] | None = Field(
        default=None, max_length=50
    )
    availability: Literal["online", "away", "offline"] | None = None
    is_active: bool | None = None
    team_ids: list[int] | None = Field(default=None, max_length=100)


class TeamIn(Input):
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    member_ids: list[int] = Field(default_factory=list, max_length=1000)


class TeamPatch(Input):
    name: Annotated[Text, Field(min_length=1, max_length=100)] | None = None
    member_ids: list[int] | None = Field(default=None, max_length=1000)


class InboxIn(Input):
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    kind: Annotated[str, Field(max_length=32)]
    config: dict[str, Any] = Field(default_factory=dict)
    team_id: int | None = None


class InboxPatch(Input):
    name: Annotated[Text, Field(min_length=1, max_length=100)] | None = None
    config: dict[str, Any] | None = None
    team_id: int | None = None
    is_active: bool | None = None


class TokenIn(Input):
    name: Annotated[Text, Field(min_length=1, max_length=100)] = "API token"
    agent_id: int | None = None


class LoginIn(Input):
    email: Annotated[str, Field(max_length=320)]
    password: Annotated[str, Field(max_length=1000)]


class PortalSessionIn(Input):
    token: Annotated[str, Field(max_length=1000)]


class PortalReplyIn(Input):
    text: Text
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


T = TypeVar("T")


# ---- output -------------------------------------------------------------------------


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TicketOut(Output):
    id: int
    subject: str
    status: str
    priority: str
    inbox_id: int
    contact_id: int
    assignee_id: int | None
    team_id: int | None
    language: str | None
    tags: list[str]
    custom_fields: dict[str, Any]
    thread_key: str | None
    follow_up_of_id: int | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    last_customer_message_at: datetime | None
    last_agent_message_at: datetime | None
    solved_at: datetime | None
    # Service levels and routing (frontdesk.sla, frontdesk.routing)
    sla_policy_id: int | None
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_paused: bool
    transfer_count: int

    @classmethod
    def of(cls, ticket: Ticket) -> TicketOut:
        return cls.model_validate(ticket)


class AttachmentOut(Output):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    url: str

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentOut:
        return cls(
            id=attachment.id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
            url=f"/api/v1/attachments/{attachment.id}",
        )


class MessageOut(Output):
    id: int
    ticket_id: int
    channel: str
    direction: str
    internal: bool
    author_contact_id: int | None
    author_agent_id: int | None
    text: str
    html: str | None
    quoted_text: str | None
    is_auto: bool
    external_id: str | None
    delivery_status: str | None
    delivery_error: str | None
    created_at: datetime
    sent_at: datetime | None
    attachments: list[AttachmentOut]

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.id,
            ticket_id=message.ticket_id,
            channel=message.channel,
            direction=message.direction,
            internal=message.is_internal,
            author_contact_id=message.author_contact_id,
            author_agent_id=message.author_agent_id,
            text=message.text,
            html=message.html,
            quoted_text=message.quoted_text,
            is_auto=message.is_auto,
            external_id=message.external_id,
            delivery_status=message.delivery_status,
            delivery_error=message.delivery_error,
            created_at=message.created_at,
            sent_at=message.sent_at,
            attachments=[AttachmentOut.of(a) for a in message.attachments],
        )


class TicketCreated(TicketOut):
    message: MessageOut
    duplicate: bool = False


class Accepted(Output):
    """Stored on a ticket the caller may not see: its contents are not shown."""

    accepted: bool = True
    duplicate: bool


class TicketWithMessages(TicketOut):
    messages: list[MessageOut]


class IdentityOut(Output):
    id: int
    kind: str
    address: str


class ContactOut(Output):
    id: int
    name: str
    language: str | None
    time_zone: str | None
    organization_id: int | None
    tier: str
    lifetime_value: int
    notes: str
    merged_into_id: int | None
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        return cls.model_validate(contact)


class OrganizationOut(Output):
    id: int
    name: str
    tier: str
    notes: str
    created_at: datetime

    @classmethod
    def of(cls, org: Organization) -> OrganizationOut:
        return cls.model_validate(org)


class AgentOut(Output):
    id: int
    email: str
    name: str
    role: str
    languages: list[str]
    availability: str
    is_active: bool
    team_ids: list[int]
    created_at: datetime

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        return cls.model_validate(agent)


class TeamOut(Output):
    id: int
    name: str
    member_ids: list[int]
    created_at: datetime

    @classmethod
    def of(cls, team: Team) -> TeamOut:
        return cls(
            id=team.id,
            name=team.name,
            member_ids=[a.id for a in team.members],
            created_at=team.created_at,
        )


class InboxAuthorizationOut(Output):
    needs_reauthorization: bool = Field(
        description="The OAuth2 provider refused the grant: enter new oauth2 credentials"
    )
    error: str | None = Field(description="What the provider answered when it refused")
    refused_at: datetime | None
    access_token_expires_at: datetime | None

    @classmethod
    def of(cls, config: dict[str, Any], grant: InboxOAuthGrant | None) -> InboxAuthorizationOut:
        # A grant row of older credentials no longer counts: the next login starts afresh.
        current = grant is not None and grant.credentials_hash == oauth2_config_hash(config)
        refused = current and grant is not None and grant.refused_at is not None
        return cls(
            needs_reauthorization=refused,
            error=grant.refused_reason if refused and grant else None,
            refused_at=grant.refused_at if refused and grant else None,
            access_token_expires_at=grant.expires_at if current and grant else None,
        )


class InboxOut(Output):
    id: int
    name: str
    kind: str
    team_id: int | None
    is_active: bool
    config: dict[str, Any] | None = Field(
        description="Shown to admins only; OAuth2 client secret and refresh token only by "
        "their last characters (send them back unchanged to keep them)"
    )
    authorization: InboxAuthorizationOut | None = Field(
        default=None, description="An inbox with OAuth2 credentials: their state (admins)"
    )
    created_at: datetime

    @classmethod
    def of(
        cls, inbox: Inbox, *, with_config: bool, grant: InboxOAuthGrant | None = None
    ) -> InboxOut:
        oauth2 = with_config and bool((inbox.config or {}).get("oauth2"))
        return cls(
            id=inbox.id,
            name=inbox.name,
            kind=inbox.kind,
            team_id=inbox.team_id,
            is_active=inbox.is_active,
            config=shown_config(inbox.config) if with_config else None,
            authorization=InboxAuthorizationOut.of(inbox.config, grant) if oauth2 else None,
            created_at=inbox.created_at,
        )


class TokenOut(Output):
    id: int
    agent_id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls.model_validate(token)


class TokenCreated(TokenOut):
    token: str = Field(description="Shown this once; only its hash is stored")


class JobOut(Output):
    id: int
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    max_attempts: int
    run_at: datetime
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class AuditOut(Output):
    id: int
    at: datetime
    actor_type: str
    actor_id: int | None
    action: str
    entity_type: str
    entity_id: int
    changes: dict[str, Any]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """Serialise a model already built from our own rows, skipping FastAPI's second
    validation against the route's response_model (which stays, for the OpenAPI document)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


class MeOut(BaseModel):
    type: Literal["agent", "contact"]
    id: int
    role: str | None
    name: str
    csrf_token: str | None = None
