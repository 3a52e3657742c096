"""The inbox: the agent's views, filters, keyset pages and bulk changes."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from frontdesk.domain import views
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Invalid
from frontdesk.domain.ticket_list import Sort, TicketFilter, list_ticket_rows
from frontdesk.domain.workspace import BULK_ACTIONS, bulk_change, directory
from frontdesk.models import PRIORITIES, STATUSES
from frontdesk.promises.records import overdue_among
from frontdesk.web.pages import fd_of, hx_redirect, render
from frontdesk.web.routes.common import AgentViewer

router = APIRouter(include_in_schema=False)

View = Literal["mine", "unassigned", "teams", "all", "pending", "solved"]
VIEWS: tuple[View, ...] = ("mine", "unassigned", "teams", "all", "pending", "solved")
PAGE_SIZE = 50


def view_filter(view: View, actor: Actor) -> TicketFilter:
    unsolved = ("unsolved",)
    if view == "mine":
        return TicketFilter(statuses=unsolved, assignee=actor.id)
    if view == "unassigned":
        return TicketFilter(statuses=unsolved, assignee="none")
    if view == "teams":
        # An agent without a team has no team tickets: no team id is ever 0.
        return TicketFilter(statuses=unsolved, team_ids=tuple(actor.team_ids) or (0,))
    if view == "pending":
        return TicketFilter(statuses=("pending",))
    if view == "solved":
        return TicketFilter(statuses=("solved", "closed"))
    return TicketFilter(statuses=unsolved)


def _id_or_none(value: str | None, field: str) -> int | Literal["none"] | None:
    if not value:
        return None
    if value == "none":
        return "none"
    try:
        return int(value)
    except ValueError:
        raise Invalid(field, "must be an id or 'none'") from None


@router.get("/inbox", response_model=None)
def inbox(
    request: Request,
    who: AgentViewer,
    view: View = "all",
    status: Annotated[str | None, Query(max_length=200)] = None,
    priority: Annotated[str | None, Query(max_length=100)] = None,
    assignee: Annotated[str | None, Query(max_length=20)] = None,
    team: Annotated[str | None, Query(max_length=20)] = None,
    inbox: Annotated[int | None, Query()] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    sort: Sort = "-updated_at",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    assert who.actor is not None
    filters = view_filter(view, who.actor)
    if status:
        filters = replace(filters, statuses=tuple(status.split(",")))
    if priority:
        if priority not in PRIORITIES:
            raise Invalid("priority", f"must be one of {', '.join(PRIORITIES)}")
        filters = replace(filters, priorities=(priority,))
    if assignee:
        filters = replace(filters, assignee=_id_or_none(assignee, "assignee"))
    if team:
        filters = replace(filters, team=_id_or_none(team, "team"), team_ids=())
    filters = replace(filters, inbox_id=inbox, tag=tag or None, language=language or None)
    fd = fd_of(request)
    with fd.read() as session:
        rows, next_cursor = list_ticket_rows(
            session, who.actor, filters, sort=sort, limit=PAGE_SIZE, cursor=cursor
        )
        people = directory(session)
        marks = views.read_marks(session, who.actor, [t.id for t in rows])
        unread = {t.id for t in rows if t.id not in marks or t.updated_at > marks[t.id]}
        overdue = overdue_among(session, [t.id for t in rows], fd.clock.now())
        query: dict[str, Any] = {
            k: v for k, v in request.query_params.items() if k not in ("cursor", "view")
        }
        return render(
            request,
            "agent/inbox_rows.html" if cursor and _htmx(request) else "agent/inbox.html",
            viewer=who,
            section="inbox",
            view=view,
            views=VIEWS,
            tickets=rows,
            unread=unread,
            overdue=overdue,
            saved=views.saved_views(session, who.actor),
            next_cursor=next_cursor,
            people=people,
            statuses=STATUSES,
            priorities=PRIORITIES,
            bulk_actions=BULK_ACTIONS,
            query=query,
            current={
                "status": status,
                "priority": priority,
                "assignee": assignee,
                "team": team,
                "inbox": inbox,
                "tag": tag,
                "language": language,
                "sort": sort,
            },
        )


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@router.post("/inbox/bulk", response_model=None)
async def bulk(
    request: Request,
    who: AgentViewer,
    action: Annotated[str, Form(max_length=20)],
    value: Annotated[str, Form(max_length=200)] = "",
    ticket_ids: Annotated[list[int] | None, Form()] = None,
    back: Annotated[str, Form(max_length=2000)] = "/inbox",
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    fd = fd_of(request)
    actor = who.actor

    def change() -> None:
        with fd.transaction() as tx:
            bulk_change(tx, actor, ticket_ids or [], action, value)

    await run_in_threadpool(change)
    if not back.startswith("/inbox"):
        back = "/inbox"
    return hx_redirect(request, back)


@router.post("/inbox/views", response_model=None)
def save_view(
    request: Request,
    who: AgentViewer,
    name: Annotated[str, Form(max_length=100)],
    query: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse | RedirectResponse:
    """Keep the current filters as one of the agent's own views."""
    assert who.actor is not None
    with fd_of(request).transaction() as tx:
        view = views.save_view(tx, who.actor, name, query)
        target = f"/inbox?{view.query}"
    return hx_redirect(request, target)


@router.post("/inbox/views/{view_id}/delete", response_model=None)
def delete_view(
    request: Request, view_id: int, who: AgentViewer
) -> HTMLResponse | RedirectResponse:
    assert who.actor is not None
    with fd_of(request).transaction() as tx:
        views.delete_view(tx, who.actor, view_id)
    return hx_redirect(request, "/inbox")
