"""The conversation model. Importing this package registers every table on Base.metadata."""

from frontdesk.models.agents import ROLES, Agent, ApiToken, Team, team_members
from frontdesk.models.audit import AuditEntry
from frontdesk.models.automation import Macro, TimeRule, TimeRuleRun, Trigger
from frontdesk.models.chat import ChatCapacity, ChatInvitation, ChatSession, ChatVisitor
from frontdesk.models.contacts import Contact, ContactIdentity, Organization
from frontdesk.models.followups import InboxFollowUpPolicy, Promise, TicketFollowUp
from frontdesk.models.inboxes import Inbox, InboxOAuthGrant
from frontdesk.models.jobs import Job
from frontdesk.models.kb import (
    KbArticle,
    KbCategory,
    KbFile,
    KbSection,
    KbSuggestionEvent,
    KbTranslation,
    KbVersion,
    KbVote,
)
from frontdesk.models.routing import (
    AgentCapacity,
    AgentSkill,
    RoutingConfig,
    RoutingQueueEntry,
    TicketTransfer,
)
from frontdesk.models.satisfaction import SatisfactionRating
from frontdesk.models.search import SearchDocument, SearchState
from frontdesk.models.settings import Setting
from frontdesk.models.sla import BusinessCalendar, SlaEvent, SlaPolicy
from frontdesk.models.tickets import (
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    Attachment,
    Message,
    MessageOriginal,
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
    "AgentCapacity",
    "AgentSkill",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "BusinessCalendar",
    "CannedReply",
    "ChatCapacity",
    "ChatInvitation",
    "ChatSession",
    "ChatVisitor",
    "Contact",
    "ContactIdentity",
    "Inbox",
    "InboxFollowUpPolicy",
    "InboxOAuthGrant",
    "Job",
    "KbArticle",
    "KbCategory",
    "KbFile",
    "KbSection",
    "KbSuggestionEvent",
    "KbTranslation",
    "KbVersion",
    "KbVote",
    "Macro",
    "Message",
    "MessageOriginal",
    "Organization",
    "Promise",
    "RoutingConfig",
    "RoutingQueueEntry",
    "SatisfactionRating",
    "SavedView",
    "SearchDocument",
    "SearchState",
    "Setting",
    "SlaEvent",
    "SlaPolicy",
    "Team",
    "Ticket",
    "TicketFollowUp",
    "TicketParticipant",
    "TicketRead",
    "TicketTag",
    "TicketTransfer",
    "TimeRule",
    "TimeRuleRun",
    "Trigger",
    "team_members",
]
