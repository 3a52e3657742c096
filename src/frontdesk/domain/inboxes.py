"""Connected channels. Each inbox's config is checked by its channel's own model."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from frontdesk.channels.base import CHANNELS, validate_config
from frontdesk.domain.actors import Actor
from frontdesk.domain.errors import Invalid, NotFound
from frontdesk.domain.text import check_text
from frontdesk.domain.tx import Tx
from frontdesk.models import Inbox, Team


def create_inbox(
    tx: Tx, actor: Actor, *, name: str, kind: str, config: dict[str, Any], team_id: int | None
) -> Inbox:
    actor.require_agent("admin")
    if kind not in CHANNELS:
        raise Invalid("kind", f"must be one of {', '.join(sorted(CHANNELS))}")
    inbox = Inbox(
        name=_name(name),
        kind=kind,
        config=_config(kind, config),
        team_id=_team(tx, team_id),
        is_active=True,
        created_at=tx.now(),
    )
    tx.session.add(inbox)
    tx.session.flush()
    tx.audit(
        actor,
        "inbox.created",
        "inbox",
        inbox.id,
        {"name": [None, inbox.name], "kind": [None, kind]},
    )
    return inbox


def update_inbox(tx: Tx, actor: Actor, inbox_id: int, fields: dict[str, Any]) -> Inbox:
    actor.require_agent("admin")
    inbox = tx.session.get(Inbox, inbox_id)
    if inbox is None:
        raise NotFound(f"inbox {inbox_id} not found")
    changes: dict[str, list[Any]] = {}
    for key, value in fields.items():
        if key == "name":
            value = _name(value)
        elif key == "config":
            value = _config(inbox.kind, {**inbox.config, **_keep_hidden(inbox.config, value)})
        elif key == "team_id":
            value = _team(tx, value)
        if getattr(inbox, key) != value:
            # Secrets in config are not copied into the audit trail.
            changes[key] = ["…", "…"] if key == "config" else [getattr(inbox, key), value]
            setattr(inbox, key, value)
    if changes:
        tx.audit(actor, "inbox.updated", "inbox", inbox.id, changes)
    return inbox


# Config fields shown only by their last characters once saved (OAuth2 client secrets and
# refresh tokens): anyone reading an admin's screen or API output cannot take them.
HIDDEN_FIELDS = frozenset({"client_secret", "refresh_token"})
SHOWN_CHARACTERS = 4


def shown_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config as admins see it: hidden fields masked, at any depth."""
    return {
        key: _masked(value)
        if key in HIDDEN_FIELDS and isinstance(value, str)
        else shown_config(value)
        if isinstance(value, dict)
        else value
        for key, value in config.items()
    }


def _masked(value: str) -> str:
    if len(value) <= 3 * SHOWN_CHARACTERS:
        return "…" if value else ""
    return "…" + value[-SHOWN_CHARACTERS:]


def _keep_hidden(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A config sent back as it was shown keeps its hidden fields: a masked value, or one
    left out, is the stored one; any other value replaces it."""
    kept = dict(new)
    for key, value in new.items():
        before = old.get(key)
        if key in HIDDEN_FIELDS and isinstance(before, str) and value == _masked(before):
            kept[key] = before
        elif isinstance(value, dict) and isinstance(before, dict):
            kept[key] = _keep_hidden(before, value)
            for hidden in HIDDEN_FIELDS - value.keys():
                if isinstance(before.get(hidden), str):
                    kept[key][hidden] = before[hidden]
    return kept


def _name(name: str) -> str:
    name = check_text(name, "name", max_length=100).strip()
    if not name:
        raise Invalid("name", "must not be empty")
    return name


def _config(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    try:
        return validate_config(kind, config).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in ("config", *first["loc"]))
        raise Invalid(field, first["msg"]) from None


def _team(tx: Tx, team_id: int | None) -> int | None:
    if team_id is not None and tx.session.get(Team, team_id) is None:
        raise Invalid("team_id", f"team {team_id} does not exist")
    return team_id
