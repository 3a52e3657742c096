"""One inbox's configuration page, and its "test connection" button (admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from frontdesk.channels.base import validate_config
from frontdesk.channels.checks import CHECKABLE, Step, check_inbox
from frontdesk.domain import inboxes
from frontdesk.domain.errors import NotFound
from frontdesk.models import Inbox
from frontdesk.web.i18n import LANGUAGES
from frontdesk.web.pages import Viewer, fd_of, redirect, render
from frontdesk.web.routes.admin import _admin
from frontdesk.web.routes.common import AgentViewer

router = APIRouter(prefix="/admin/inboxes", include_in_schema=False)
SECURITY = ("tls", "starttls", "none")
SERVER_FIELDS = ("host", "port", "security", "username", "password")


def _inbox(request: Request, inbox_id: int) -> Inbox:
    with fd_of(request).read() as session:
        inbox = session.get(Inbox, inbox_id)
        if inbox is None:
            raise NotFound(f"inbox {inbox_id} not found")
        return inbox


def _page(
    request: Request, who: Viewer, inbox: Inbox, steps: list[Step] | None = None, **extra: Any
) -> HTMLResponse:
    return render(
        request,
        "admin/inbox.html",
        viewer=who,
        section="admin",
        inbox=inbox,
        config=inbox.config,
        securities=SECURITY,
        checkable=inbox.kind in CHECKABLE,
        steps=steps,
        languages=LANGUAGES,
        **extra,
    )


@router.get("/{inbox_id}", response_model=None)
def inbox_page(
    request: Request, inbox_id: int, who: AgentViewer, saved: bool = False
) -> HTMLResponse:
    _admin(who)
    return _page(request, who, _inbox(request, inbox_id), saved=saved)


@router.post("/{inbox_id}", response_model=None)
async def save_inbox(request: Request, inbox_id: int, who: AgentViewer) -> RedirectResponse:
    """The form's fields by the channel's own names: `imap.host`, `smtp.password`,
    `webhook_url` … A password left empty keeps the saved one."""
    actor = _admin(who).actor
    assert actor is not None
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    fd = fd_of(request)

    def store() -> None:
        with fd.transaction() as tx:
            inbox = tx.session.get(Inbox, inbox_id)
            if inbox is None:
                raise NotFound(f"inbox {inbox_id} not found")
            fields: dict[str, Any] = {"name": form.get("name", inbox.name)}
            config = _config_from_form(inbox.kind, inbox.config, form)
            if config is not None:
                fields["config"] = config
            inboxes.update_inbox(tx, actor, inbox_id, fields)

    await run_in_threadpool(store)
    return redirect(f"/admin/inboxes/{inbox_id}?saved=1")


@router.post("/{inbox_id}/test", response_model=None)
def test_inbox(request: Request, inbox_id: int, who: AgentViewer) -> HTMLResponse:
    """Try the saved settings now; answers the page (or, to htmx, the results alone)."""
    _admin(who)
    inbox = _inbox(request, inbox_id)
    config = validate_config(inbox.kind, inbox.config)
    steps = check_inbox(inbox.kind, inbox.id, config)
    if request.headers.get("hx-request") == "true":
        return render(request, "admin/inbox_check.html", viewer=who, steps=steps)
    return _page(request, who, inbox, steps)


def _config_from_form(
    kind: str, saved: dict[str, Any], form: dict[str, str]
) -> dict[str, Any] | None:
    if kind == "email":
        config: dict[str, Any] = {
            "address": form.get("address", saved.get("address", "")),
            "from_name": form.get("from_name", ""),
        }
        for part in ("imap", "smtp"):
            config[part] = _server(part, saved.get(part), form)
        if "imap.folder" in form and config["imap"] is not None:
            config["imap"]["folder"] = form["imap.folder"] or "INBOX"
        return config
    if kind == "api":
        return {"webhook_url": form.get("webhook_url") or None}
    if kind == "webform":
        return {"reply_by_email": form.get("reply_by_email") == "true"}
    if kind == "chat":
        # Invitations and the rest keep what the API set; the page edits the look, the
        # origins, the pre-chat form and the bot.
        return {
            **saved,
            "allowed_origins": form.get("allowed_origins", "").split(),
            "color": form.get("color", saved.get("color", "#1f6feb")),
            "position": form.get("position", saved.get("position", "right")),
            "greeting": {
                code: text
                for code in LANGUAGES
                if (text := form.get(f"greeting.{code}", "").strip())
            },
            "prechat": {
                "enabled": form.get("prechat.enabled") == "true",
                "ask_name": form.get("prechat.ask_name") == "true",
                "require_email": form.get("prechat.require_email") == "true",
            },
            "bot_answers_first": form.get("bot_answers_first") == "true",
        }
    return None


def _server(part: str, saved: dict[str, Any] | None, form: dict[str, str]) -> dict[str, Any] | None:
    """A server's settings, or None when its host is left empty (the part is off)."""
    host = form.get(f"{part}.host", "").strip()
    if not host:
        return None
    server = dict(saved or {})
    server.pop("host", None)
    for name in SERVER_FIELDS:
        value = form.get(f"{part}.{name}")
        if name == "password" and not value:
            continue  # kept: the page never shows a saved password
        if value is not None:
            server[name] = value
    server["host"] = host
    return server
