"""Customer sign-in links: a signed, short-lived token naming the contact.

A token is good for one sign-in: the time it was used is remembered in the contact's
`portal_signed_in_at` and a token issued before that instant is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from frontdesk.domain.contacts import find_by_identity
from frontdesk.domain.errors import Invalid, NotFound, PermissionDenied
from frontdesk.domain.tx import Tx
from frontdesk.models import Contact, Inbox

SIGNIN_MAX_AGE_SECONDS = 30 * 60
_SALT = "frontdesk.portal.signin"


def issue_signin_token(secret_key: str, contact_id: int, issued_at: datetime) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    return serializer.dumps({"contact": contact_id, "issued": issued_at.timestamp()})


def contact_for_signin_token(tx: Tx, secret_key: str, token: str) -> Contact:
    serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
    try:
        data = serializer.loads(token, max_age=SIGNIN_MAX_AGE_SECONDS)
        contact_id, issued = int(data["contact"]), float(data["issued"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise PermissionDenied("this sign-in link is invalid or has expired") from None
    # The signature's own timestamp is wall-clock time; the link's age is the help desk's.
    if tx.now().timestamp() - issued > SIGNIN_MAX_AGE_SECONDS:
        raise PermissionDenied("this sign-in link is invalid or has expired")
    contact = tx.session.get(Contact, contact_id)
    if contact is None or contact.merged_into_id is not None:
        raise NotFound("contact not found")
    used = contact.portal_signed_in_at
    if used is not None and issued <= used.timestamp():
        raise PermissionDenied("this sign-in link was already used")
    contact.portal_signed_in_at = datetime.fromtimestamp(issued, UTC)
    return contact


def request_signin_link(tx: Tx, secret_key: str, base_url: str, email: str) -> bool:
    """Mail a sign-in link to a known customer address, through the first email inbox
    that can send. Returns whether a mail was queued; the page says the same thing either
    way, so nobody learns which addresses are customers."""
    try:
        contact = find_by_identity(tx, "email", email)
    except Invalid:
        return False
    if contact is None or contact.merged_into_id is not None:
        return False
    sender = tx.session.scalar(
        select(Inbox)
        .where(Inbox.kind == "email", Inbox.is_active.is_(True))
        .order_by(Inbox.id)
        .limit(1)
    )
    if sender is None:
        return False
    token = issue_signin_token(secret_key, contact.id, tx.now())
    link = f"{base_url.rstrip('/')}/portal/signin?token={token}"
    tx.enqueue(
        "send_email_notice",
        {
            "inbox_id": sender.id,
            "purpose": "signin_link",  # its own hourly limit (channels/email/notices.py)
            "to": email.strip().lower(),
            "subject": "Your sign-in link",
            "text": f"Open this link within 30 minutes to see your requests:\n\n{link}\n",
        },
        max_attempts=5,
    )
    return True
