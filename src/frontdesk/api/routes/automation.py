"""Triggers, time rules and macros: the same five routes for each, and applying a macro."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from frontdesk.api.deps import FD, Admin, AnyAgent, FullAgent
from frontdesk.api.schemas import Input, ShortText, TicketOut
from frontdesk.automation import admin

router = APIRouter(tags=["automation"])


class RuleIn(Input):
    name: ShortText
    event: str | None = None  # triggers only
    position: int | None = None  # triggers only
    conditions: list[dict[str, Any]] | None = None
    actions: Annotated[list[dict[str, Any]], Field(max_length=20)]
    is_active: bool | None = None


class RulePatch(Input):
    name: ShortText | None = None
    event: str | None = None
    position: int | None = None
    conditions: list[dict[str, Any]] | None = None
    actions: list[dict[str, Any]] | None = None
    is_active: bool | None = None


class RuleOut(BaseModel):
    id: int
    name: str
    event: str | None = None
    position: int | None = None
    conditions: list[dict[str, Any]] | None = None
    actions: list[dict[str, Any]]
    is_active: bool | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Any) -> RuleOut:
        return cls(**{k: getattr(row, k) for k in cls.model_fields if hasattr(row, k)})


class ApplyIn(Input):
    ticket_id: int


def _fields(body: BaseModel) -> dict[str, Any]:
    return {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}


def _routes(kind: str, path: str) -> None:
    @router.get(path, response_model=list[RuleOut], name=f"list_{kind}s")
    def list_(actor: AnyAgent, fd: FD) -> list[RuleOut]:
        with fd.reading() as tx:
            return [RuleOut.of(r) for r in admin.list_rules(tx, kind)]

    @router.post(path, status_code=201, response_model=RuleOut, name=f"create_{kind}")
    def create(body: RuleIn, actor: Admin, fd: FD) -> RuleOut:
        with fd.transaction() as tx:
            return RuleOut.of(admin.save(tx, actor, kind, _fields(body)))

    @router.get(path + "/{rule_id}", response_model=RuleOut, name=f"get_{kind}")
    def get(rule_id: int, actor: AnyAgent, fd: FD) -> RuleOut:
        with fd.reading() as tx:
            return RuleOut.of(admin.get_rule(tx, kind, rule_id))

    @router.patch(path + "/{rule_id}", response_model=RuleOut, name=f"update_{kind}")
    def update(rule_id: int, body: RulePatch, actor: Admin, fd: FD) -> RuleOut:
        with fd.transaction() as tx:
            return RuleOut.of(admin.save(tx, actor, kind, _fields(body), rule_id))

    @router.delete(path + "/{rule_id}", status_code=204, name=f"delete_{kind}")
    def delete(rule_id: int, actor: Admin, fd: FD) -> Response:
        with fd.transaction() as tx:
            admin.delete(tx, actor, kind, rule_id)
        return Response(status_code=204)


_routes("trigger", "/triggers")
_routes("time_rule", "/time-rules")
_routes("macro", "/macros")


@router.post("/macros/{rule_id}/apply", response_model=TicketOut)
def apply_macro(rule_id: int, body: ApplyIn, actor: FullAgent, fd: FD) -> TicketOut:
    """Run the macro's actions on a ticket, as you."""
    with fd.transaction() as tx:
        return TicketOut.of(admin.apply_macro(tx, actor, rule_id, body.ticket_id))
