"""Small steps the service-level, routing, follow-up and automation tests share: an inbox,
a customer writing, reading a ticket back, running the minute's sweeps."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from frontdesk.automation.schedule import run_sweeps
from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inbound import receive
from frontdesk.domain.inboxes import create_inbox
from frontdesk.models import AuditEntry, Ticket
from frontdesk.runtime import Frontdesk


def make_inbox(fd: Frontdesk, kind: str = "email", team_id: int | None = None) -> int:
    config = {"address": f"help-{uuid.uuid4().hex[:8]}@example.com"} if kind == "email" else {}
    with fd.transaction() as tx:
        return create_inbox(
            tx,
            SYSTEM,
            name=f"{kind} {uuid.uuid4().hex[:6]}",
            kind=kind,
            config=config,
            team_id=team_id,
        ).id


def customer_writes(
    fd: Frontdesk,
    inbox_id: int,
    text: str = "Πού είναι η παραγγελία μου;",
    *,
    email: str = "eleni@example.gr",
    ticket_id: int | None = None,
    **fields: Any,
) -> int:
    with fd.transaction() as tx:
        received = receive(
            tx,
            InboundMessage(
                inbox_id=inbox_id,
                sender=Sender("email", email, "Ελένη Παπαδοπούλου"),
                text=text,
                ticket_id=ticket_id,
                **fields,
            ),
        )
        return received.ticket.id


def ticket(fd: Frontdesk, ticket_id: int) -> Ticket:
    with fd.read() as session:
        found = session.get_one(Ticket, ticket_id)
        found.tags  # noqa: B018 (loaded while the session is open)
        return found


def audit_actions(fd: Frontdesk, ticket_id: int) -> list[str]:
    with fd.read() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.ticket_id == ticket_id)
                .order_by(AuditEntry.id)
            )
        )


def sweep(fd: Frontdesk) -> dict[str, int]:
    done = run_sweeps(fd)
    assert -1 not in done.values(), done
    return done
