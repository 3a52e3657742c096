"""One transaction per action: state, audit rows and jobs are written together, and the
events they cause are published only after the commit succeeded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from frontdesk.clock import Clock
from frontdesk.domain.actors import Actor
from frontdesk.domain.attachments import AttachmentStore
from frontdesk.models import AuditEntry, Job


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"type": self.type, **self.data}


@dataclass
class Tx:
    session: Session
    clock: Clock
    storage: AttachmentStore
    events: list[Event] = field(default_factory=list)
    jobs_enqueued: int = 0
    _now: datetime | None = None

    def now(self) -> datetime:
        # One instant per transaction, so every row written together agrees on the time.
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    def emit(self, type: str, **data: Any) -> None:
        self.events.append(Event(type, data))

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        run_at: datetime | None = None,
        max_attempts: int = 10,
    ) -> Job:
        now = self.now()
        job = Job(
            kind=kind,
            payload=payload,
            status="queued",
            attempts=0,
            max_attempts=max_attempts,
            run_at=run_at or now,
            created_at=now,
        )
        self.session.add(job)
        self.jobs_enqueued += 1
        return job

    def audit(
        self,
        actor: Actor,
        action: str,
        entity_type: str,
        entity_id: int,
        changes: dict[str, Any] | None = None,
        *,
        ticket_id: int | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=self.now(),
                actor_type=actor.type,
                actor_id=actor.id,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                ticket_id=ticket_id,
                changes=changes or {},
            )
        )
