"""Finding a request's route without trying every route in turn.

FastAPI's router asks each route whether it matches, in order, at a few microseconds a
route; with the API, the pages, the portal and the widget that is over a hundred tries
(~0.3 ms) before a page such as `/inbox` is reached. The index groups the top-level routes
by the literal start of their paths (`inbox`, `tickets`, `api/v1/tickets`, ...) and hands
each request to a copy of the router that holds only the routes that can match it, in
their order: the same route wins, with the same 404, 405 and trailing-slash redirect.
A request whose start no route has goes to the whole router. Routes are all added by
`create_app`, before the first request builds the index.
"""

from __future__ import annotations

import copy

from fastapi.routing import APIRouter, iter_route_contexts
from starlette._utils import get_route_path
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send


def path_key(path: str) -> str:
    """`/inbox/5` → `inbox`; under the API one level deeper: `/api/v1/tickets/5` →
    `api/v1/tickets`."""
    parts = path.split("/", 5)
    if len(parts) > 3 and parts[1] == "api":
        return "/".join(parts[1:4])
    return parts[1] if len(parts) > 1 else ""


class RouteIndex:
    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self._version: int | None = None
        self._routers: dict[str, APIRouter] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.router.app(scope, receive, send)
            return
        # Built on the first request, when every route is in place. (Walking the routers
        # to see whether one changed would cost a tenth of what the index saves.)
        if self._version is None:
            self._routers = self._build()
            self._version = self.router._get_routes_version()
        scope.setdefault("router", self.router)
        subset = self._routers.get(path_key(get_route_path(scope)))
        await (subset or self.router).app(scope, receive, send)

    def _build(self) -> dict[str, APIRouter]:
        if any(True for _ in self.router._iter_low_priority_routes()):
            return {}  # fallback routes may match anything: keep the plain loop
        groups: dict[str, list[BaseRoute]] = {}
        for route in self.router.routes:
            keys = set()
            for context in iter_route_contexts([route]):
                path = str(context.path)
                key = path_key(path)
                if "{" in key or not path.startswith("/"):
                    return {}  # a parameter in the start: this route may match anything
                keys.add(key)
            for key in keys:
                groups.setdefault(key, []).append(route)
        routers = {}
        for key, routes in groups.items():
            subset = copy.copy(self.router)
            subset.routes = routes
            routers[key] = subset
        return routers
