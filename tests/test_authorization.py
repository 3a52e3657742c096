"""Who may call what: every route of the app, walked as every member of the test world.

The table names, for each (method, path) the app serves, the status each member gets. The
routes are read from the app itself, so a route added without a row fails the walk, and a
row left behind by a removed route fails it too.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.channels.chat.desk import accept, set_capacity
from frontdesk.channels.chat.tokens import VisitorClaim, new_visitor_key, visitor_token
from frontdesk.channels.chat.visitors import Visit, post_message
from frontdesk.channels.webform import webform_inbox
from frontdesk.domain import agents, tickets, views
from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.canned import create_canned
from frontdesk.domain.contacts import IdentityRef, add_identity, create_contact
from frontdesk.domain.inbound import receive
from frontdesk.domain.inboxes import create_inbox
from frontdesk.domain.password_reset import issue_reset_token
from frontdesk.domain.portal import issue_signin_token
from frontdesk.domain.satisfaction import issue_rating_token
from frontdesk.kb import articles as kb_articles
from frontdesk.kb import files as kb_files
from frontdesk.models import MessageOriginal
from frontdesk.web.routes import portal
from tests.conftest import ApiClient, Member, World

# The ticket of the ticket and portal rows is the customer's, in team A: the agent and the
# light agent (team A) see it, the other agent (team B) and the other customer do not, and
# for them it answers 404 like an id that does not exist. The attachment is on the
# customer's own message on that ticket. Writes send valid bodies, so "allowed" is a 2xx.
# New tickets land in the default API inbox, which here belongs to team A: the other agent's
# is stored but answered 202 with nothing of the ticket shown.
TABLE = """
method path                                                   admin agent other light cust  ocust anon
# tickets
GET    /api/v1/tickets                                        200   200   200   200   403   403   401
POST   /api/v1/tickets                                        201   201   202   403   403   403   401
GET    /api/v1/tickets/{ticket_id}                            200   200   404   200   403   403   401
PATCH  /api/v1/tickets/{ticket_id}                            200   200   404   403   403   403   401
GET    /api/v1/tickets/{ticket_id}/messages                   200   200   404   200   403   403   401
POST   /api/v1/tickets/{ticket_id}/reply                      201   201   404   403   403   403   401
POST   /api/v1/tickets/{ticket_id}/notes                      201   201   404   201   403   403   401
POST   /api/v1/tickets/{ticket_id}/assign                     200   200   404   403   403   403   401
GET    /api/v1/tickets/{ticket_id}/audit                      200   200   404   200   403   403   401
GET    /api/v1/attachments/{attachment_id}                    200   200   404   200   200   404   401
GET    /api/v1/messages/{message_id}/original                 200   200   404   200   404   404   401
# contacts and organizations
GET    /api/v1/contacts                                       200   200   200   200   403   403   401
POST   /api/v1/contacts                                       201   201   201   403   403   403   401
GET    /api/v1/contacts/{contact_id}                          200   200   200   200   403   403   401
PATCH  /api/v1/contacts/{contact_id}                          200   200   200   403   403   403   401
POST   /api/v1/contacts/{contact_id}/identities               201   201   201   403   403   403   401
DELETE /api/v1/contacts/{contact_id}/identities/{identity_id} 204   204   204   403   403   403   401
POST   /api/v1/contacts/{contact_id}/merge                    200   200   200   403   403   403   401
GET    /api/v1/contacts/{contact_id}/tickets                  200   200   200   200   403   403   401
GET    /api/v1/organizations                                  200   200   200   200   403   403   401
POST   /api/v1/organizations                                  201   201   201   403   403   403   401
GET    /api/v1/organizations/{org_id}                         200   200   200   200   403   403   401
PATCH  /api/v1/organizations/{org_id}                         200   200   200   403   403   403   401
# agents, teams, inboxes, tokens (PATCH of an agent: someone else; own record: see below)
GET    /api/v1/agents                                         200   200   200   200   403   403   401
POST   /api/v1/agents                                         201   403   403   403   403   403   401
GET    /api/v1/agents/{agent_id}                              200   200   200   200   403   403   401
PATCH  /api/v1/agents/{agent_id}                              200   403   403   403   403   403   401
GET    /api/v1/teams                                          200   200   200   200   403   403   401
POST   /api/v1/teams                                          201   403   403   403   403   403   401
PATCH  /api/v1/teams/{team_id}                                200   403   403   403   403   403   401
GET    /api/v1/inboxes                                        200   200   200   200   403   403   401
POST   /api/v1/inboxes                                        201   403   403   403   403   403   401
GET    /api/v1/inboxes/{inbox_id}                             200   200   200   200   403   403   401
PATCH  /api/v1/inboxes/{inbox_id}                             200   403   403   403   403   403   401
POST   /api/v1/inboxes/{inbox_id}/messages                    201   201   201   403   403   403   401
# email in over HTTP: only the inbox's own secret (or Mailgun signature) lets a message in
POST   /api/v1/inboxes/{inbox_id}/email/raw                   401   401   401   401   401   401   401
POST   /api/v1/inboxes/{inbox_id}/email/mailgun/mime          401   401   401   401   401   401   401
POST   /api/v1/inboxes/{inbox_id}/email/postmark              401   401   401   401   401   401   401
GET    /api/v1/tokens                                         200   200   200   200   403   403   401
POST   /api/v1/tokens                                         201   201   201   201   403   403   401
DELETE /api/v1/tokens/{token_id}                              204   204   204   204   403   403   401
# live chat, the agent's side (the chats are in team A)
GET    /api/v1/chats                                          200   200   200   200   403   403   401
GET    /api/v1/chats/{chat_id}                                200   200   404   200   403   403   401
POST   /api/v1/chats/{chat_id}/accept                         200   200   404   403   403   403   401
POST   /api/v1/chats/{chat_id}/reply                          201   201   404   403   403   403   401
POST   /api/v1/chats/{chat_id}/typing                         204   204   404   403   403   403   401
POST   /api/v1/chats/{chat_id}/read                           200   200   404   200   403   403   401
POST   /api/v1/chats/{chat_id}/transfer                       200   200   404   403   403   403   401
POST   /api/v1/chats/{chat_id}/end                            200   200   404   403   403   403   401
PUT    /api/v1/agents/{agent_id}/chat-capacity                200   403   403   403   403   403   401
GET    /api/v1/canned-replies                                 200   200   200   200   403   403   401
# the chat widget: a visitor token, not a member, decides (a stranger's file is not found)
GET    /chat/widget.js                                        200   200   200   200   200   200   200
POST   /chat/{inbox_id}/send                                  200   200   200   200   200   200   200
GET    /chat/{inbox_id}/stream                                401   401   401   401   401   401   401
POST   /chat/{inbox_id}/upload                                201   201   201   201   201   201   201
GET    /chat/{inbox_id}/files/{attachment_id}                 404   404   404   404   404   404   404
# operations (admin only)
GET    /api/v1/jobs                                           200   403   403   403   403   403   401
GET    /api/v1/jobs/counts                                    200   403   403   403   403   403   401
POST   /api/v1/jobs/{job_id}/retry                            202   403   403   403   403   403   401
# signing in and out, and who am I
POST   /api/v1/auth/login                                     200   200   200   200   200   200   200
POST   /api/v1/auth/logout                                    204   204   204   204   204   204   204
GET    /api/v1/me                                             200   200   200   200   200   200   401
POST   /api/v1/portal/session                                 200   200   200   200   200   200   200
# the customer portal
GET    /api/v1/portal/tickets                                 403   403   403   403   200   200   401
GET    /api/v1/portal/tickets/{ticket_id}                     403   403   403   403   200   404   401
POST   /api/v1/portal/tickets/{ticket_id}/messages            403   403   403   403   201   404   401
# service levels: calendars, policies, a ticket's SLA record (agents read, admins write)
GET    /api/v1/calendars                                      200   200   200   200   403   403   401
POST   /api/v1/calendars                                      201   403   403   403   403   403   401
POST   /api/v1/calendars/preview                              200   200   200   200   403   403   401
GET    /api/v1/calendars/{calendar_id}                        200   200   200   200   403   403   401
PATCH  /api/v1/calendars/{calendar_id}                        200   403   403   403   403   403   401
DELETE /api/v1/calendars/{calendar_id}                        204   403   403   403   403   403   401
GET    /api/v1/sla-policies                                   200   200   200   200   403   403   401
POST   /api/v1/sla-policies                                   201   403   403   403   403   403   401
GET    /api/v1/sla-policies/{policy_id}                       200   200   200   200   403   403   401
PATCH  /api/v1/sla-policies/{policy_id}                       200   403   403   403   403   403   401
DELETE /api/v1/sla-policies/{policy_id}                       204   403   403   403   403   403   401
GET    /api/v1/tickets/{ticket_id}/sla                        200   200   404   200   403   403   401
# routing, transfers, escalation (any agent who sees the ticket may escalate it)
GET    /api/v1/routing/teams/{team_id}                        200   200   200   200   403   403   401
PUT    /api/v1/routing/teams/{team_id}                        200   403   403   403   403   403   401
GET    /api/v1/routing/inboxes/{inbox_id}                     200   200   200   200   403   403   401
PUT    /api/v1/routing/inboxes/{inbox_id}                     200   403   403   403   403   403   401
GET    /api/v1/routing/queue                                  200   200   200   200   403   403   401
GET    /api/v1/agents/{agent_id}/skills                       200   200   200   200   403   403   401
PUT    /api/v1/agents/{agent_id}/skills                       200   403   403   403   403   403   401
GET    /api/v1/agents/{agent_id}/capacity                     200   200   200   200   403   403   401
PUT    /api/v1/agents/{agent_id}/capacity                     200   403   403   403   403   403   401
POST   /api/v1/tickets/{ticket_id}/transfer                   200   200   404   403   403   403   401
POST   /api/v1/tickets/{ticket_id}/escalate                   200   200   404   200   403   403   401
GET    /api/v1/tickets/{ticket_id}/transfers                  200   200   404   200   403   403   401
# promises, follow-ups, snooze
POST   /api/v1/tickets/{ticket_id}/promises                   201   201   404   403   403   403   401
GET    /api/v1/tickets/{ticket_id}/promises                   200   200   404   200   403   403   401
GET    /api/v1/promises                                       200   200   200   200   403   403   401
GET    /api/v1/promises/summary                               200   200   200   200   403   403   401
POST   /api/v1/promises/{promise_id}/keep                     200   200   404   403   403   403   401
POST   /api/v1/promises/{promise_id}/cancel                   200   200   404   403   403   403   401
GET    /api/v1/inboxes/{inbox_id}/follow-up                   200   200   200   200   403   403   401
PUT    /api/v1/inboxes/{inbox_id}/follow-up                   200   403   403   403   403   403   401
POST   /api/v1/tickets/{ticket_id}/snooze                     200   200   404   403   403   403   401
# automation: triggers, time rules, macros (agents read, admins write, agents apply macros)
GET    /api/v1/triggers                                       200   200   200   200   403   403   401
POST   /api/v1/triggers                                       201   403   403   403   403   403   401
GET    /api/v1/triggers/{rule_id}                             200   200   200   200   403   403   401
PATCH  /api/v1/triggers/{rule_id}                             200   403   403   403   403   403   401
DELETE /api/v1/triggers/{rule_id}                             204   403   403   403   403   403   401
GET    /api/v1/time-rules                                     200   200   200   200   403   403   401
POST   /api/v1/time-rules                                     201   403   403   403   403   403   401
GET    /api/v1/time-rules/{rule_id}                           200   200   200   200   403   403   401
PATCH  /api/v1/time-rules/{rule_id}                           200   403   403   403   403   403   401
DELETE /api/v1/time-rules/{rule_id}                           204   403   403   403   403   403   401
GET    /api/v1/macros                                         200   200   200   200   403   403   401
POST   /api/v1/macros                                         201   403   403   403   403   403   401
GET    /api/v1/macros/{rule_id}                               200   200   200   200   403   403   401
PATCH  /api/v1/macros/{rule_id}                               200   403   403   403   403   403   401
DELETE /api/v1/macros/{rule_id}                               204   403   403   403   403   403   401
POST   /api/v1/macros/{rule_id}/apply                         200   200   404   403   403   403   401
# knowledge base management (light agents read)
GET    /api/v1/kb/categories                                  200   200   200   200   403   403   401
POST   /api/v1/kb/categories                                  201   201   201   403   403   403   401
PATCH  /api/v1/kb/categories/{category_id}                    200   200   200   403   403   403   401
POST   /api/v1/kb/sections                                    201   201   201   403   403   403   401
PATCH  /api/v1/kb/sections/{section_id}                       200   200   200   403   403   403   401
GET    /api/v1/kb/articles                                    200   200   200   200   403   403   401
POST   /api/v1/kb/articles                                    201   201   201   403   403   403   401
GET    /api/v1/kb/articles/{article_id}                       200   200   200   200   403   403   401
PATCH  /api/v1/kb/articles/{article_id}                       200   200   200   403   403   403   401
PUT    /api/v1/kb/articles/{article_id}/translations/{language} 200 200   200   403   403   403   401
POST   /api/v1/kb/articles/{article_id}/translations/{language}/publish 200 200 200 403 403   403   401
POST   /api/v1/kb/articles/{article_id}/translations/{language}/unpublish 200 200 200 403 403 403   401
GET    /api/v1/kb/articles/{article_id}/translations/{language}/versions 200 200 200 200 403 403  401
POST   /api/v1/kb/articles/{article_id}/translations/{language}/versions/{number}/restore 200 200 200 403 403 403 401
GET    /api/v1/kb/articles/{article_id}/files                 200   200   200   200   403   403   401
POST   /api/v1/kb/articles/{article_id}/files                 201   201   201   403   403   403   401
GET    /api/v1/kb/deflection                                  200   403   403   403   403   403   401
# search: each finds only what they may see; suggestions are for anyone typing a request
GET    /api/v1/search                                         200   200   200   200   200   200   401
GET    /api/v1/tickets/{ticket_id}/article-suggestions        200   200   404   200   403   403   401
GET    /api/v1/kb/suggestions                                 200   200   200   200   200   200   200
# the public help center (redirects are not followed: /help picks a language, a vote
# goes back to its article)
GET    /help                                                  307   307   307   307   307   307   307
GET    /help/sitemap.xml                                      200   200   200   200   200   200   200
GET    /help/{lang}                                           200   200   200   200   200   200   200
GET    /help/{lang}/categories/{ref}                          200   200   200   200   200   200   200
GET    /help/{lang}/articles/{ref}                            200   200   200   200   200   200   200
POST   /help/{lang}/articles/{ref}/vote                       303   303   303   303   303   303   303
GET    /help/{lang}/search                                    200   200   200   200   200   200   200
# a file of a public, published article is public; suggestions beside the request form
GET    /help/files/{file_id}/{name}                           200   200   200   200   200   200   200
GET    /portal/suggestions                                    200   200   200   200   200   200   200
GET    /portal/suggestions/{article_id}                       303   303   303   303   303   303   303
# open to everyone
GET    /healthz                                               200   200   200   200   200   200   200
GET    /metrics                                               200   200   200   200   200   200   200
GET    /api/v1/openapi.json                                   200   200   200   200   200   200   200
GET    /api/v1/docs                                           200   200   200   200   200   200   200
GET    /docs/oauth2-redirect                                  200   200   200   200   200   200   200
# web pages: agents' pages send customers to the portal and visitors to sign-in (303);
# every form needs the session's CSRF token, which a visitor without a session lacks (403)
GET    /                                                      303   303   303   303   303   303   303
GET    /login                                                 303   303   303   303   200   200   200
POST   /login                                                 303   303   303   303   303   303   403
POST   /logout                                                303   303   303   303   303   303   403
POST   /language                                              303   303   303   303   303   303   403
GET    /password-reset                                        200   200   200   200   200   200   200
POST   /password-reset                                        200   200   200   200   200   200   403
GET    /password-reset/new                                    200   200   200   200   200   200   200
POST   /password-reset/new                                    200   200   200   200   200   200   403
GET    /inbox                                                 200   200   200   200   303   303   303
POST   /inbox/bulk                                            303   303   404   403   303   303   403
POST   /inbox/views                                           303   303   303   303   303   303   403
POST   /inbox/views/{view_id}/delete                          303   303   303   303   303   303   403
GET    /tickets/{ticket_id}                                   200   200   404   200   303   303   303
GET    /tickets/{ticket_id}/conversation                      200   200   404   200   303   303   303
POST   /tickets/{ticket_id}/reply                             200   200   404   403   303   303   403
POST   /tickets/{ticket_id}/properties                        200   200   404   403   303   303   403
POST   /tickets/{ticket_id}/preview                           200   200   404   200   303   303   403
GET    /contacts                                              200   200   200   200   303   303   303
GET    /contacts/{contact_id}                                 200   200   200   200   303   303   303
POST   /contacts/{contact_id}                                 303   303   303   403   303   303   403
POST   /contacts/{contact_id}/merge                           303   303   303   403   303   303   403
GET    /organizations                                         200   200   200   200   303   303   303
GET    /chats                                                 200   200   200   200   303   303   303
GET    /chats/queue                                           200   200   200   200   303   303   303
POST   /organizations                                         303   303   303   403   303   303   403
POST   /organizations/{org_id}                                303   303   303   403   303   303   403
GET    /admin                                                 200   403   403   403   303   303   303
POST   /admin/agents                                          303   403   403   403   303   303   403
POST   /admin/agents/{agent_id}                               303   403   403   403   303   303   403
POST   /admin/teams                                           303   403   403   403   303   303   403
POST   /admin/inboxes                                         303   403   403   403   303   303   403
POST   /admin/canned                                          303   403   403   403   303   303   403
POST   /admin/canned/{reply_id}/delete                        303   403   403   403   303   303   403
GET    /portal                                                200   200   200   200   303   303   200
POST   /portal/requests                                       200   200   200   200   200   200   403
POST   /portal/link                                           200   200   200   200   200   200   403
GET    /portal/signin                                         200   200   200   200   200   200   200
POST   /portal/signin                                         303   303   303   303   303   303   403
GET    /portal/tickets                                        303   303   303   303   200   200   303
GET    /portal/tickets/{ticket_id}                            303   303   303   303   200   404   303
POST   /portal/tickets/{ticket_id}/reply                      303   303   303   303   303   404   403
POST   /portal/tickets/{ticket_id}/rating                     303   303   303   303   303   404   403
GET    /rate                                                  200   200   200   200   200   200   200
POST   /rate                                                  200   200   200   200   200   200   403
GET    /profile                                               200   200   200   200   303   303   303
POST   /profile                                               303   303   303   303   303   303   403
GET    /admin/settings                                        200   403   403   403   303   303   303
POST   /admin/settings                                        303   403   403   403   303   303   403
GET    /admin/inboxes/{inbox_id}                              200   403   403   403   303   303   303
POST   /admin/inboxes/{inbox_id}                              303   403   403   403   303   303   403
POST   /admin/inboxes/{inbox_id}/test                         200   403   403   403   303   303   403
# the knowledge base editor (light agents read; deflection counts for admins)
GET    /kb                                                    200   200   200   200   303   303   303
POST   /kb/categories                                         303   303   303   403   303   303   403
POST   /kb/categories/{category_id}                           303   303   303   403   303   303   403
POST   /kb/sections                                           303   303   303   403   303   303   403
POST   /kb/sections/{section_id}                              303   303   303   403   303   303   403
POST   /kb/articles                                           303   303   303   403   303   303   403
GET    /kb/articles/{article_id}/translations/{language}      200   200   200   200   303   303   303
POST   /kb/articles/{article_id}/translations/{language}      303   303   303   403   303   303   403
POST   /kb/articles/{article_id}/translations/{language}/unpublish 303 303 303 403 303  303   403
POST   /kb/articles/{article_id}/translations/{language}/versions/{number}/restore 303 303 303 403 303 303 403
POST   /kb/articles/{article_id}/settings                     303   303   303   403   303   303   403
POST   /kb/articles/{article_id}/files                        303   303   303   403   303   303   403
POST   /kb/preview                                            200   200   200   200   303   303   403
GET    /kb/deflection                                         200   403   403   403   303   303   303
"""  # noqa: E501 (a table is easier to check when it is wide)

# The table's columns, in order.
MEMBERS = (
    "admin",
    "agent",
    "other_agent",
    "light_agent",
    "customer",
    "other_customer",
    "anonymous",
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # the signature is what the store checks
WEBSOCKETS = {"/api/v1/events", "/chat/{inbox_id}/socket"}  # tested on their own, below
PASSWORD = "a long enough password"


def parse(table: str) -> dict[tuple[str, str], dict[str, int]]:
    expected: dict[tuple[str, str], dict[str, int]] = {}
    lines = [line for line in table.strip().splitlines()[1:] if not line.startswith("#")]
    for line in lines:
        method, path, *codes = line.split()
        assert len(codes) == len(MEMBERS), line
        assert (method, path) not in expected, f"two rows for {method} {path}"
        expected[(method, path)] = dict(zip(MEMBERS, map(int, codes), strict=True))
    return expected


EXPECTED = parse(TABLE)


def app_routes(app: FastAPI) -> tuple[list[tuple[str, str]], set[str]]:
    """Every (method, path) the app serves over HTTP, and the paths of its websockets.
    HEAD is left out where GET is there: Starlette answers it with the GET handler."""
    http: list[tuple[str, str]] = []
    websockets: set[str] = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, WebSocketRoute):
            websockets.add(str(route.path))
            continue
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")
        http += [(method, str(route.path)) for method in sorted(methods)]
    return http, websockets


@dataclass
class Call:
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None
    query: dict[str, str] | None = None
    more: dict[str, Any] = field(default_factory=dict)  # content or files
    data: dict[str, Any] | None = None  # a web page's form (the same as `form`)


@dataclass
class Place:
    """The things the walk's paths point at."""

    world: World
    ticket: int
    attachment: int
    emailed: int  # the customer's message, with an original as if it came by email
    inbox: int
    org: int
    staff: int
    team_c: int
    inbox_a: int = 0
    login_email: str = ""  # an agent with a password, made by the walk (hashing is slow)
    made: dict[str, int] = field(default_factory=dict)  # made on first use by fixed()
    email_inbox_id: int = 0  # made on first use by email_inbox()
    kb_ids: dict[str, int] = field(default_factory=dict)  # made on first use by kb()
    chat_inbox_id: int = 0  # made on first use by chat_params()

    def calls(self, member: Member) -> dict[tuple[str, str], Call]:
        """A request per route, with fresh objects where a call uses one up (a merged
        contact, a removed identity, a revoked token, a retried job, a sign-in link)."""
        w, m = self.world, member.name
        ticket = {"ticket_id": self.ticket}
        customer = {"contact_id": w.customer.id}
        contact = {"name": "Walker", "email": f"{m}-walk@example.org"}
        survivor, merged = self.fresh_contacts(m)
        email = {"inbox_id": self.email_inbox()}
        return {
            ("GET", "/api/v1/tickets"): Call(),
            ("POST", "/api/v1/tickets"): Call(json={"message": "Hello", "contact": contact}),
            ("GET", "/api/v1/tickets/{ticket_id}"): Call(ticket),
            ("PATCH", "/api/v1/tickets/{ticket_id}"): Call(ticket, {"priority": "high"}),
            ("GET", "/api/v1/tickets/{ticket_id}/messages"): Call(ticket),
            ("POST", "/api/v1/tickets/{ticket_id}/reply"): Call(ticket, {"text": "On its way"}),
            ("POST", "/api/v1/tickets/{ticket_id}/notes"): Call(ticket, {"text": "VIP"}),
            ("POST", "/api/v1/tickets/{ticket_id}/assign"): Call(
                ticket, {"assignee_id": w.agent.id}
            ),
            ("GET", "/api/v1/tickets/{ticket_id}/audit"): Call(ticket),
            ("GET", "/api/v1/attachments/{attachment_id}"): Call(
                {"attachment_id": self.attachment}
            ),
            ("GET", "/api/v1/messages/{message_id}/original"): Call({"message_id": self.emailed}),
            ("GET", "/api/v1/contacts"): Call(),
            ("POST", "/api/v1/contacts"): Call(
                json={"name": m, "identities": [{"kind": "email", "address": f"{m}@new.org"}]}
            ),
            ("GET", "/api/v1/contacts/{contact_id}"): Call(customer),
            ("PATCH", "/api/v1/contacts/{contact_id}"): Call(customer, {"tier": "gold"}),
            ("POST", "/api/v1/contacts/{contact_id}/identities"): Call(
                customer, {"kind": "phone", "address": f"+3741000{MEMBERS.index(m)}"}
            ),
            ("DELETE", "/api/v1/contacts/{contact_id}/identities/{identity_id}"): Call(
                {**customer, "identity_id": self.fresh_identity(m)}
            ),
            ("POST", "/api/v1/contacts/{contact_id}/merge"): Call(
                {"contact_id": survivor}, {"other_id": merged}
            ),
            ("GET", "/api/v1/contacts/{contact_id}/tickets"): Call(customer),
            ("GET", "/api/v1/organizations"): Call(),
            ("POST", "/api/v1/organizations"): Call(json={"name": f"Org of {m}"}),
            ("GET", "/api/v1/organizations/{org_id}"): Call({"org_id": self.org}),
            ("PATCH", "/api/v1/organizations/{org_id}"): Call(
                {"org_id": self.org}, {"tier": "enterprise"}
            ),
            ("GET", "/api/v1/agents"): Call(),
            ("POST", "/api/v1/agents"): Call(
                json={"email": f"hired-by-{m}@example.com", "name": "New hire"}
            ),
            ("GET", "/api/v1/agents/{agent_id}"): Call({"agent_id": self.staff}),
            ("PATCH", "/api/v1/agents/{agent_id}"): Call(
                {"agent_id": self.staff}, {"name": f"Renamed by {m}"}
            ),
            ("GET", "/api/v1/teams"): Call(),
            ("POST", "/api/v1/teams"): Call(json={"name": f"Team of {m}"}),
            ("PATCH", "/api/v1/teams/{team_id}"): Call(
                {"team_id": self.team_c}, {"name": f"Team C by {m}"}
            ),
            ("GET", "/api/v1/inboxes"): Call(),
            ("POST", "/api/v1/inboxes"): Call(json={"name": f"App of {m}", "kind": "api"}),
            ("GET", "/api/v1/inboxes/{inbox_id}"): Call({"inbox_id": self.inbox}),
            ("PATCH", "/api/v1/inboxes/{inbox_id}"): Call(
                {"inbox_id": self.inbox}, {"name": f"Shop app by {m}"}
            ),
            ("POST", "/api/v1/inboxes/{inbox_id}/messages"): Call(
                {"inbox_id": self.inbox}, {"message": "Where is my parcel?", "contact": contact}
            ),
            ("POST", "/api/v1/inboxes/{inbox_id}/email/raw"): Call(email),
            ("POST", "/api/v1/inboxes/{inbox_id}/email/mailgun/mime"): Call(email),
            ("POST", "/api/v1/inboxes/{inbox_id}/email/postmark"): Call(email),
            ("GET", "/api/v1/tokens"): Call(),
            ("POST", "/api/v1/tokens"): Call(json={"name": "laptop"}),
            ("DELETE", "/api/v1/tokens/{token_id}"): Call({"token_id": self.fresh_token(member)}),
            ("GET", "/api/v1/chats"): Call(),
            ("GET", "/api/v1/chats/{chat_id}"): Call({"chat_id": self.chat()}),
            ("POST", "/api/v1/chats/{chat_id}/accept"): Call({"chat_id": self.chat()}),
            ("POST", "/api/v1/chats/{chat_id}/reply"): Call(
                {"chat_id": self.chat(accepted=True, by=member)}, {"text": "Ճիշտ է"}
            ),
            ("POST", "/api/v1/chats/{chat_id}/typing"): Call({"chat_id": self.chat()}, {}),
            ("POST", "/api/v1/chats/{chat_id}/read"): Call(
                {"chat_id": self.chat()}, {"message_id": 1}
            ),
            ("POST", "/api/v1/chats/{chat_id}/transfer"): Call(
                {"chat_id": self.chat(accepted=True)}, {"team_id": w.team_a}
            ),
            ("POST", "/api/v1/chats/{chat_id}/end"): Call({"chat_id": self.chat()}),
            ("PUT", "/api/v1/agents/{agent_id}/chat-capacity"): Call(
                {"agent_id": self.staff}, {"max_chats": 4}
            ),
            ("GET", "/api/v1/canned-replies"): Call(),
            ("GET", "/chat/widget.js"): Call(),
            ("POST", "/chat/{inbox_id}/send"): Call(
                self.chat_params(), more={"content": '{"frame": {"type": "hello"}}'}
            ),
            ("GET", "/chat/{inbox_id}/stream"): Call(
                self.chat_params(), more={"params": {"token": "made-up"}}
            ),
            ("POST", "/chat/{inbox_id}/upload"): Call(
                self.chat_params(),
                more={"data": {"token": self.stranger()}, "files": {"file": ("a.txt", b"a")}},
            ),
            ("GET", "/chat/{inbox_id}/files/{attachment_id}"): Call(
                self.chat_params() | {"attachment_id": self.attachment},
                more={"params": {"token": self.stranger()}},
            ),
            ("GET", "/api/v1/jobs"): Call(),
            ("GET", "/api/v1/jobs/counts"): Call(),
            ("POST", "/api/v1/jobs/{job_id}/retry"): Call({"job_id": self.dead_job()}),
            ("POST", "/api/v1/auth/login"): Call(
                json={"email": self.login_email, "password": PASSWORD}
            ),
            ("POST", "/api/v1/auth/logout"): Call(),
            ("GET", "/api/v1/me"): Call(),
            ("POST", "/api/v1/portal/session"): Call(json={"token": self.fresh_signin(m)}),
            ("GET", "/api/v1/portal/tickets"): Call(),
            ("GET", "/api/v1/portal/tickets/{ticket_id}"): Call(ticket),
            ("POST", "/api/v1/portal/tickets/{ticket_id}/messages"): Call(
                ticket, {"text": "Any news?"}
            ),
            **self.service_calls(member),
            **self.kb_calls(m),
            ("GET", "/healthz"): Call(),
            ("GET", "/metrics"): Call(),
            ("GET", "/api/v1/openapi.json"): Call(),
            ("GET", "/api/v1/docs"): Call(),
            ("GET", "/docs/oauth2-redirect"): Call(),
            **self.web_calls(member),
        }

    def web_calls(self, member: Member) -> dict[tuple[str, str], Call]:
        w, m = self.world, member.name
        ticket = {"ticket_id": self.ticket}
        survivor, merged = self.fresh_contacts(f"web {m}")
        with w.fd.transaction() as tx:
            owner = member.id if member.token else self.staff
            view = views.save_view(tx, Actor("agent", owner, "agent"), f"walk {m}", "view=all")
            canned = create_canned(tx, SYSTEM, f"Walk {m}", "Thanks for writing")
            resetter = agents.create_agent(tx, SYSTEM, email=f"reset-{m}@example.com", name="R")
            reset = issue_reset_token(w.fd.secret_key, resetter)
            form_inbox = {"inbox_id": webform_inbox(tx).id}
            api_inbox = {
                "inbox_id": create_inbox(
                    tx, SYSTEM, name=f"Hookless {m}", kind="api", config={}, team_id=None
                ).id
            }
            solved = receive(
                tx,
                InboundMessage(
                    inbox_id=self.inbox,
                    sender=Sender(contact_id=w.customer.id),
                    subject=f"Solved for {m}",
                    text="Thanks",
                ),
            ).ticket.id
            tickets.update_ticket(tx, SYSTEM, solved, {"status": "solved"})
            rating = issue_rating_token(w.fd.secret_key, solved, w.customer.id)
        login = {"email": self.login_email, "password": PASSWORD}
        request = {
            "name": "Walker",
            "email": f"{m}-form@example.org",
            "subject": "Hi",
            "message": "Hello",
        }
        return {
            ("GET", "/"): Call(),
            ("GET", "/login"): Call(),
            ("POST", "/login"): Call(data=login),
            ("POST", "/logout"): Call(data={}),
            ("POST", "/language"): Call(data={"lang": "lv", "next": "/"}),
            ("GET", "/password-reset"): Call(),
            ("POST", "/password-reset"): Call(data={"email": "nobody@example.com"}),
            ("GET", "/password-reset/new"): Call(),
            ("POST", "/password-reset/new"): Call(
                data={"token": reset, "password": "a new long password"}
            ),
            ("GET", "/inbox"): Call(),
            ("POST", "/inbox/bulk"): Call(
                data={"action": "priority", "value": "high", "ticket_ids": [self.ticket]}
            ),
            ("POST", "/inbox/views"): Call(data={"name": f"mine {m}", "query": "view=mine"}),
            ("POST", "/inbox/views/{view_id}/delete"): Call({"view_id": view.id}, data={}),
            ("GET", "/tickets/{ticket_id}"): Call(ticket),
            ("GET", "/tickets/{ticket_id}/conversation"): Call(ticket),
            ("POST", "/tickets/{ticket_id}/reply"): Call(
                ticket, data={"text": "On its way", "mode": "reply", "seen": 10**9}
            ),
            ("POST", "/tickets/{ticket_id}/properties"): Call(ticket, data={"priority": "low"}),
            ("POST", "/tickets/{ticket_id}/preview"): Call(ticket, data={"text": "Hello <b>"}),
            ("GET", "/contacts"): Call(),
            ("GET", "/contacts/{contact_id}"): Call({"contact_id": w.customer.id}),
            ("POST", "/contacts/{contact_id}"): Call(
                {"contact_id": survivor}, data={"name": f"Edited by {m}"}
            ),
            ("POST", "/contacts/{contact_id}/merge"): Call(
                {"contact_id": survivor}, data={"other_id": merged}
            ),
            ("GET", "/organizations"): Call(),
            ("GET", "/chats"): Call(),
            ("GET", "/chats/queue"): Call(),
            ("POST", "/organizations"): Call(data={"name": f"Web org of {m}"}),
            ("POST", "/organizations/{org_id}"): Call(
                {"org_id": self.org}, data={"name": f"Tent Co ({m})", "tier": "gold"}
            ),
            ("GET", "/admin"): Call(),
            ("POST", "/admin/agents"): Call(
                data={"email": f"web-hire-{m}@example.com", "name": "Hire"}
            ),
            ("POST", "/admin/agents/{agent_id}"): Call(
                {"agent_id": self.staff}, data={"role": "agent", "is_active": "true"}
            ),
            ("POST", "/admin/teams"): Call(data={"name": f"Web team of {m}"}),
            ("POST", "/admin/inboxes"): Call(data={"name": f"Form of {m}", "kind": "webform"}),
            ("POST", "/admin/canned"): Call(data={"title": f"New {m}", "text": "Hello"}),
            ("POST", "/admin/canned/{reply_id}/delete"): Call({"reply_id": canned.id}, data={}),
            ("GET", "/portal"): Call(),
            ("POST", "/portal/requests"): Call(data=request),
            ("POST", "/portal/link"): Call(data={"email": "ani@example.org"}),
            ("GET", "/portal/signin"): Call(),
            ("POST", "/portal/signin"): Call(data={"token": self.fresh_signin(f"web {m}")}),
            ("GET", "/portal/tickets"): Call(),
            ("GET", "/portal/tickets/{ticket_id}"): Call(ticket),
            ("POST", "/portal/tickets/{ticket_id}/reply"): Call(ticket, data={"text": "Thanks"}),
            ("POST", "/portal/tickets/{ticket_id}/rating"): Call(
                {"ticket_id": solved}, data={"score": "good", "comment": f"By {m}"}
            ),
            ("GET", "/rate"): Call(query={"token": rating, "score": "bad"}),
            ("POST", "/rate"): Call(data={"token": rating, "score": "bad"}),
            ("GET", "/profile"): Call(),
            ("POST", "/profile"): Call(
                data={"name": f"Walker {m}", "time_zone": "Asia/Yerevan", "ui_language": ""}
            ),
            ("GET", "/admin/settings"): Call(),
            ("POST", "/admin/settings"): Call(
                data={
                    "desk_name": f"Desk of {m}",
                    "default_language": "en",
                    "default_time_zone": "UTC",
                    "portal_enabled": "true",
                    "satisfaction_enabled": "true",
                }
            ),
            ("GET", "/admin/inboxes/{inbox_id}"): Call(form_inbox),
            ("POST", "/admin/inboxes/{inbox_id}"): Call(
                form_inbox, data={"name": f"Form by {m}", "reply_by_email": "true"}
            ),
            ("POST", "/admin/inboxes/{inbox_id}/test"): Call(api_inbox, data={}),
        }

    def service_calls(self, member: Member) -> dict[tuple[str, str], Call]:
        """Service levels, routing, promises and automation."""
        w, m = self.world, member.name
        i = MEMBERS.index(m)
        ticket = {"ticket_id": self.ticket}
        office = {"time_zone": "Europe/Riga", "hours": {"mon": [["09:00", "17:00"]]}}
        calendar = {"calendar_id": self.fixed("calendar")}
        policy = {"policy_id": self.fixed("policy")}
        inert = [{"field": "subject", "op": "contains", "value": "no ticket says this"}]
        note = [{"type": "add_note", "text": "Checked by {{agent.name}}"}]
        hours = [{"field": "hours_since_updated", "op": "greater_than", "value": 10000}]
        calls = {
            ("GET", "/api/v1/calendars"): Call(),
            ("POST", "/api/v1/calendars"): Call(
                json={"name": f"Office of {m}", "definition": office}
            ),
            ("POST", "/api/v1/calendars/preview"): Call(
                json={"definition": office, "start": "2026-03-02T16:55:00+02:00", "minutes": 10}
            ),
            ("GET", "/api/v1/calendars/{calendar_id}"): Call(calendar),
            ("PATCH", "/api/v1/calendars/{calendar_id}"): Call(calendar, {"name": f"Riga by {m}"}),
            ("DELETE", "/api/v1/calendars/{calendar_id}"): Call(
                {"calendar_id": self.fresh("calendar", m)}
            ),
            ("GET", "/api/v1/sla-policies"): Call(),
            ("POST", "/api/v1/sla-policies"): Call(
                json={
                    "name": f"Policy of {m}",
                    "position": 100 + i,
                    "conditions": {"tags": [f"walk-{i}"]},
                    "first_response_minutes": 60,
                }
            ),
            ("GET", "/api/v1/sla-policies/{policy_id}"): Call(policy),
            ("PATCH", "/api/v1/sla-policies/{policy_id}"): Call(
                policy, {"first_response_minutes": 30 + i}
            ),
            ("DELETE", "/api/v1/sla-policies/{policy_id}"): Call(
                {"policy_id": self.fresh("policy", m)}
            ),
            ("GET", "/api/v1/tickets/{ticket_id}/sla"): Call(ticket),
            ("GET", "/api/v1/routing/teams/{team_id}"): Call({"team_id": self.team_c}),
            ("PUT", "/api/v1/routing/teams/{team_id}"): Call(
                {"team_id": self.team_c}, {"mode": "least_loaded"}
            ),
            ("GET", "/api/v1/routing/inboxes/{inbox_id}"): Call({"inbox_id": self.inbox}),
            ("PUT", "/api/v1/routing/inboxes/{inbox_id}"): Call(
                {"inbox_id": self.inbox}, {"mode": "manual"}
            ),
            ("GET", "/api/v1/routing/queue"): Call(),
            ("GET", "/api/v1/agents/{agent_id}/skills"): Call({"agent_id": self.staff}),
            ("PUT", "/api/v1/agents/{agent_id}/skills"): Call(
                {"agent_id": self.staff}, {"skills": ["billing", "lv"]}
            ),
            ("GET", "/api/v1/agents/{agent_id}/capacity"): Call({"agent_id": self.staff}),
            ("PUT", "/api/v1/agents/{agent_id}/capacity"): Call(
                {"agent_id": self.staff}, {"capacity": {"chat": 4}}
            ),
            ("POST", "/api/v1/tickets/{ticket_id}/transfer"): Call(
                ticket, {"assignee_id": w.agent.id, "reason": "Knows this product"}
            ),
            ("POST", "/api/v1/tickets/{ticket_id}/escalate"): Call(
                {"ticket_id": self.fresh_team_a_ticket(m)}, {"reason": "Asks for a manager"}
            ),
            ("GET", "/api/v1/tickets/{ticket_id}/transfers"): Call(ticket),
            ("POST", "/api/v1/tickets/{ticket_id}/promises"): Call(
                ticket, {"text": "Call back at 10:00", "due_at": "2026-03-03T10:00:00+02:00"}
            ),
            ("GET", "/api/v1/tickets/{ticket_id}/promises"): Call(ticket),
            ("GET", "/api/v1/promises"): Call(),
            ("GET", "/api/v1/promises/summary"): Call(),
            ("POST", "/api/v1/promises/{promise_id}/keep"): Call(
                {"promise_id": self.fresh_promise()}
            ),
            ("POST", "/api/v1/promises/{promise_id}/cancel"): Call(
                {"promise_id": self.fresh_promise()}
            ),
            ("GET", "/api/v1/inboxes/{inbox_id}/follow-up"): Call({"inbox_id": self.inbox}),
            ("PUT", "/api/v1/inboxes/{inbox_id}/follow-up"): Call(
                {"inbox_id": self.inbox},
                {
                    "follow_up_after_days": 3,
                    "solve_after_days": 4,
                    "follow_up_text": "Still there?",
                },
            ),
            ("POST", "/api/v1/tickets/{ticket_id}/snooze"): Call(
                ticket, {"until": "2026-03-09T09:00:00+02:00"}
            ),
            ("POST", "/api/v1/macros/{rule_id}/apply"): Call(
                {"rule_id": self.fixed("macro")}, {"ticket_id": self.ticket}
            ),
        }
        bodies = {
            "triggers": {"event": "ticket.created", "conditions": inert, "actions": note},
            "time-rules": {"conditions": hours, "actions": note},
            "macros": {"actions": note},
        }
        for path, body in bodies.items():
            kind = {"triggers": "trigger", "time-rules": "time_rule", "macros": "macro"}[path]
            one = {"rule_id": self.fixed(kind)}
            calls[("GET", f"/api/v1/{path}")] = Call()
            calls[("POST", f"/api/v1/{path}")] = Call(json={"name": f"{kind} of {m}", **body})
            calls[("GET", f"/api/v1/{path}/{{rule_id}}")] = Call(one)
            calls[("PATCH", f"/api/v1/{path}/{{rule_id}}")] = Call(one, {"actions": note})
            calls[("DELETE", f"/api/v1/{path}/{{rule_id}}")] = Call(
                {"rule_id": self.fresh(kind, m)}
            )
        return calls

    def fixed(self, kind: str) -> int:
        if kind not in self.made:
            self.made[kind] = self.fresh(kind, "the walk")
        return self.made[kind]

    def fresh(self, kind: str, name: str) -> int:
        from frontdesk.automation import admin as automation
        from frontdesk.sla import admin as sla

        office = {"time_zone": "Europe/Riga", "hours": {"tue": [["09:00", "17:00"]]}}
        note = [{"type": "add_note", "text": "Seen"}]
        unique = uuid.uuid4().hex[:8]
        with self.world.fd.transaction() as tx:
            if kind == "calendar":
                return sla.save_calendar(
                    tx, SYSTEM, {"name": f"C {unique}", "definition": office}
                ).id
            if kind == "policy":
                position = 1000 + len(self.made) * 10 + uuid.uuid4().int % 1000 * 10
                return sla.save_policy(
                    tx,
                    SYSTEM,
                    {
                        "name": f"P {unique}",
                        "position": position,
                        "conditions": {"tags": [f"t{unique}"]},
                        "first_response_minutes": 5,
                    },
                ).id
            fields: dict[str, Any] = {"name": f"{kind} {name} {unique}", "actions": note}
            if kind == "trigger":
                fields.update(
                    event="ticket.created",
                    conditions=[
                        {"field": "subject", "op": "contains", "value": "no ticket says this"}
                    ],
                )
            if kind == "time_rule":
                fields["conditions"] = [
                    {"field": "hours_since_updated", "op": "greater_than", "value": 10000}
                ]
            return int(automation.save(tx, SYSTEM, kind, fields).id)

    def fresh_promise(self) -> int:
        from datetime import timedelta

        from frontdesk.promises.records import make_promise

        fd = self.world.fd
        with fd.transaction() as tx:
            return make_promise(
                tx,
                SYSTEM,
                self.ticket,
                text="Send the label",
                owner_id=self.world.agent.id,
                due_at=fd.clock.now() + timedelta(days=1),
            ).id

    def fresh_team_a_ticket(self, name: str) -> int:
        from frontdesk.channels.base import InboundMessage, Sender
        from frontdesk.domain.inbound import receive

        with self.world.fd.transaction() as tx:
            return receive(
                tx,
                InboundMessage(
                    inbox_id=self.inbox_a,
                    sender=Sender("email", f"{name}@escalate.example"),
                    text="I want a manager",
                ),
            ).ticket.id

    def kb_calls(self, m: str) -> dict[tuple[str, str], Call]:
        kb = self.kb()
        article = {"article_id": kb["article"]}
        en = {**article, "language": "en"}
        page = {"lang": "en", "ref": f"{kb['article']}-lost-property"}
        names = {"names": {"en": f"Shop of {m}", "el": "Κατάστημα"}}
        draft = {"title": "Χαμένα αντικείμενα", "body": f"Τα κρατάμε έναν μήνα ({m})."}
        prefix = "/api/v1/kb/articles/{article_id}/translations/{language}"
        return {
            ("GET", "/api/v1/kb/categories"): Call(),
            ("POST", "/api/v1/kb/categories"): Call(json=names),
            ("PATCH", "/api/v1/kb/categories/{category_id}"): Call(
                {"category_id": kb["category"]}, names
            ),
            ("POST", "/api/v1/kb/sections"): Call(json={"category_id": kb["category"], **names}),
            ("PATCH", "/api/v1/kb/sections/{section_id}"): Call(
                {"section_id": kb["section"]}, {"position": 2}
            ),
            ("GET", "/api/v1/kb/articles"): Call(),
            ("POST", "/api/v1/kb/articles"): Call(
                json={"section_id": kb["section"], "language": "sl", "title": f"Vračila {m}"}
            ),
            ("GET", "/api/v1/kb/articles/{article_id}"): Call(article),
            ("PATCH", "/api/v1/kb/articles/{article_id}"): Call(article, {"position": 1}),
            ("PUT", prefix): Call({**article, "language": "el"}, draft),
            ("POST", prefix + "/publish"): Call(en),
            ("POST", prefix + "/unpublish"): Call(
                {"article_id": self.fresh_article(), "language": "en"}
            ),
            ("GET", prefix + "/versions"): Call(en),
            ("GET", "/api/v1/search"): Call(query={"q": "property"}),
            ("GET", "/api/v1/tickets/{ticket_id}/article-suggestions"): Call(
                {"ticket_id": self.ticket}
            ),
            ("GET", "/api/v1/kb/suggestions"): Call(query={"q": "lost umbrella"}),
            ("GET", "/help"): Call(),
            ("GET", "/help/sitemap.xml"): Call(),
            ("GET", "/help/{lang}"): Call({"lang": "en"}),
            ("GET", "/help/{lang}/categories/{ref}"): Call(
                {"lang": "en", "ref": f"{kb['category']}-lost"}
            ),
            ("GET", "/help/{lang}/articles/{ref}"): Call(page),
            ("POST", "/help/{lang}/articles/{ref}/vote"): Call(page, form={"helpful": "yes"}),
            ("GET", "/help/{lang}/search"): Call({"lang": "en"}, query={"q": "lost"}),
            ("POST", prefix + "/versions/{number}/restore"): Call({**en, "number": 1}, {}),
            ("GET", "/api/v1/kb/articles/{article_id}/files"): Call(article),
            ("POST", "/api/v1/kb/articles/{article_id}/files"): Call(
                article, more={"files": {"file": ("note.txt", b"Kept a month.", "text/plain")}}
            ),
            ("GET", "/api/v1/kb/deflection"): Call(),
            ("GET", "/help/files/{file_id}/{name}"): Call(
                {"file_id": kb["file"], "name": "map.png"}
            ),
            ("GET", "/portal/suggestions"): Call(query={"subject": "lost property"}),
            ("GET", "/portal/suggestions/{article_id}"): Call(article, query={"lang": "en"}),
            **self.kb_editor_calls(m),
        }

    def kb_editor_calls(self, m: str) -> dict[tuple[str, str], Call]:
        kb = self.kb()
        article = {"article_id": kb["article"]}
        en = {**article, "language": "en"}
        page = "/kb/articles/{article_id}/translations/{language}"
        draft = {"title": "Lost property", "body": f"We keep them a month ({m}).", "action": "save"}
        return {
            ("GET", "/kb"): Call(),
            ("POST", "/kb/categories"): Call(data={"name_en": f"Web shop {m}"}),
            ("POST", "/kb/categories/{category_id}"): Call(
                {"category_id": kb["category"]}, data={"name_en": "Lost", "name_el": "Χαμένα"}
            ),
            ("POST", "/kb/sections"): Call(
                data={"category_id": str(kb["category"]), "name_lv": f"Sadaļa {m}"}
            ),
            ("POST", "/kb/sections/{section_id}"): Call(
                {"section_id": kb["section"]}, data={"name_en": "Things"}
            ),
            ("POST", "/kb/articles"): Call(
                data={"section_id": str(kb["section"]), "language": "hy", "title": f"Կորած {m}"}
            ),
            ("GET", page): Call(en),
            ("POST", page): Call(en, data=draft),
            ("POST", page + "/unpublish"): Call(
                {"article_id": self.fresh_article(), "language": "en"}, data={}
            ),
            ("POST", page + "/versions/{number}/restore"): Call({**en, "number": 1}, data={}),
            ("POST", "/kb/articles/{article_id}/settings"): Call(
                article, data={"visibility": "public", "section_id": str(kb["section"])}
            ),
            ("POST", "/kb/articles/{article_id}/files"): Call(
                article,
                data={"back": "en"},
                more={"files": {"file": ("note.txt", b"Kept a month.", "text/plain")}},
            ),
            ("POST", "/kb/preview"): Call(data={"body": "**Γειά σας**"}),
            ("GET", "/kb/deflection"): Call(),
        }

    def kb(self) -> dict[str, int]:
        if not self.kb_ids:
            with self.world.fd.transaction() as tx:
                category = kb_articles.create_category(tx, SYSTEM, {"en": "Lost"})
                section = kb_articles.create_section(tx, SYSTEM, category.id, {"en": "Things"})
                article = kb_articles.create_article(
                    tx,
                    SYSTEM,
                    section.id,
                    "en",
                    kb_articles.Draft("Lost property", "We keep found things for a month."),
                    publish=True,
                )
                picture = kb_files.upload(tx, SYSTEM, article.id, "map.png", PNG)
            self.kb_ids = {
                "category": category.id,
                "section": section.id,
                "article": article.id,
                "file": picture.id,
            }
        return self.kb_ids

    def fresh_article(self) -> int:
        with self.world.fd.transaction() as tx:
            draft = kb_articles.Draft("Old news", "To take down.")
            return kb_articles.create_article(
                tx, SYSTEM, self.kb()["section"], "en", draft, publish=True
            ).id

    def email_inbox(self) -> int:
        if not self.email_inbox_id:
            with self.world.fd.transaction() as tx:
                self.email_inbox_id = create_inbox(
                    tx,
                    SYSTEM,
                    name="Support mail",
                    kind="email",
                    config={"address": "walk@example.com"},
                    team_id=None,
                ).id
        return self.email_inbox_id

    def chat_params(self) -> dict[str, Any]:
        if not self.chat_inbox_id:
            with self.world.fd.transaction() as tx:
                self.chat_inbox_id = create_inbox(
                    tx, SYSTEM, name="Chat", kind="chat", config={}, team_id=self.world.team_a
                ).id
                set_capacity(tx, SYSTEM, self.world.admin.id, 50)
                agents.update_agent(tx, SYSTEM, self.world.admin.id, {"availability": "online"})
        return {"inbox_id": self.chat_inbox_id}

    def stranger(self) -> str:
        """A token of a new visitor of the chat inbox."""
        claim = VisitorClaim(self.chat_params()["inbox_id"], new_visitor_key())
        return visitor_token(self.world.fd.secret_key, claim)

    def chat(self, *, accepted: bool = False, by: Member | None = None) -> int:
        """A new waiting chat of team A; accepted when asked, by `by` if they are a full
        agent of team A (only the chat's own agent replies), else by the admin."""
        fd = self.world.fd
        visit = Visit(self.chat_params()["inbox_id"], new_visitor_key())
        chat_id = post_message(fd, visit, "c1", "Բարև", []).chat.chat_id
        if accepted:
            taker = Actor("agent", self.world.admin.id, "admin")
            if by is not None and by.kind == "agent":
                taker = Actor("agent", by.id, "agent", frozenset({self.world.team_a}))
            with fd.transaction() as tx:
                accept(tx, taker, chat_id, 50)
        return chat_id

    def fresh_contacts(self, name: str) -> tuple[int, int]:
        with self.world.fd.transaction() as tx:
            a = create_contact(tx, SYSTEM, {"name": f"A of {name}"}, [])
            b = create_contact(tx, SYSTEM, {"name": f"B of {name}"}, [])
            return a.id, b.id

    def fresh_identity(self, name: str) -> int:
        ref = IdentityRef("email", f"{name}-old@example.org")
        with self.world.fd.transaction() as tx:
            return add_identity(tx, SYSTEM, self.world.customer.id, ref).id

    def fresh_token(self, member: Member) -> int:
        owner = member.id if member.token else self.staff  # customers own no tokens
        with self.world.fd.transaction() as tx:
            return agents.create_token(tx, SYSTEM, owner, "to revoke")[0].id

    def fresh_signin(self, name: str) -> str:
        fd = self.world.fd
        with fd.transaction() as tx:
            contact = create_contact(tx, SYSTEM, {"name": f"Link of {name}"}, [])
        return issue_signin_token(fd.secret_key, contact.id, fd.clock.now())

    def dead_job(self) -> int:
        with self.world.fd.transaction() as tx:
            job = tx.enqueue("deliver_message", {"message_id": 0})
            job.status, job.finished_at, job.last_error = "dead", tx.now(), "gave up"
            tx.session.flush()
            return job.id


@pytest.fixture
def place(world: World) -> Place:
    admin = world.admin.client
    inbox_a = admin.post(
        "/api/v1/inboxes", json={"name": "Team A app", "kind": "api", "team_id": world.team_a}
    ).json()["id"]
    received = admin.post(
        f"/api/v1/inboxes/{inbox_a}/messages",
        json={
            "subject": "Broken zip",
            "message": "The zip of my tent broke, photo attached",
            "contact": {"email": "ani@example.org"},
            "attachments": [
                {
                    "filename": "zip.txt",
                    "content_type": "text/plain",
                    "content_base64": base64.b64encode(b"a photo").decode(),
                }
            ],
        },
    ).json()
    assert received["contact_id"] == world.customer.id
    assert received["team_id"] == world.team_a
    inbox = admin.post("/api/v1/inboxes", json={"name": "Shop app", "kind": "api"}).json()["id"]
    with world.fd.transaction() as tx:
        staff = agents.create_agent(tx, SYSTEM, email="staff@example.com", name="Staff")
        team_c = agents.create_team(tx, SYSTEM, "Team C", [])
    org = admin.post("/api/v1/organizations", json={"name": "Tent Co"}).json()["id"]
    emailed = received["message"]["id"]
    with world.fd.transaction() as tx:  # as if it had come in by email
        tx.session.add(MessageOriginal(message_id=emailed, sha256="0" * 64, data=b"Hi\r\n"))
    return Place(
        world=world,
        ticket=received["id"],
        attachment=received["message"]["attachments"][0]["id"],
        emailed=emailed,
        inbox=inbox,
        org=org,
        staff=staff.id,
        team_c=team_c.id,
        inbox_a=inbox_a,
    )


def unique_ip() -> str:
    """Failed sign-ins are counted per client address; each test signs in from its own."""
    n = uuid.uuid4().int
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def acting_as(member: Member, ip: str) -> ApiClient:
    """A new client with the member's credentials, so that signing in or out on one row
    cannot change who makes the next request."""
    client = ApiClient(member.client.app, raise_server_exceptions=False, client=(ip, 50000))
    if "authorization" in member.client.headers:
        client.headers["Authorization"] = member.client.headers["authorization"]
    client.cookies.update(member.client.cookies)
    client.csrf = member.client.csrf
    return client


def test_the_table_has_one_row_for_every_route_of_the_app(app: FastAPI) -> None:
    http, websockets = app_routes(app)
    assert len(http) == len(set(http))
    assert sorted(set(http) - set(EXPECTED)) == [], "routes without a row in TABLE"
    assert sorted(set(EXPECTED) - set(http)) == [], "rows in TABLE for routes the app lacks"
    assert websockets == WEBSOCKETS


def test_every_route_answers_each_member_as_the_table_says(
    world: World, place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every member posts the web form from the walk's one address.
    monkeypatch.setattr(portal.form_limit, "max_per_window", 1000)
    http, _ = app_routes(world.admin.client.app)
    ip = unique_ip()
    place.login_email = f"login-{uuid.uuid4().hex}@example.com"
    with world.fd.transaction() as tx:
        agents.create_agent(tx, SYSTEM, email=place.login_email, name="Login", password=PASSWORD)
    wrong: list[str] = []
    for member in world.members:
        calls = place.calls(member)
        assert set(calls) == set(EXPECTED), "Place.calls must build a request for every row"
        for method, path in http:
            if (method, path) not in EXPECTED:
                wrong.append(f"{method} {path}: no row in TABLE")
                continue
            call = calls[(method, path)]
            with acting_as(member, ip) as client:
                form = call.form if call.form is not None else call.data
                sent = {"json": call.json, "data": form, "params": call.query, **call.more}
                response = client.request(
                    method, path.format(**call.params), follow_redirects=False, **sent
                )
            want = EXPECTED[(method, path)][member.name]
            if response.status_code != want:
                wrong.append(
                    f"{method} {path} as {member.name}: want {want}, "
                    f"got {response.status_code} {response.text[:200]}"
                )
    assert wrong == [], "\n".join(wrong)


def test_a_hidden_ticket_answers_exactly_like_an_unknown_one(world: World, place: Place) -> None:
    unknown = 987_654
    for path in ("", "/messages", "/audit"):
        hidden = world.other_agent.client.get(f"/api/v1/tickets/{place.ticket}{path}")
        missing = world.other_agent.client.get(f"/api/v1/tickets/{unknown}{path}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.headers["content-type"] == missing.headers["content-type"]
        assert hidden.text.replace(str(place.ticket), "<id>") == missing.text.replace(
            str(unknown), "<id>"
        )
    hidden = world.other_customer.client.get(f"/api/v1/portal/tickets/{place.ticket}")
    missing = world.other_customer.client.get(f"/api/v1/portal/tickets/{unknown}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["title"] == missing.json()["title"] == "Not found"


def test_an_agent_sees_tickets_without_a_team_of_their_teams_and_assigned_to_them(
    world: World, place: Place
) -> None:
    no_team = world.admin.client.post(
        f"/api/v1/inboxes/{place.inbox}/messages",
        json={"message": "Hello?", "contact": {"email": "bob@example.net"}},
    ).json()["id"]

    def seen_by(member: Member) -> set[int]:
        return {t["id"] for t in member.client.get("/api/v1/tickets").json()["items"]}

    assert seen_by(world.admin) == {place.ticket, no_team}
    assert seen_by(world.agent) == {place.ticket, no_team}
    assert seen_by(world.light_agent) == {place.ticket, no_team}
    assert seen_by(world.other_agent) == {no_team}
    contact_tickets = f"/api/v1/contacts/{world.customer.id}/tickets"
    assert world.other_agent.client.get(contact_tickets).json()["items"] == []

    assigned = world.admin.client.post(
        f"/api/v1/tickets/{place.ticket}/assign", json={"assignee_id": world.other_agent.id}
    )
    assert assigned.status_code == 200
    assert seen_by(world.other_agent) == {place.ticket, no_team}
    assert world.other_agent.client.get(f"/api/v1/tickets/{place.ticket}").status_code == 200
    assert [t["id"] for t in world.other_agent.client.get(contact_tickets).json()["items"]] == [
        place.ticket
    ]


def test_a_light_agent_cannot_be_given_a_ticket(world: World, place: Place) -> None:
    response = world.agent.client.post(
        f"/api/v1/tickets/{place.ticket}/assign", json={"assignee_id": world.light_agent.id}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "assignee_id"
    assert world.agent.client.get(f"/api/v1/tickets/{place.ticket}").json()["assignee_id"] is None


def test_an_agent_may_change_their_own_name_languages_availability_and_password(
    world: World,
) -> None:
    for member, role in (
        (world.agent, "agent"),
        (world.light_agent, "light_agent"),
        (world.other_agent, "agent"),
    ):
        own = f"/api/v1/agents/{member.id}"
        changed = member.client.patch(
            own,
            json={
                "name": "Ανδρέας",
                "languages": ["el", "sl"],
                "availability": "away",
                **({"password": PASSWORD} if role == "light_agent" else {}),
            },
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["name"] == "Ανδρέας"
        for forbidden in ({"role": "admin"}, {"team_ids": []}, {"is_active": False}):
            assert member.client.patch(own, json=forbidden).status_code == 403, forbidden
        got = world.admin.client.get(own).json()
        assert (got["role"], got["is_active"]) == (role, True)
    other = f"/api/v1/agents/{world.light_agent.id}"
    assert world.agent.client.patch(other, json={"name": "Mallory"}).status_code == 403


def test_the_event_stream_admits_agents_and_refuses_everyone_else(world: World) -> None:
    for member in (world.admin, world.agent, world.other_agent, world.light_agent):
        with member.client.websocket_connect("/api/v1/events") as ws:
            assert ws.receive_json() == {"type": "ready"}, member.name
    for member in (world.customer, world.other_customer, world.anonymous):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            member.client.websocket_connect("/api/v1/events"),
        ):
            pass
        assert refused.value.code == 4401, member.name
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        world.anonymous.client.websocket_connect(
            "/api/v1/events", headers={"Authorization": "Bearer fd_not-a-token"}
        ),
    ):
        pass
    assert refused.value.code == 4401


def test_the_event_stream_carries_only_events_of_tickets_the_agent_can_see(
    world: World, place: Place
) -> None:
    no_team = world.admin.client.post(
        f"/api/v1/inboxes/{place.inbox}/messages",
        json={"message": "Hello?", "contact": {"email": "bob@example.net"}},
    ).json()["id"]
    with (
        world.agent.client.websocket_connect("/api/v1/events") as agent,
        world.other_agent.client.websocket_connect("/api/v1/events") as other,
    ):
        assert agent.receive_json() == other.receive_json() == {"type": "ready"}
        for ticket in (place.ticket, no_team):
            note = world.admin.client.post(
                f"/api/v1/tickets/{ticket}/notes", json={"text": "Checking"}
            )
            assert note.status_code == 201
        # Events arrive in order: the other agent's first one is already the second note.
        assert [agent.receive_json()["ticket_id"] for _ in range(2)] == [place.ticket, no_team]
        assert other.receive_json()["ticket_id"] == no_team
