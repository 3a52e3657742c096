"""What applies when no policy matches: the first-response targets customers expect per
channel (social and messaging 1 hour, email 6 hours, chat 2 minutes, web form 6 hours), in
calendar time, with warnings at 75% and 90%."""

from __future__ import annotations

from datetime import timedelta

DEFAULT_WARN_PERCENTS = (75, 90)

_SOCIAL = ("social", "twitter", "x", "facebook", "instagram", "messenger")
_MESSAGING = ("messaging", "whatsapp", "telegram", "viber", "sms", "line", "signal")
_CHAT = ("chat", "live_chat", "widget")
_WEB_FORM = ("web", "web_form", "form", "portal")

DEFAULT_FIRST_RESPONSE: dict[str, timedelta] = {
    **{kind: timedelta(hours=1) for kind in (*_SOCIAL, *_MESSAGING)},
    "email": timedelta(hours=6),
    **{kind: timedelta(minutes=2) for kind in _CHAT},
    **{kind: timedelta(hours=6) for kind in _WEB_FORM},
}
