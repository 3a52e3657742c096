"""The job that mails a customer "your request was solved — how did we do?", with one
signed link per answer (domain/satisfaction.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.channels.email.adapter import send_smtp
from frontdesk.channels.email.compose import compose_notice, reply_subject
from frontdesk.channels.email.config import EmailInboxConfig
from frontdesk.domain.satisfaction import issue_rating_token
from frontdesk.domain.settings import general_settings
from frontdesk.jobs.queue import ClaimedJob
from frontdesk.models import Contact, Inbox, Ticket
from frontdesk.runtime import Frontdesk


def send_satisfaction_survey(fd: Frontdesk, job: ClaimedJob) -> None:
    with fd.read() as session:
        ticket = session.get(Ticket, int(job.payload["ticket_id"]))
        if ticket is None or ticket.status != "solved":
            return  # reopened or closed since: nothing to ask
        contact = session.get_one(Contact, ticket.contact_id)
        to = next(
            (i.address for i in contact.identities if i.kind == "email" and i.bounced_at is None),
            None,
        )
        config = _sender(session, ticket.inbox_id)
        settings = general_settings(session)
        if to is None or config is None or not settings.satisfaction_enabled:
            return
        subject, number = ticket.subject, ticket.id
        token = issue_rating_token(fd.secret_key, ticket.id, contact.id)
    base = str(fd.settings.base_url).rstrip("/")
    links = {score: f"{base}/rate?token={token}&score={score}" for score in ("good", "bad")}
    text = (
        f"Your request #{number} ({subject}) was marked as solved.\n\n"
        f"How did we do?\n\nGood, I'm satisfied: {links['good']}\n"
        f"Bad, I'm unsatisfied: {links['bad']}\n\n"
        "You can change your answer until the request is closed.\n\n"
        f"-- \n{settings.desk_name}\n"
    )
    assert config.smtp is not None
    send_smtp(config.smtp, compose_notice(config, to, reply_subject(subject, number), text, None))


def _sender(session: Session, inbox_id: int) -> EmailInboxConfig | None:
    """The ticket's own email inbox if it sends, else the first active one that does."""
    candidates = session.scalars(
        select(Inbox).where(Inbox.kind == "email", Inbox.is_active.is_(True)).order_by(Inbox.id)
    ).all()
    ordered = sorted(candidates, key=lambda inbox: inbox.id != inbox_id)
    for inbox in ordered:
        config = EmailInboxConfig.model_validate(inbox.config)
        if config.smtp is not None:
            return config
    return None
