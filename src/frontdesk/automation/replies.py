"""Messages the help desk sends by itself (acknowledgements, follow-ups, canned replies
from triggers), and the placeholders they may carry.

An automatic message is not an agent's answer: it neither stops the first-response clock
nor counts as the last agent message, so the service level stays honest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from frontdesk.domain.actors import SYSTEM, Actor
from frontdesk.domain.errors import Invalid
from frontdesk.domain.tx import Tx
from frontdesk.models import Agent, Message, Ticket

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")


def _first_name(ticket: Ticket) -> str:
    name = (ticket.contact.name or "").strip()
    return name.split()[0] if name else ""


def _expected_reply(ticket: Ticket) -> str:
    """The first-response due time in the calendar's (or the customer's) time zone."""
    from zoneinfo import ZoneInfo

    from frontdesk.sla.tracking import policy_for

    due = ticket.first_response_due_at or ticket.next_response_due_at
    if due is None:
        return ""
    zone_name = ticket.contact.time_zone
    if not zone_name:
        from sqlalchemy.orm import object_session

        session = object_session(ticket)
        policy = policy_for(session, ticket) if session is not None else None
        zone_name = policy.calendar.time_zone if policy else "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return _format(due.astimezone(zone), zone_name)


def _format(instant: datetime, zone_name: str) -> str:
    return f"{instant:%Y-%m-%d %H:%M} ({zone_name})"


PLACEHOLDERS: dict[str, Callable[[Ticket, Agent | None], str]] = {
    "ticket.number": lambda t, a: str(t.id),
    "ticket.id": lambda t, a: str(t.id),
    "ticket.subject": lambda t, a: t.subject,
    "ticket.status": lambda t, a: t.status,
    "ticket.priority": lambda t, a: t.priority,
    "ticket.expected_reply": lambda t, a: _expected_reply(t),
    "contact.name": lambda t, a: t.contact.name,
    "contact.first_name": lambda t, a: _first_name(t),
    "agent.name": lambda t, a: a.name if a else "",
    "agent.first_name": lambda t, a: (a.name.split() or [""])[0] if a else "",
}


def check_placeholders(text: str, field: str) -> str:
    for match in _PLACEHOLDER.finditer(text):
        if match.group(1) not in PLACEHOLDERS:
            known = ", ".join("{{" + k + "}}" for k in sorted(PLACEHOLDERS))
            raise Invalid(field, f"unknown placeholder {match.group(0)}; known: {known}")
    return text


def render(text: str, ticket: Ticket, agent: Agent | None = None) -> str:
    return _PLACEHOLDER.sub(
        lambda m: (
            PLACEHOLDERS[m.group(1)](ticket, agent) if m.group(1) in PLACEHOLDERS else m.group(0)
        ),
        text,
    )


def send_automatic_reply(
    tx: Tx, ticket: Ticket, text: str, actor: Actor = SYSTEM
) -> Message | None:
    """Reply on the ticket's channel without touching its response clocks."""
    from frontdesk.domain import tickets
    from frontdesk.sla import tracking

    if ticket.status == "closed":
        return None
    first, last = ticket.first_response_at, ticket.last_agent_message_at
    message = tickets.reply(tx, actor, ticket.id, render(text, ticket), status=ticket.status)
    ticket.first_response_at, ticket.last_agent_message_at = first, last
    tracking.sync(tx, ticket)
    return message
