"""Customer sign-in links: a signed, short-lived token naming the contact.

A token is good for one sign-in: the time it was used is remembered in the contact's
`portal_signed_in_at` and a token issued before that instant is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeTimedSerializer

from frontdesk.domain.errors import NotFound, PermissionDenied
from frontdesk.domain.tx import Tx
from frontdesk.models import Contact

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
