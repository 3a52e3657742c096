"""The "test connection" button of an inbox's page, against real servers: the Dovecot of
the IMAP tests, an SMTP server with logins (aiosmtpd), and an HTTP receiver for webhooks.
Every failure is a step marked failed with its reason, on a normal page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient

from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.runtime import Frontdesk
from tests.email.dovecot import Account
from tests.email.test_imap import account, imap_server  # noqa: F401 (fixtures)
from tests.servers import free_port
from tests.web.helpers import make_desk
from tests.web.test_pages import signed_in
from tests.webhook_receiver import webhook_receiver

SMTP_USER, SMTP_PASSWORD = "mailer", "s3cret-Ծ"
STEP = re.compile(
    r'<li class="(ok|failed)" data-step="([^"]+)">.*?<span class="detail">(.*?)</span>'
)


class _Accept:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = (
        isinstance(data, LoginPassword)
        and data.login.decode() == SMTP_USER
        and data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_with_logins() -> Iterator[int]:
    port = free_port()
    controller = Controller(
        _Accept(),
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,  # loopback only, for the test
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def email_inbox(fd: Frontdesk, imap: dict[str, Any] | None, smtp: dict[str, Any] | None) -> int:
    with fd.transaction() as tx:
        config = {"address": "support@example.com", "imap": imap, "smtp": smtp}
        return create_inbox(tx, SYSTEM, name="Mail", kind="email", config=config, team_id=None).id


def press_test(client: TestClient, token: str, inbox_id: int) -> list[tuple[str, str, str]]:
    """Press the button as htmx does; the (outcome, step, detail) lines it shows."""
    response = client.post(
        f"/admin/inboxes/{inbox_id}/test",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.text
    return [
        (outcome, step, html.unescape(detail))
        for outcome, step, detail in STEP.findall(response.text)
    ]


def test_the_saved_imap_and_smtp_settings_pass_step_by_step(
    fd: Frontdesk,
    app: Any,
    account: Account,  # noqa: F811
) -> None:
    make_desk(fd)
    client, token = signed_in(app, "admin@example.com")
    with smtp_with_logins() as port:
        smtp = {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "username": SMTP_USER,
            "password": SMTP_PASSWORD,
        }
        inbox = email_inbox(fd, account.imap_config(), smtp)
        page = client.get(f"/admin/inboxes/{inbox}")
        assert page.status_code == 200 and "Test connection" in page.text
        assert SMTP_PASSWORD not in page.text and account.password not in page.text

        steps = press_test(client, token, inbox)

    assert [(o, s) for o, s, _ in steps] == [
        ("ok", "imap.connect"),
        ("ok", "imap.login"),
        ("ok", "imap.folder"),
        ("ok", "smtp.connect"),
        ("ok", "smtp.ehlo"),
        ("ok", "smtp.auth"),
    ]


def test_a_wrong_password_fails_at_the_login_step(
    fd: Frontdesk,
    app: Any,
    account: Account,  # noqa: F811
) -> None:
    make_desk(fd)
    client, token = signed_in(app, "admin@example.com")
    with smtp_with_logins() as port:
        smtp = {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "username": SMTP_USER,
            "password": "wrong",
        }
        imap = account.imap_config(password="wrong password")
        steps = press_test(client, token, email_inbox(fd, imap, smtp))

    assert [(o, s) for o, s, _ in steps] == [
        ("ok", "imap.connect"),
        ("failed", "imap.login"),
        ("ok", "smtp.connect"),
        ("ok", "smtp.ehlo"),
        ("failed", "smtp.auth"),
    ]
    assert "login failed" in steps[1][2]
    assert "535" in steps[4][2]


def test_a_missing_folder_and_closed_ports_fail_with_their_reason(
    fd: Frontdesk,
    app: Any,
    account: Account,  # noqa: F811
) -> None:
    make_desk(fd)
    client, token = signed_in(app, "admin@example.com")
    closed = free_port()
    no_folder = email_inbox(fd, account.imap_config(folder="Nowhere"), None)
    nothing_listens = email_inbox(
        fd,
        {"host": "127.0.0.1", "port": closed, "security": "none"},
        {"host": "127.0.0.1", "port": closed, "security": "none"},
    )

    folder_steps = press_test(client, token, no_folder)
    closed_steps = press_test(client, token, nothing_listens)

    assert [(o, s) for o, s, _ in folder_steps] == [
        ("ok", "imap.connect"),
        ("ok", "imap.login"),
        ("failed", "imap.folder"),
    ]
    assert [(o, s) for o, s, _ in closed_steps] == [
        ("failed", "imap.connect"),
        ("failed", "smtp.connect"),
    ]
    assert all(str(closed) in detail for _, _, detail in closed_steps)


def test_the_webhook_gets_a_signed_ping_and_its_status_is_shown(fd: Frontdesk, app: Any) -> None:
    from frontdesk.channels.api import SIGNATURE_HEADER, verify

    make_desk(fd)
    client, token = signed_in(app, "admin@example.com")
    with webhook_receiver(statuses=[204, 500]) as receiver:
        with fd.transaction() as tx:
            inbox = create_inbox(
                tx,
                SYSTEM,
                name="Shop",
                kind="api",
                config={"webhook_url": receiver.url},
                team_id=None,
            )
            inbox_id, secret = inbox.id, inbox.config["webhook_secret"]
        good = press_test(client, token, inbox_id)
        bad = press_test(client, token, inbox_id)
        [first, _] = receiver.deliveries

    assert good == [("ok", "webhook.ping", f"{receiver.url} answered 204 No Content")]
    assert bad[0][:2] == ("failed", "webhook.ping") and "500" in bad[0][2]
    assert first.json == {"event": "ping", "inbox_id": inbox_id}
    assert verify(secret, first.headers[SIGNATURE_HEADER], first.body)

    with fd.transaction() as tx:
        from frontdesk.domain.inboxes import update_inbox

        update_inbox(
            tx, SYSTEM, inbox_id, {"config": {"webhook_url": f"http://127.0.0.1:{free_port()}/"}}
        )
    [refused] = press_test(client, token, inbox_id)
    assert refused[:2] == ("failed", "webhook.ping")


@pytest.mark.parametrize("kind", ["webform"])
def test_channels_without_a_server_show_no_button(fd: Frontdesk, app: Any, kind: str) -> None:
    make_desk(fd)
    client, _ = signed_in(app, "admin@example.com")
    with fd.transaction() as tx:
        inbox = create_inbox(tx, SYSTEM, name="Form", kind=kind, config={}, team_id=None).id
    page = client.get(f"/admin/inboxes/{inbox}")
    assert page.status_code == 200 and "Test connection" not in page.text
