"""One transaction per action: state, audit rows and jobs are written together, and the
events they cause are published only after the commit succeeded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from frontdesk.clock import Clock
from frontdesk.db.rows import write_many
from frontdesk.domain.actors import Actor
from frontdesk.domain.attachments import AttachmentStore
from frontdesk.models import AuditEntry, Job, Ticket

AUDIT_TABLE = cast(Table, AuditEntry.__table__)
_INSERT_AUDIT = insert(AUDIT_TABLE)


class HasId(Protocol):
    id: Any


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any]
    # The ticket an event concerns. Read when the event is published, after the commit,
    # so it carries the team and owner the ticket was committed with: the live UI shows
    # an event only to agents who may see that ticket.
    ticket: Ticket | None = None

    def as_json(self) -> dict[str, Any]:
        if self.ticket is None:
            return {"type": self.type, **self.data}
        about = {
            "ticket_id": self.ticket.id,
            "team_id": self.ticket.team_id,
            "assignee_id": self.ticket.assignee_id,
        }
        return {"type": self.type, **about, **self.data}


@dataclass
class Tx:
    session: Session
    clock: Clock
    storage: AttachmentStore
    events: list[Event] = field(default_factory=list)
    jobs_enqueued: int = 0
    _now: datetime | None = None
    _audits: list[tuple[Actor, str, str, int | HasId, dict[str, Any], int | HasId | None]] = field(
        default_factory=list
    )

    def now(self) -> datetime:
        # One instant per transaction, so every row written together agrees on the time.
        if self._now is None:
            self._now = self.clock.now()
        return self._now

    def emit(self, type: str, ticket: Ticket | None = None, **data: Any) -> None:
        self.events.append(Event(type, data, ticket))

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
        entity: int | HasId,
        changes: dict[str, Any] | None = None,
        *,
        ticket: int | HasId | None = None,
    ) -> None:
        """Record a change. `entity` and `ticket` may be rows not flushed yet: their ids are
        read when the transaction writes its audit rows, all in one statement."""
        self._audits.append((actor, action, entity_type, entity, changes or {}, ticket))

    def write_audit(self) -> None:
        if not self._audits:
            return
        self.session.flush()
        rows = [
            {
                "at": self.now(),
                "actor_type": actor.type,
                "actor_id": actor.id,
                "action": action,
                "entity_type": entity_type,
                "entity_id": _id(entity),
                "ticket_id": None if ticket is None else _id(ticket),
                "changes": changes,
            }
            for actor, action, entity_type, entity, changes, ticket in self._audits
        ]
        self._audits.clear()
        # A plain executemany: the ORM has nothing to track for these rows.
        write_many(self.session, _INSERT_AUDIT, rows)


def _id(value: int | HasId) -> int:
    return value if isinstance(value, int) else int(value.id)
