"""What a new installation needs before its first request."""

from __future__ import annotations

from sqlalchemy import select

from frontdesk.db.rows import first_object, table_of
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.domain.tx import Tx
from frontdesk.models import Inbox

DEFAULT_API_INBOX = "API"


def default_api_inbox(tx: Tx) -> Inbox:
    """The inbox that `POST /api/v1/tickets` uses when no inbox is named."""
    inbox = first_object(tx.session, Inbox, _FIRST_API_INBOX, {})
    if inbox is not None:
        return inbox
    return create_inbox(tx, SYSTEM, name=DEFAULT_API_INBOX, kind="api", config={}, team_id=None)


_INBOXES = table_of(Inbox)
# Asked on every ticket created through the API: a statement built once.
_FIRST_API_INBOX = (
    select(_INBOXES)
    .where(_INBOXES.c.kind == "api", _INBOXES.c.is_active.is_(True))
    .order_by(_INBOXES.c.id)
    .limit(1)
)
