"""The route index finds the route the plain router would find, for every route."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Match

from frontdesk.route_index import RouteIndex, path_key


def first_match(routes: list[Any], scope: dict[str, Any]) -> Any:
    partial = None
    for route in routes:
        match, _ = route.matches(dict(scope))
        if match == Match.FULL:
            return route
        if match == Match.PARTIAL and partial is None:
            partial = route
    return partial


def test_path_keys_go_one_level_deeper_under_the_api() -> None:
    assert path_key("/inbox") == path_key("/inbox/") == "inbox"
    assert path_key("/tickets/5/reply") == "tickets"
    assert path_key("/api/v1/tickets/5") == "api/v1/tickets"
    assert path_key("/api/v1") == "api"
    assert path_key("/") == ""


def test_every_route_is_found_where_the_plain_router_finds_it(app: Any) -> None:
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    TestClient(app).get("/healthz")  # builds the index
    paths = {re.sub(r"{[^}]+}", "1", str(c.path)) for c in iter_route_contexts(app.routes)}
    assert len(paths) > 100
    for path in sorted(paths):
        for method in ("GET", "POST", "DELETE"):
            scope = {"type": "http", "method": method, "path": path, "root_path": ""}
            subset = index._routers[path_key(path)]
            assert len(subset.routes) < len(app.router.routes), path
            expected = first_match(app.router.routes, scope)
            assert first_match(subset.routes, scope) is expected, (method, path)


def test_unknown_paths_slashes_and_methods_answer_as_before(app: Any) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/api/v1/no-such-thing").status_code == 404
    assert client.delete("/healthz").status_code == 405
    moved = client.get("/healthz/", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (307, "http://testserver/healthz")
    assert client.get("/static/app.css").status_code == 200
