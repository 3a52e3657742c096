"""The conversation model. Importing this package registers every table on Base.metadata."""

from frontdesk.models.agents import ROLES, Agent, ApiToken, Team, team_members
from frontdesk.models.audit import AuditEntry
from frontdesk.models.contacts import Contact, ContactIdentity, Organization
from frontdesk.models.inboxes import Inbox
from frontdesk.models.jobs import Job
from frontdesk.models.kb import KbArticle, KbCategory, KbSection, KbTranslation, KbVersion, KbVote
from frontdesk.models.search import SearchDocument, SearchState
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
    "Contact",
    "ContactIdentity",
    "Inbox",
    "Job",
    "KbArticle",
    "KbCategory",
    "KbSection",
    "KbTranslation",
    "KbVersion",
    "KbVote",
    "Message",
    "Organization",
    "SearchDocument",
    "SearchState",
    "Team",
    "Ticket",
    "TicketParticipant",
    "TicketTag",
    "team_members",
]
