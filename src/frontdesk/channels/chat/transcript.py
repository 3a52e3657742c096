"""Transcripts: a visitor asks for their conversation by email, and a job sends it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from frontdesk.channels.chat.frames import BOT_NAMES, bot_meta, thread_key
from frontdesk.channels.chat.visitors import Visit, chat_inbox
from frontdesk.channels.email.adapter import send_smtp, smtp_token
from frontdesk.channels.email.compose import compose_notice
from frontdesk.channels.email.config import EmailInboxConfig
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.errors import Invalid
from frontdesk.domain.identities import normalize_identity
from frontdesk.jobs.handlers import PermanentFailure
from frontdesk.jobs.queue import ClaimedJob
from frontdesk.models import Agent, ChatVisitor, Inbox, Job, Message, Ticket
from frontdesk.runtime import Frontdesk

TRANSCRIPTS_PER_HOUR = 3
# The subject in the visitor's language; the lines are the conversation itself.
SUBJECTS = {
    "en": "Your chat with us",
    "hy": "Ձեր զրույցը մեզ հետ",
    "ta": "எங்களுடன் உங்கள் உரையாடல்",
    "lv": "Jūsu tērzēšana ar mums",
    "el": "Η συνομιλία σας μαζί μας",
    "sl": "Vaš klepet z nami",
}


def request_transcript(fd: Frontdesk, visit: Visit, email: str | None) -> str:
    """Queue the conversation to be emailed to the visitor; answers the address used."""
    with fd.transaction() as tx:
        _, config = chat_inbox(tx.session, visit.inbox_id)
        if config.email_inbox_id is None:
            raise Invalid("transcript", "this chat does not send transcripts")
        visitor = tx.session.get(ChatVisitor, visit.visitor_id) if visit.visitor_id else None
        if visitor is None:
            raise Invalid("transcript", "there is no conversation yet")
        given = email or visitor.email
        if not given:
            raise Invalid("email", "needed to send the transcript")
        _, address = normalize_identity("email", given)
        since = tx.now() - timedelta(hours=1)
        recent = tx.session.scalar(
            select(func.count())
            .select_from(Job)
            .where(
                Job.kind == "chat_transcript",
                Job.created_at >= since,
                Job.payload["visitor_id"].as_integer() == visitor.id,
            )
        )
        if (recent or 0) >= TRANSCRIPTS_PER_HOUR:
            # Whoever holds the widget could otherwise mail any address again and again.
            raise Invalid("transcript", "a transcript was sent a moment ago; try again later")
        tx.enqueue(
            "chat_transcript",
            {"visitor_id": visitor.id, "to": address, "email_inbox_id": config.email_inbox_id},
            max_attempts=8,
        )
        tx.audit(SYSTEM, "chat.transcript_requested", "contact", visitor.contact_id, {})
        return address


def transcript_text(fd: Frontdesk, visitor: ChatVisitor) -> str:
    with fd.read() as session:
        rows = session.execute(
            select(Message, Agent.name)
            .join(Ticket, Ticket.id == Message.ticket_id)
            .outerjoin(Agent, Agent.id == Message.author_agent_id)
            .where(
                Ticket.inbox_id == visitor.inbox_id,
                Ticket.thread_key == thread_key(visitor.key),
                Message.is_internal.is_(False),
            )
            .order_by(Message.id)
        ).all()
    lines = []
    for message, agent_name in rows:
        who = (agent_name or "") if message.direction == "out" else (visitor.name or "You")
        if bot_meta(message) is not None:
            who = BOT_NAMES.get(visitor.locale or "en", BOT_NAMES["en"])
        stamp = message.created_at.strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"[{stamp}] {who}:\n{message.text}\n")
    return "\n".join(lines)


def send_transcript(fd: Frontdesk, job: ClaimedJob) -> None:
    payload = job.payload
    with fd.read() as session:
        visitor = session.get(ChatVisitor, int(payload["visitor_id"]))
        inbox = session.get(Inbox, int(payload["email_inbox_id"]))
    if visitor is None or inbox is None or inbox.kind != "email":
        raise PermanentFailure("the visitor or the email inbox is gone")
    config = EmailInboxConfig.model_validate(inbox.config)
    if config.smtp is None:
        raise PermanentFailure(f"email inbox {inbox.id} has no SMTP server")
    subject = SUBJECTS.get(visitor.locale or "en", SUBJECTS["en"])
    send_smtp(
        config.smtp,
        compose_notice(config, payload["to"], subject, transcript_text(fd, visitor), None),
        login_name=config.login_name(config.smtp),
        token=smtp_token(fd.settings, inbox.id, config),
    )
