"""The conversation model. Importing this package registers every table on Base.metadata."""

from frontdesk.models.agents import ROLES, Agent, ApiToken, Team, team_members
from frontdesk.models.audit import AuditEntry
from frontdesk.models.chat import ChatCapacity, ChatInvitation, ChatSession, ChatVisitor
from frontdesk.models.contacts import Contact, ContactIdentity, Organization
from frontdesk.models.inboxes import Inbox
from frontdesk.models.jobs import Job
from frontdesk.models.tickets import (
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    Attachment,
    Message,
    Ticket,
    TicketParticipant,
    TicketTag,
)

__all__ = [
    "OPEN_STATUSES",
    "PRIORITIES",
    "ROLES",
    "STATUSES",
    "Agent",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "ChatCapacity",
    "ChatInvitation",
    "ChatSession",
    "ChatVisitor",
    "Contact",
    "ContactIdentity",
    "Inbox",
    "Job",
    "Message",
    "Organization",
    "Team",
    "Ticket",
    "TicketParticipant",
    "TicketTag",
    "team_members",
]
