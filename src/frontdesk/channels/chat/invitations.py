"""Proactive invitations that do not pester: rules per inbox (page, time on page), at most
`invitations_per_day` per visitor, and never a new one while an earlier one is unanswered.

The widget learns the rules that match its page, waits, then asks; the server decides and
records, so the cap holds across tabs, reloads and processes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from frontdesk.channels.chat.config import ChatInboxConfig, InvitationRule
from frontdesk.channels.chat.visitors import Visit, chat_inbox
from frontdesk.models import ChatInvitation
from frontdesk.runtime import Frontdesk


def rules_for_page(config: ChatInboxConfig, url: str | None) -> list[dict[str, Any]]:
    path = (urlsplit(url).path or "/") if url else "/"
    return [
        {"type": "invitation.rule", "rule": rule.name, "after": rule.seconds_on_page}
        for rule in config.invitations
        if path.startswith(rule.path_prefix)
    ]


def rules_for_visit(fd: Frontdesk, visit: Visit) -> list[dict[str, Any]]:
    with fd.read() as session:
        _, config = chat_inbox(session, visit.inbox_id)
    return rules_for_page(config, visit.page_url)


def invite(fd: Frontdesk, visit: Visit, rule_name: str) -> dict[str, Any] | None:
    """Show the invitation of `rule_name` now, unless the cap says no (None)."""
    with fd.transaction() as tx:
        _, config = chat_inbox(tx.session, visit.inbox_id)
        rule = _rule(config, rule_name, visit.page_url)
        if rule is None:
            return None
        unanswered = tx.session.scalar(
            select(ChatInvitation.id)
            .where(ChatInvitation.visitor_key == visit.key, ChatInvitation.answered_at.is_(None))
            .limit(1)
        )
        if unanswered is not None:
            return None
        since = tx.now() - timedelta(days=1)
        today = tx.session.scalar(
            select(func.count())
            .select_from(ChatInvitation)
            .where(ChatInvitation.visitor_key == visit.key, ChatInvitation.shown_at >= since)
        )
        if (today or 0) >= config.invitations_per_day:
            return None
        invitation = ChatInvitation(visitor_key=visit.key, rule=rule.name, shown_at=tx.now())
        tx.session.add(invitation)
        tx.session.flush()
        return {
            "type": "invitation",
            "id": invitation.id,
            "rule": rule.name,
            "message": _localised(rule.message, visit.locale),
        }


def _rule(config: ChatInboxConfig, name: str, url: str | None) -> InvitationRule | None:
    path = (urlsplit(url).path or "/") if url else "/"
    for rule in config.invitations:
        if rule.name == name and path.startswith(rule.path_prefix):
            return rule
    return None


def _localised(texts: dict[str, str], locale: str | None) -> str:
    return texts.get(locale or "en") or texts.get("en") or next(iter(texts.values()))
