"""The conversation model. Importing this package registers every table on Base.metadata."""

from frontdesk.models.agents import ROLES, Agent, ApiToken, Team, team_members
from frontdesk.models.audit import AuditEntry
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
from frontdesk.models.workspace import CannedReply, SavedView, TicketRead

__all__ = [
    "OPEN_STATUSES",
    "PRIORITIES",
    "ROLES",
    "STATUSES",
    "Agent",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "CannedReply",
    "Contact",
    "ContactIdentity",
    "Inbox",
    "Job",
    "Message",
    "Organization",
    "SavedView",
    "Team",
    "Ticket",
    "TicketParticipant",
    "TicketRead",
    "TicketTag",
    "team_members",
]
