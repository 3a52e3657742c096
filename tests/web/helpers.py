"""A small help desk for the page tests: agents with passwords, a customer and a ticket."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.channels.base import InboundAttachment, InboundMessage, Sender
from frontdesk.domain import agents
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.inbound import receive
from frontdesk.runtime import Frontdesk

PASSWORD = "correct horse battery"


@dataclass
class Desk:
    admin_id: int
    agent_id: int
    second_id: int
    team_id: int
    ticket_id: int
    contact_id: int


def make_desk(
    fd: Frontdesk,
    *,
    subject: str = "My tent zip broke",
    body: str = "The zip broke on the second night.",
    customer: str = "Անի Պետրոսյան",
    html: str | None = None,
    attachment: str | None = None,
) -> Desk:
    with fd.transaction() as tx:
        team = agents.create_team(tx, SYSTEM, "Support", [])
        admin = agents.create_agent(
            tx,
            SYSTEM,
            email="admin@example.com",
            name="Ada Admin",
            role="admin",
            password=PASSWORD,
        )
        agent = agents.create_agent(
            tx,
            SYSTEM,
            email="ana@example.com",
            name="Ana Agent",
            password=PASSWORD,
            team_ids=[team.id],
        )
        second = agents.create_agent(
            tx,
            SYSTEM,
            email="ben@example.com",
            name="Ben Second",
            password=PASSWORD,
            team_ids=[team.id],
        )
        inbox = default_api_inbox(tx)
        files = (InboundAttachment(attachment, "text/plain", b"photo"),) if attachment else ()
        received = receive(
            tx,
            InboundMessage(
                inbox_id=inbox.id,
                sender=Sender(kind="email", address="ani@example.org", name=customer),
                subject=subject,
                text=body,
                html=html,
                attachments=files,
            ),
        )
        return Desk(
            admin.id, agent.id, second.id, team.id, received.ticket.id, received.ticket.contact_id
        )


def sign_in(page: object, base: str, email: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("#email", email)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("form[action='/login'] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/inbox")  # type: ignore[attr-defined]
