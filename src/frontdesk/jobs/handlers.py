"""Job kind → handler, imported on first use. A handler takes (Frontdesk, ClaimedJob)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontdesk.jobs.queue import ClaimedJob
    from frontdesk.runtime import Frontdesk

Handler = Callable[["Frontdesk", "ClaimedJob"], None]

HANDLERS: dict[str, str] = {
    "deliver_message": "frontdesk.domain.delivery:deliver_message",
    "send_email_notice": "frontdesk.channels.email.notices:send_email_notice",
    "minute_tick": "frontdesk.automation.schedule:minute_tick",
    "automation_webhook": "frontdesk.automation.webhook:call_webhook",
    "sla_recompute": "frontdesk.sla.admin:recompute_job",
    "chat_transcript": "frontdesk.channels.chat.transcript:send_transcript",
    "send_satisfaction_survey": "frontdesk.channels.email.survey:send_satisfaction_survey",
}


class PermanentFailure(Exception):
    """Retrying cannot help (the record is gone, the input is invalid): the job dies now."""


def handler_for(kind: str) -> Handler:
    try:
        path = HANDLERS[kind]
    except KeyError:
        raise PermanentFailure(f"no handler for job kind {kind!r}") from None
    module_name, _, name = path.partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), name)
    return handler
