"""The job behind the `webhook` action: POST the ticket's essentials as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from frontdesk.jobs.handlers import PermanentFailure
from frontdesk.models import Ticket

if TYPE_CHECKING:
    from frontdesk.jobs.queue import ClaimedJob
    from frontdesk.runtime import Frontdesk

TIMEOUT_SECONDS = 10.0


def call_webhook(fd: Frontdesk, job: ClaimedJob) -> None:
    with fd.read() as session:
        ticket = session.get(Ticket, job.payload["ticket_id"])
        if ticket is None:
            raise PermanentFailure("the ticket is gone")
        body = {
            "source": job.payload["source"],
            "ticket": {
                "id": ticket.id,
                "subject": ticket.subject,
                "status": ticket.status,
                "priority": ticket.priority,
                "assignee_id": ticket.assignee_id,
                "team_id": ticket.team_id,
                "tags": ticket.tags,
            },
        }
    response = httpx.post(
        job.payload["url"],
        json=body,
        timeout=TIMEOUT_SECONDS,
        headers={"X-Frontdesk-Delivery": str(job.id)},
    )
    if 400 <= response.status_code < 500 and response.status_code != 429:
        raise PermanentFailure(f"the receiver refused: {response.status_code}")
    response.raise_for_status()
