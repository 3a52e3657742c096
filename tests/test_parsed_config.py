"""Inbox settings parsed once and kept while they stay the same (channels.base)."""

from __future__ import annotations

from frontdesk.channels.base import parsed_config
from frontdesk.channels.email.config import EmailInboxConfig


def test_settings_are_parsed_again_only_when_they_change() -> None:
    stored = {"address": "help@example.org"}
    first = parsed_config(EmailInboxConfig, 9001, stored)
    assert parsed_config(EmailInboxConfig, 9001, dict(stored)) is first

    stored["max_message_bytes"] = 1_000_000  # the row changed (same dict, changed in place)
    changed = parsed_config(EmailInboxConfig, 9001, stored)
    assert changed is not first
    assert changed.max_message_bytes == 1_000_000
    assert first.max_message_bytes != 1_000_000


def test_each_inbox_keeps_its_own() -> None:
    one = parsed_config(EmailInboxConfig, 9002, {"address": "one@example.org"})
    two = parsed_config(EmailInboxConfig, 9003, {"address": "two@example.org"})
    assert (one.address, two.address) == ("one@example.org", "two@example.org")
