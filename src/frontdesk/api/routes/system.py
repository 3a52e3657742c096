"""Health, metrics, jobs, attachments and the live event stream."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, Any

import anyio
from anyio.abc import TaskGroup
from fastapi import APIRouter, Query, Response, WebSocket, WebSocketDisconnect
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import select, text

from frontdesk.api.deps import FD, Admin, AnyActor, resolve_actor
from frontdesk.api.schemas import JobOut
from frontdesk.channels.email.intake import original_of
from frontdesk.domain.access import can_see
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Invalid, NotFound
from frontdesk.jobs import queue
from frontdesk.models import Attachment, Job, Message, Ticket
from frontdesk.realtime import presence

router = APIRouter()


@router.get("/healthz", tags=["operations"])
def healthz(fd: FD) -> dict[str, Any]:
    with fd.read() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/metrics", tags=["operations"], response_class=Response)
def prometheus_metrics(fd: FD) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/v1/jobs", tags=["operations"], response_model=list[JobOut])
def list_jobs(
    actor: Admin,
    fd: FD,
    status: Annotated[str, Query(pattern="^(queued|running|done|dead)$")] = "dead",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[JobOut]:
    """Jobs by state; dead jobs ran out of attempts and wait for an admin."""
    with fd.read() as session:
        rows = session.scalars(
            select(Job).where(Job.status == status).order_by(Job.id.desc()).limit(limit)
        )
        return [JobOut.model_validate(j) for j in rows]


@router.get("/api/v1/jobs/counts", tags=["operations"])
def job_counts(actor: Admin, fd: FD) -> dict[str, int]:
    with fd.read() as session:
        return queue.counts(session)


@router.post("/api/v1/jobs/{job_id}/retry", tags=["operations"], status_code=202)
def retry_job(job_id: int, actor: Admin, fd: FD) -> dict[str, Any]:
    if not queue.retry_dead(fd, job_id):
        raise Invalid("job_id", f"job {job_id} is not dead")
    return {"id": job_id, "status": "queued"}


@router.get("/api/v1/attachments/{attachment_id}", tags=["tickets"], response_class=Response)
def download_attachment(attachment_id: int, actor: AnyActor, fd: FD) -> Response:
    with fd.read() as session:
        attachment = session.get(Attachment, attachment_id)
        message = session.get(Message, attachment.message_id) if attachment else None
        ticket = session.get(Ticket, message.ticket_id) if message else None
        hidden = message is None or (message.is_internal and not actor.is_agent)
        if attachment is None or ticket is None or hidden or not can_see(actor, ticket):
            raise NotFound(f"attachment {attachment_id} not found")
        data = fd.storage.get(attachment.sha256)
        headers = {
            # Served as a download, never rendered in our origin.
            "Content-Disposition": _disposition(attachment.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        }
        return Response(data, media_type=attachment.content_type, headers=headers)


@router.get("/api/v1/messages/{message_id}/original", tags=["tickets"], response_class=Response)
def download_original(message_id: int, actor: AnyActor, fd: FD) -> Response:
    """The raw email a message arrived as (RFC 5322), for an agent who can see its ticket:
    what a mail client shows as "show original"."""
    with fd.read() as session:
        message = session.get(Message, message_id)
        ticket = session.get(Ticket, message.ticket_id) if message else None
        if ticket is None or not actor.is_agent or not can_see(actor, ticket):
            raise NotFound(f"message {message_id} not found")
    data = original_of(fd, message_id)
    if data is None:
        raise NotFound(f"message {message_id} has no original")
    headers = {
        "Content-Disposition": _disposition(f"message-{message_id}.eml"),
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type="message/rfc822", headers=headers)


def _disposition(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@router.websocket("/api/v1/events")
async def events(websocket: WebSocket) -> None:
    """Live events for agents: each a JSON object with a `type` and the ids it concerns."""
    fd = websocket.app.state.fd
    if "authorization" not in websocket.headers and not _same_origin(websocket):
        # A cookie session must not be usable from another site's page.
        await websocket.close(code=4403)
        return
    try:
        actor = await asyncio.to_thread(resolve_actor, websocket, fd)
    except Exception:
        actor = None
    if actor is None or not actor.is_agent:
        await websocket.close(code=4401)
        return
    await websocket.accept()
    subscription = fd.bus.subscribe()

    async def forward(group: TaskGroup) -> None:
        with contextlib.suppress(WebSocketDisconnect):
            await websocket.send_json({"type": "ready"})
            while True:
                event = await subscription.get()
                if _visible(actor, event):
                    await websocket.send_json(event)
        group.cancel_scope.cancel()

    gate = presence.PresenceGate()

    async def until_disconnected(group: TaskGroup) -> None:
        # Reading is also how a closed connection (or a server shutting down) is noticed
        # while no events flow; without it the handler would wait forever. What clients
        # send is presence on a ticket (viewing, typing), passed on to other agents.
        while (message := await websocket.receive())["type"] != "websocket.disconnect":
            said = presence.parse(message.get("text") or "")
            if said is not None and gate.allow(*said):
                await asyncio.to_thread(presence.announce, fd, actor, *said)
        group.cancel_scope.cancel()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(forward, group)
            group.start_soon(until_disconnected, group)
    finally:
        subscription.close()
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close()


def _same_origin(websocket: WebSocket) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser
    return origin.split("://", 1)[-1].rstrip("/") == websocket.headers.get("host", "")


def _visible(actor: Actor, event: dict[str, Any]) -> bool:
    if "ticket_id" not in event or actor.is_admin:
        return True
    return (
        event.get("team_id") is None
        or event.get("assignee_id") == actor.id
        or event.get("team_id") in actor.team_ids
    )
