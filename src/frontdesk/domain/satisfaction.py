"""Customer satisfaction: "how did we do?" on a solved ticket, answered good or bad with
an optional comment.

One rating per ticket, which the customer may change until the ticket is closed. The
customer rates from the portal, or from a signed link in the mail that tells them the
ticket was solved (no sign-in needed: the link names the ticket and its customer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.domain import tickets
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Conflict, Invalid, PermissionDenied
from frontdesk.domain.settings import general_settings
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import SatisfactionRating, Ticket
from frontdesk.models.satisfaction import SCORES

RATING_LINK_MAX_AGE_SECONDS = 30 * 24 * 3600
_SALT = "frontdesk.satisfaction"


@dataclass(frozen=True)
class PastRating:
    """One line of a customer's satisfaction history."""

    ticket_id: int
    subject: str
    score: str
    comment: str
    rated_at: datetime


def issue_rating_token(secret_key: str, ticket_id: int, contact_id: int) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    return str(serializer.dumps({"ticket": ticket_id, "contact": contact_id}))


def read_rating_token(secret_key: str, token: str) -> tuple[int, int]:
    """The (ticket id, contact id) a rating link was made for."""
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    try:
        data = serializer.loads(token, max_age=RATING_LINK_MAX_AGE_SECONDS)
        return int(data["ticket"]), int(data["contact"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise PermissionDenied("this rating link is invalid or has expired") from None


def rate(tx: Tx, actor: Actor, ticket_id: int, score: str, comment: str = "") -> SatisfactionRating:
    """The ticket's customer rates it (or changes their rating) while it is solved."""
    if actor.type != "contact":
        raise PermissionDenied("only the ticket's customer rates it")
    ticket = tickets.get_ticket(tx, actor, ticket_id)
    if score not in SCORES:
        raise Invalid("score", f"must be one of {', '.join(SCORES)}")
    comment = check_text(comment, "comment", max_length=5000).strip()
    if ticket.status == "closed":
        raise Conflict(f"ticket {ticket.id} is closed; its rating can no longer change")
    if ticket.status != "solved":
        raise Conflict(f"ticket {ticket.id} can be rated once it is solved")
    now = tx.now()
    rating = tx.session.scalar(
        select(SatisfactionRating).where(SatisfactionRating.ticket_id == ticket.id)
    )
    before = (rating.score, rating.comment) if rating else (None, None)
    if rating is None:
        rating = SatisfactionRating(
            ticket_id=ticket.id,
            contact_id=ticket.contact_id,
            score=score,
            comment=comment,
            created_at=now,
            updated_at=now,
        )
        tx.session.add(rating)
    elif before == (score, comment):
        return rating
    else:
        rating.score, rating.comment, rating.updated_at = score, comment, now
    changes = {"satisfaction": [before[0], score]}
    if comment != (before[1] or ""):
        changes["comment"] = [before[1], comment]
    tx.audit(actor, "ticket.rated", "ticket", ticket.id, changes, ticket=ticket.id)
    tx.emit("ticket.rated", ticket=ticket, score=score)
    return rating


def rating_of(session: Session, ticket_id: int) -> SatisfactionRating | None:
    return session.scalar(
        select(SatisfactionRating).where(SatisfactionRating.ticket_id == ticket_id)
    )


def satisfaction_history(session: Session, contact_id: int, *, limit: int = 10) -> list[PastRating]:
    """The customer's latest ratings, newest first, with the tickets they were about."""
    rows = session.execute(
        select(
            SatisfactionRating.ticket_id,
            Ticket.subject,
            SatisfactionRating.score,
            SatisfactionRating.comment,
            SatisfactionRating.updated_at,
        )
        .join(Ticket, Ticket.id == SatisfactionRating.ticket_id)
        # By the ticket's customer: the history follows tickets when contacts merge.
        .where(Ticket.contact_id == contact_id)
        .order_by(SatisfactionRating.id.desc())
        .limit(limit)
    )
    return [PastRating(*row) for row in rows]


def ticket_solved(tx: Tx, ticket: Ticket) -> None:
    """Ask the customer how we did, by mail, once the solved state is committed; the job
    checks again that the ticket is still solved when it runs."""
    if general_settings(tx.session).satisfaction_enabled:
        tx.enqueue("send_satisfaction_survey", {"ticket_id": ticket.id}, max_attempts=5)
