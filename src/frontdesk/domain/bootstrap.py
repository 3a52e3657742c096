"""What a new installation needs before its first request."""

from __future__ import annotations

from sqlalchemy import select

from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.domain.tx import Tx
from frontdesk.models import Inbox

DEFAULT_API_INBOX = "API"


def default_api_inbox(tx: Tx) -> Inbox:
    """The inbox that `POST /api/v1/tickets` uses when no inbox is named."""
    inbox = tx.session.scalar(
        select(Inbox)
        .where(Inbox.kind == "api", Inbox.is_active.is_(True))
        .order_by(Inbox.id)
        .limit(1)
    )
    return inbox or create_inbox(
        tx, SYSTEM, name=DEFAULT_API_INBOX, kind="api", config={}, team_id=None
    )
