"""The job that emails a visitor the transcript of their conversation."""

from __future__ import annotations

from sqlalchemy import select

from frontdesk.channels.chat.frames import thread_key
from frontdesk.channels.email.adapter import send_smtp
from frontdesk.channels.email.compose import compose_notice
from frontdesk.channels.email.config import EmailInboxConfig
from frontdesk.jobs.handlers import PermanentFailure
from frontdesk.jobs.queue import ClaimedJob
from frontdesk.models import Agent, ChatVisitor, Inbox, Message, Ticket
from frontdesk.runtime import Frontdesk

# The subject in the visitor's language; the lines are the conversation itself.
SUBJECTS = {
    "en": "Your chat with us",
    "hy": "Ձեր զրույցը մեզ հետ",
    "ta": "எங்களுடன் உங்கள் உரையாடல்",
    "lv": "Jūsu tērzēšana ar mums",
    "el": "Η συνομιλία σας μαζί μας",
    "sl": "Vaš klepet z nami",
}


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
    )
