"""Triggers fire on ticket.created, ticket.updated and message.received.

Their actions go through the core actions, which call the hooks again: the changes a
trigger makes are queued as new events and evaluated after it, but no trigger fires twice
on the same ticket within one transaction, so no set of triggers can loop.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.automation.rules import Context, apply, matches
from frontdesk.config_cache import ConfigCache
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.tx import Tx
from frontdesk.models import Message, Ticket, Trigger

MAX_EVENTS = 100  # per transaction; far above what any sane set of triggers produces


@dataclass(frozen=True)
class TriggerView:
    id: int
    name: str
    event: str
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]


def _load(session: Session) -> Mapping[str, tuple[TriggerView, ...]]:
    by_event: dict[str, list[TriggerView]] = {}
    rows = session.scalars(
        select(Trigger).where(Trigger.is_active.is_(True)).order_by(Trigger.position, Trigger.id)
    )
    for row in rows:
        view = TriggerView(row.id, row.name, row.event, list(row.conditions), list(row.actions))
        by_event.setdefault(row.event, []).append(view)
    return {event: tuple(views) for event, views in by_event.items()}


TRIGGERS: ConfigCache[Mapping[str, tuple[TriggerView, ...]]] = ConfigCache(_load)


@dataclass
class _Run:
    queue: list[tuple[Ticket, str, Message | None, dict[str, Any]]] = field(default_factory=list)
    fired: set[tuple[int, int]] = field(default_factory=set)
    running: bool = False
    handled: int = 0


_runs: weakref.WeakKeyDictionary[Session, _Run] = weakref.WeakKeyDictionary()


def fire(
    tx: Tx,
    ticket: Ticket,
    event: str,
    *,
    message: Message | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    triggers = TRIGGERS.get(tx.session)
    if not triggers:
        return  # nothing configured: the common case costs one dictionary lookup
    run = _runs.get(tx.session)
    if run is None:
        run = _runs[tx.session] = _Run()
    run.queue.append((ticket, event, message, dict(changes or {})))
    if run.running:
        return  # the outer call handles it after the current trigger
    run.running = True
    try:
        while run.queue and run.handled < MAX_EVENTS:
            item = run.queue.pop(0)
            run.handled += 1
            _evaluate(tx, run, triggers, *item)
    finally:
        run.running = False
        run.queue.clear()


def _evaluate(
    tx: Tx,
    run: _Run,
    triggers: Mapping[str, tuple[TriggerView, ...]],
    ticket: Ticket,
    event: str,
    message: Message | None,
    changes: dict[str, Any],
) -> None:
    from frontdesk.sla.tracking import inbox_kind

    ctx = Context(
        ticket=ticket,
        channel=inbox_kind(tx.session, ticket.inbox_id),
        now=tx.now(),
        message=message,
        changes=changes,
    )
    for trigger in triggers.get(event, ()):
        key = (trigger.id, ticket.id)
        if key in run.fired or not matches(trigger.conditions, ctx):
            continue
        run.fired.add(key)
        tx.audit(
            SYSTEM,
            "trigger.fired",
            "trigger",
            trigger.id,
            {
                "name": [None, trigger.name],
                "event": [None, event],
                "actions": [None, [a["type"] for a in trigger.actions]],
            },
            ticket=ticket.id,
        )
        apply(tx, SYSTEM, ticket, trigger.actions, source=f"trigger {trigger.name}")
