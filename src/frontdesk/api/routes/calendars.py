"""Business calendars and the preview that answers "due when?"."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from frontdesk.api.deps import FD, Admin, AnyAgent
from frontdesk.api.schemas import Input, ShortText
from frontdesk.domain.errors import NotFound
from frontdesk.models import BusinessCalendar
from frontdesk.sla import admin

router = APIRouter(prefix="/calendars", tags=["service levels"])


class CalendarIn(Input):
    name: ShortText
    definition: dict[str, Any]


class CalendarPatch(Input):
    name: ShortText | None = None
    definition: dict[str, Any] | None = None


class CalendarOut(BaseModel):
    id: int
    name: str
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: BusinessCalendar) -> CalendarOut:
        return cls(
            id=row.id,
            name=row.name,
            definition=row.definition,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class PreviewIn(Input):
    """A calendar (its definition, or the id of a stored one), a start and a duration."""

    definition: dict[str, Any] | None = None
    calendar_id: int | None = None
    start: datetime
    minutes: Annotated[int, Field(ge=0, le=366 * 24 * 60)]


class PreviewOut(BaseModel):
    due_at: datetime
    due_local: str
    time_zone: str
    calendar_minutes: int
    business_minutes: int


@router.get("", response_model=list[CalendarOut])
def list_(actor: AnyAgent, fd: FD) -> list[CalendarOut]:
    with fd.reading() as tx:
        rows = tx.session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.id))
        return [CalendarOut.of(r) for r in rows]


@router.post("", status_code=201, response_model=CalendarOut)
def create(body: CalendarIn, actor: Admin, fd: FD) -> CalendarOut:
    with fd.transaction() as tx:
        return CalendarOut.of(admin.save_calendar(tx, actor, body.model_dump()))


@router.post("/preview", response_model=PreviewOut)
def preview(body: PreviewIn, actor: AnyAgent, fd: FD) -> PreviewOut:
    """When does a span of business minutes starting at `start` end? For example a chat
    at Friday 17:55 in Riga with a 2-minute target."""
    with fd.reading() as tx:
        return PreviewOut(
            **admin.preview(tx, body.definition, body.calendar_id, body.start, body.minutes)
        )


@router.get("/{calendar_id}", response_model=CalendarOut)
def get(calendar_id: int, actor: AnyAgent, fd: FD) -> CalendarOut:
    with fd.reading() as tx:
        row = tx.session.get(BusinessCalendar, calendar_id)
        if row is None:
            raise NotFound(f"calendar {calendar_id} not found")
        return CalendarOut.of(row)


@router.patch("/{calendar_id}", response_model=CalendarOut)
def update(calendar_id: int, body: CalendarPatch, actor: Admin, fd: FD) -> CalendarOut:
    with fd.transaction() as tx:
        fields = body.model_dump(exclude_unset=True)
        return CalendarOut.of(admin.save_calendar(tx, actor, fields, calendar_id))


@router.delete("/{calendar_id}", status_code=204)
def delete(calendar_id: int, actor: Admin, fd: FD) -> Response:
    with fd.transaction() as tx:
        admin.delete_calendar(tx, actor, calendar_id)
    return Response(status_code=204)
