"""Who is acting: an agent, a customer (contact) or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from frontdesk.domain.errors import PermissionDenied
from frontdesk.models import Agent

ActorType = Literal["agent", "contact", "system"]


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: int | None = None
    role: str | None = None
    team_ids: frozenset[int] = frozenset()

    @classmethod
    def for_agent(cls, agent: Agent) -> Actor:
        return cls("agent", agent.id, agent.role, frozenset(agent.team_ids))

    @classmethod
    def for_contact(cls, contact_id: int) -> Actor:
        return cls("contact", contact_id)

    @property
    def is_agent(self) -> bool:
        return self.type == "agent"

    @property
    def is_admin(self) -> bool:
        """Admins, and the system itself, may do anything."""
        return self.type == "system" or (self.type == "agent" and self.role == "admin")

    def require_agent(self, *roles: str) -> None:
        """Allow agents (of the given roles, or any role) and the system."""
        if self.type == "system":
            return
        if self.type != "agent" or (roles and self.role not in roles):
            raise PermissionDenied("your role does not allow this")


SYSTEM = Actor("system")
