"""The ASGI application: REST API, event stream, health and metrics; in embedded mode the
job workers run in the same process."""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk import __version__, metrics, web
from frontdesk.api import problems
from frontdesk.api.routes import (
    auth,
    automation,
    calendars,
    contacts,
    directory,
    inbound,
    portal,
    promises,
    routing,
    sla,
    system,
    tickets,
)
from frontdesk.api.routes.email_inbound import router as email_inbound_router
from frontdesk.automation.schedule import ensure_minute_tick
from frontdesk.channels.chat import api as chat_api
from frontdesk.channels.chat import routes as chat_routes
from frontdesk.channels.services import start_services, stop_services
from frontdesk.config import Settings
from frontdesk.db.engine import migrate
from frontdesk.jobs.worker import WorkerPool
from frontdesk.kb import api as kb_api
from frontdesk.kb import portal as kb_portal
from frontdesk.language import configure as configure_languages
from frontdesk.route_index import RouteIndex
from frontdesk.runtime import Frontdesk

# The collector's thresholds (CPython's default: 700, 10, 10). With a thousand chat
# sockets the process holds some 300 000 long-lived objects, and each full collection
# walks all of them: 100-200 ms pauses, about once a second at 1 000 messages/s. Young
# collections run less often (a message's short objects are mostly gone by then, so
# fewer are promoted) and full ones only after a thousand middle ones; CPython still
# waits for a quarter of the long-lived objects to be new before one, which bounds what
# cyclic garbage can wait. Measured with bench/chat.py at 1 000 messages/s, runs side
# by side: p99 71 ms against 271 ms.
GC_THRESHOLDS = (10_000, 10, 1000)


log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, fd: Frontdesk | None = None) -> FastAPI:
    if fd is None:
        fd = Frontdesk(settings or Settings())
    settings = fd.settings
    configure_languages(settings.languages.split(","))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auto_migrate:
            migrate(settings.resolved_database_url)
        await fd.bus.start()
        pool = WorkerPool(fd, settings.embedded_workers)
        if settings.embedded_workers:
            ensure_minute_tick(fd)  # SLA warnings, promises, follow-ups, time rules
        pool.start()
        services = start_services(fd) if settings.embedded_workers else []
        # What start-up built (modules, models, templates) lives as long as the process:
        # frozen out of the collector's way, its full collections stay short, so their
        # pauses do not land on requests as much.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        # The event loop hands writes to the group-commit thread and takes the answers
        # back: with the default 5 ms, each hand-over of the interpreter lock between
        # them could add that much to a request.
        sys.setswitchinterval(0.001)
        try:
            yield
        finally:
            if getattr(app.state, "chat_hub", None) is not None:
                await app.state.chat_hub.stop()
            if getattr(app.state, "chat_ip_limits", None) is not None:
                await app.state.chat_ip_limits.close()
            stop_services(services)
            pool.stop()
            await fd.bus.stop()

    app = FastAPI(
        title="Frontdesk",
        version=__version__,
        description="Every customer channel in one inbox.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.fd = fd
    problems.install(app)
    api = "/api/v1"
    for router in (
        tickets.router,
        contacts.router,
        directory.router,
        inbound.router,
        email_inbound_router,
        auth.router,
        portal.router,
        calendars.router,
        sla.router,
        routing.router,
        promises.router,
        automation.router,
        kb_api.router,
        chat_api.router,
    ):
        app.include_router(router, prefix=api)
    app.include_router(system.router)
    app.include_router(kb_portal.router)
    app.include_router(chat_routes.router)  # the widget's routes, outside the agent API
    web.install(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=fd.secret_key,
        session_cookie="frontdesk_session",
        max_age=14 * 24 * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestMetrics)
    app.router.middleware_stack = RouteIndex(app.router)
    return app


class BodyLimit:
    """Refuse bodies over the limit with 413 before reading them into memory."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(send, self.max_bytes)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = (
        b'{"type":"about:blank","title":"Request too large","status":413,'
        b'"detail":"the body is larger than ' + str(limit).encode() + b' bytes"}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            metrics.HTTP_REQUESTS.labels(scope["method"], str(status)).observe(
                time.perf_counter() - start
            )
