"""The job that sends an automatic notice (for example: a message was too large), a
customer's sign-in link or an agent's password-reset link.

At most one notice of each purpose per address per hour, so two robots can never keep
answering each other, and a sign-in link never uses up the hour of a password reset (or
of a "too large" notice) to the same address."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select

from frontdesk.channels.email.adapter import send_smtp, smtp_token
from frontdesk.channels.email.compose import compose_notice
from frontdesk.channels.email.config import EmailInboxConfig
from frontdesk.jobs.queue import ClaimedJob
from frontdesk.models import Inbox, Job
from frontdesk.runtime import Frontdesk

NOTICES_PER_HOUR = 1
# What a notice is for ("automatic", "signin_link", "password_reset"): each purpose has
# its own hourly limit. Jobs without one count as automatic notices.
AUTOMATIC = "automatic"


def send_email_notice(fd: Frontdesk, job: ClaimedJob) -> None:
    payload = job.payload
    with fd.read() as session:
        inbox_id = int(payload["inbox_id"])
        inbox = session.get(Inbox, inbox_id)
        if inbox is None or inbox.kind != "email":
            return
        config = EmailInboxConfig.model_validate(inbox.config)
        since = fd.clock.now() - timedelta(hours=1)
        purpose = str(payload.get("purpose") or AUTOMATIC)
        stored_purpose = Job.payload["purpose"].as_string()
        same_purpose = (
            or_(stored_purpose.is_(None), stored_purpose == AUTOMATIC)
            if purpose == AUTOMATIC
            else stored_purpose == purpose
        )
        already = session.scalar(
            select(func.count())
            .select_from(Job)
            .where(
                Job.kind == "send_email_notice",
                Job.status == "done",
                Job.finished_at >= since,
                Job.payload["to"].as_string() == payload["to"],
                same_purpose,
            )
        )
    if config.smtp is None or (already or 0) >= NOTICES_PER_HOUR:
        return
    send_smtp(
        config.smtp,
        compose_notice(
            config, payload["to"], payload["subject"], payload["text"], payload.get("in_reply_to")
        ),
        login_name=config.login_name(config.smtp),
        token=smtp_token(fd.settings, inbox_id, config),
    )
