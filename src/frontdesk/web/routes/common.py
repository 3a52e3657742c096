"""What every agent page needs: an agent, or a redirect to sign-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from frontdesk.web.pages import SignInRequired, Viewer, viewer


async def _agent(who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    if not who.is_agent:
        raise SignInRequired(portal=who.actor is not None)
    return who


async def _customer(who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    if who.actor is None or who.actor.type != "contact":
        raise SignInRequired(portal=True)
    return who


AgentViewer = Annotated[Viewer, Depends(_agent)]
CustomerViewer = Annotated[Viewer, Depends(_customer)]
