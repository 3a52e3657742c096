"""Who else is on a ticket: agents' browsers say "viewing", "typing" or "left" over the
events socket, and the bus passes it on to the other agents who may see that ticket.

Presence is never stored: it is only true for a few seconds, and a browser repeats it
while it lasts.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from frontdesk.domain.access import can_see
from frontdesk.domain.actors import Actor
from frontdesk.domain.tx import Event
from frontdesk.models import Agent, Ticket
from frontdesk.runtime import Frontdesk

STATES = ("viewing", "typing", "left")
MIN_INTERVAL_SECONDS = 1.0  # the same news from one socket is passed on at most this often


@dataclass
class PresenceGate:
    """Per connection: drops repeats that arrive faster than anyone needs them."""

    last: dict[tuple[int, str], float] = field(default_factory=dict)

    def allow(self, ticket_id: int, state: str) -> bool:
        now = time.monotonic()
        key = (ticket_id, state)
        if state != "left" and now - self.last.get(key, 0.0) < MIN_INTERVAL_SECONDS:
            return False
        self.last[key] = now
        return True


def parse(raw: str) -> tuple[int, str] | None:
    """(ticket id, state) from a client's message, or None for anything else."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("type") != "presence":
        return None
    ticket_id, state = data.get("ticket_id"), data.get("state")
    if not isinstance(ticket_id, int) or isinstance(ticket_id, bool) or state not in STATES:
        return None
    return ticket_id, str(state)


def announce(fd: Frontdesk, actor: Actor, ticket_id: int, state: str) -> bool:
    """Publish the agent's presence on a ticket they may see; returns whether it went out."""
    if not actor.is_agent or actor.id is None:
        return False
    with fd.read() as session:
        ticket = session.get(Ticket, ticket_id)
        agent = session.get(Agent, actor.id)
        if ticket is None or agent is None or not can_see(actor, ticket):
            return False
        name = agent.name
    fd.bus.publish(
        Event("agent.presence", {"agent_id": actor.id, "agent_name": name, "state": state}, ticket)
    )
    return True
