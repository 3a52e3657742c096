"""The visitor's ways in: the widget script, the WebSocket, and for networks that block
WebSockets an event stream (server → visitor) with POSTed frames (visitor → server);
file uploads and downloads. Authenticated by the visitor token, not by a session, and
usable from the pages of the inbox's allowed origins."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Annotated, Any

import anyio
from anyio.abc import TaskGroup
from fastapi import APIRouter, File, Form, HTTPException, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket, WebSocketDisconnect

from frontdesk import metrics
from frontdesk.api.problems import problem
from frontdesk.channels.chat.config import ChatInboxConfig
from frontdesk.channels.chat.connection import Closed, VisitorConnection
from frontdesk.channels.chat.frames import error_frame
from frontdesk.channels.chat.hub import ChatHub
from frontdesk.channels.chat.iplimits import IpLimits, make_ip_limits
from frontdesk.channels.chat.tokens import UploadClaim, read_visitor_token, upload_token
from frontdesk.channels.chat.visitors import chat_inbox
from frontdesk.domain.errors import NotFound
from frontdesk.models import Attachment, Message, Ticket
from frontdesk.runtime import Frontdesk

router = APIRouter(prefix="/chat", tags=["chat widget"])
KEEPALIVE_SECONDS = 15.0
_WIDGET = files("frontdesk.channels.chat").joinpath("static/widget.js")


def hub_for(app: Any) -> ChatHub:
    hub: ChatHub | None = getattr(app.state, "chat_hub", None)
    if hub is None:
        hub = app.state.chat_hub = ChatHub(app.state.fd)
    hub.start()
    return hub


def ip_limits_for(app: Any) -> IpLimits:
    limits: IpLimits | None = getattr(app.state, "chat_ip_limits", None)
    if limits is None:
        settings = app.state.fd.settings
        limits = app.state.chat_ip_limits = make_ip_limits(
            settings.redis_url,
            settings.resolved_database_url,
            settings.chat_connections_per_ip,
            settings.chat_messages_per_ip_minute,
        )
    return limits


def client_address(connection: HTTPConnection) -> str:
    """The visitor's address as the rest of the app sees it: uvicorn puts the address a
    trusted proxy names (X-Forwarded-For, from FORWARDED_ALLOW_IPS) in its place."""
    return connection.client.host if connection.client else "-"


def _config(fd: Frontdesk, inbox_id: int) -> ChatInboxConfig:
    with fd.read() as session:
        return chat_inbox(session, inbox_id)[1]


def _cors(origin: str | None) -> dict[str, str]:
    # Only ever the caller's own (allowed) origin, never "*", and no credentials: the
    # visitor token travels in the request itself.
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}


async def _allowed(request: Request, inbox_id: int) -> ChatInboxConfig:
    fd: Frontdesk = request.app.state.fd
    config = await asyncio.to_thread(_config, fd, inbox_id)
    if not config.allows(request.headers.get("origin"), request.headers.get("host", "")):
        raise HTTPException(403, "this page's origin may not use this chat")
    return config


@router.get("/widget.js", response_class=Response, include_in_schema=False)
async def widget() -> Response:
    return Response(
        _WIDGET.read_text(encoding="utf-8"),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


@router.websocket("/{inbox_id}/socket")
async def socket(websocket: WebSocket, inbox_id: int) -> None:
    fd: Frontdesk = websocket.app.state.fd
    try:
        config = await asyncio.to_thread(_config, fd, inbox_id)
    except NotFound:
        await websocket.close(code=4404)
        return
    if not config.allows(websocket.headers.get("origin"), websocket.headers.get("host", "")):
        await websocket.close(code=4403)
        return
    address = client_address(websocket)
    limits = ip_limits_for(websocket.app)
    await websocket.accept()
    if not await limits.connect(address):
        detail = "too many chat connections from your network address; try again later"
        await websocket.send_text(json.dumps(error_frame("too_many_connections", detail)))
        await websocket.close(code=1013, reason="too many connections")
        return
    connection = VisitorConnection(
        fd, hub_for(websocket.app), inbox_id, address=address, ip_limits=limits
    )
    metrics.CHAT_SOCKETS.inc()

    async def read(group: TaskGroup) -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while not connection.closed:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("text")
                try:
                    await connection.receive(raw if raw is not None else message.get("bytes", b""))
                except Closed:
                    await _drain(connection, websocket)
                    await websocket.close(code=1008, reason="too many frames")
                    break
        group.cancel_scope.cancel()

    async def write(group: TaskGroup) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                frame = await connection.outbox.get()
                if frame["type"] == "_closed" or connection.closed:
                    break
                await websocket.send_text(json.dumps(frame, ensure_ascii=False))
        group.cancel_scope.cancel()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(read, group)
            group.start_soon(write, group)
    finally:
        metrics.CHAT_SOCKETS.dec()
        await limits.disconnect(address)
        connection.close()
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close()


async def _drain(connection: VisitorConnection, websocket: WebSocket) -> None:
    while not connection.outbox.empty():
        frame = connection.outbox.get_nowait()
        await websocket.send_text(json.dumps(frame, ensure_ascii=False))


@router.get("/{inbox_id}/stream", response_class=StreamingResponse)
async def stream(
    request: Request,
    inbox_id: int,
    token: Annotated[str, Query(max_length=400)],
    last_seen: Annotated[int, Query(ge=0)] = 0,
    locale: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """The fallback transport's downstream: Server-Sent Events, one frame per event.
    Needs a token (POST a hello frame to /send first)."""
    fd: Frontdesk = request.app.state.fd
    claim = read_visitor_token(fd.secret_key, token)
    if claim is None or claim.inbox_id != inbox_id:
        raise HTTPException(401, "unknown visitor token")
    await _allowed(request, inbox_id)
    address = client_address(request)
    limits = ip_limits_for(request.app)
    if not await limits.connect(address):
        return problem(
            429,
            "Too many connections",
            "too many chat connections from your network address; try again later",
            _cors(request.headers.get("origin")),
        )
    connection = VisitorConnection(
        fd, hub_for(request.app), inbox_id, address=address, ip_limits=limits
    )
    hello = {"type": "hello", "token": token, "last_seen": last_seen, "locale": locale}
    try:
        await connection.receive(json.dumps(hello))
    except BaseException:
        await limits.disconnect(address)
        raise

    async def events() -> AsyncIterator[str]:
        try:
            while True:
                try:
                    frame = await asyncio.wait_for(connection.outbox.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if frame["type"] == "_closed":
                    return
                yield f"data: {json.dumps(frame, ensure_ascii=False)}\n\n"
        finally:
            connection.close()
            await limits.disconnect(address)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    headers.update(_cors(request.headers.get("origin")))
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.post("/{inbox_id}/send", response_class=Response)
async def send(request: Request, inbox_id: int) -> Response:
    """The fallback transport's upstream: one client frame per POST, in a `text/plain`
    body (so browsers send it cross-origin without a preflight), as
    `{"token": …, "frame": {…}, "page": {"url": …, "referrer": …}}`. Answers the frames
    it causes, as a JSON list."""
    fd: Frontdesk = request.app.state.fd
    origin = request.headers.get("origin")
    await _allowed(request, inbox_id)
    body = await request.body()
    connection = VisitorConnection(
        fd,
        None,
        inbox_id,
        address=client_address(request),
        ip_limits=ip_limits_for(request.app),
    )
    try:
        envelope = json.loads(body)
        token, frame = envelope.get("token"), envelope["frame"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return problem(400, "Malformed frame", 'send {"token": …, "frame": {…}}', _cors(origin))
    if not isinstance(frame, dict) or frame.get("type") != "hello":
        # Every POST speaks for the visitor its token names, as if after a hello.
        claim = read_visitor_token(fd.secret_key, token) if isinstance(token, str) else None
        if claim is None or claim.inbox_id != inbox_id:
            return problem(401, "Unauthorized", "unknown visitor token", _cors(origin))
        page = envelope.get("page") if isinstance(envelope.get("page"), dict) else None
        await connection.receive(json.dumps({"type": "hello", "token": token, "page": page}))
        while not connection.outbox.empty():
            connection.outbox.get_nowait()  # the welcome went out on the stream already
    await connection.receive(json.dumps(frame))
    frames = []
    while not connection.outbox.empty():
        frames.append(connection.outbox.get_nowait())
    return Response(
        json.dumps(frames, ensure_ascii=False),
        media_type="application/json",
        headers=_cors(origin),
    )


@router.post("/{inbox_id}/upload")
async def upload(
    request: Request,
    inbox_id: int,
    token: Annotated[str, Form(max_length=400)],
    file: Annotated[UploadFile, File()],
) -> Response:
    """Keep a file for the visitor's next message; answers an upload token to name it."""
    fd: Frontdesk = request.app.state.fd
    origin = request.headers.get("origin")
    claim = read_visitor_token(fd.secret_key, token)
    if claim is None or claim.inbox_id != inbox_id:
        return problem(401, "Unauthorized", "unknown visitor token", _cors(origin))
    config = await _allowed(request, inbox_id)
    data = await file.read(config.max_upload_bytes + 1)
    if len(data) > config.max_upload_bytes:
        return problem(
            413,
            "Request too large",
            f"files are at most {config.max_upload_bytes} bytes",
            _cors(origin),
        )
    sha = await asyncio.to_thread(fd.storage.put, data)
    name = (file.filename or "attachment")[:255]
    kind = (file.content_type or "application/octet-stream")[:255]
    signed = upload_token(fd.secret_key, UploadClaim(claim.key, sha, name, kind, len(data)))
    body = {"upload": signed, "filename": name, "content_type": kind, "size": len(data)}
    return Response(
        json.dumps(body, ensure_ascii=False),
        media_type="application/json",
        status_code=201,
        headers=_cors(origin),
    )


@router.get("/{inbox_id}/files/{attachment_id}", response_class=Response)
async def download(
    request: Request,
    inbox_id: int,
    attachment_id: int,
    token: Annotated[str, Query(max_length=400)],
) -> Response:
    """A file of the visitor's own conversation; anything else is "not found"."""
    fd: Frontdesk = request.app.state.fd
    claim = read_visitor_token(fd.secret_key, token)
    if claim is None or claim.inbox_id != inbox_id:
        raise HTTPException(401, "unknown visitor token")
    found = await asyncio.to_thread(_visitor_file, fd, inbox_id, claim.key, attachment_id)
    if found is None:
        raise HTTPException(404, f"file {attachment_id} not found")
    attachment, data = found
    headers = {
        "Content-Disposition": "attachment",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        **_cors(request.headers.get("origin")),
    }
    return Response(data, media_type=attachment.content_type, headers=headers)


def _visitor_file(
    fd: Frontdesk, inbox_id: int, key: str, attachment_id: int
) -> tuple[Attachment, bytes] | None:
    from frontdesk.channels.chat.frames import thread_key

    with fd.read() as session:
        attachment = session.get(Attachment, attachment_id)
        message = session.get(Message, attachment.message_id) if attachment else None
        ticket = session.get(Ticket, message.ticket_id) if message else None
        if (
            attachment is None
            or message is None
            or ticket is None
            or message.is_internal
            or ticket.inbox_id != inbox_id
            or ticket.thread_key != thread_key(key)
        ):
            return None
        return attachment, fd.storage.get(attachment.sha256)
