"""OAuth2 (XOAUTH2) for an email inbox, against real servers: Dovecot checking tokens
with its oauth2 passdb, an SMTP server checking them too, both asking a small OAuth2
provider (token endpoint and RFC 7662 introspection) on loopback."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from frontdesk.channels.email.config import EmailInboxConfig, OAuth2Credentials
from frontdesk.channels.email.imap import poll_once
from frontdesk.channels.email.intake import ingest
from frontdesk.channels.email.oauth2 import GrantStore, NeedsReauthorization
from frontdesk.clock import FrozenClock
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.jobs.worker import Worker
from frontdesk.models import Inbox, InboxOAuthGrant
from frontdesk.runtime import Frontdesk
from tests.conftest import World, require_or_skip
from tests.email.dovecot import DOVECOT, Account, Dovecot, dovecot
from tests.email.oauth_provider import CLIENT_ID, CLIENT_SECRET, OAuthProvider, oauth_provider
from tests.email.smtp_server import SmtpServer, smtp_server
from tests.email.test_email_flow import customer_mail
from tests.email.test_imap import deliver, mail
from tests.web.helpers import make_desk
from tests.web.test_pages import signed_in


@pytest.fixture(scope="module")
def provider() -> Iterator[OAuthProvider]:
    with oauth_provider() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_provider(provider: OAuthProvider) -> None:
    provider.expires_in = 3600
    provider.rotate = False
    provider.revoke_access_tokens()
    with provider.lock:
        provider.token_requests.clear()


@pytest.fixture(scope="module")
def oauth_dovecot(provider: OAuthProvider) -> Iterator[Dovecot]:
    if DOVECOT is None:
        require_or_skip("Dovecot (Debian package dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="frontdesk-dovecot-oauth-"))
    root.chmod(0o755)
    try:
        with dovecot(root, introspection_url=provider.introspection_url) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def account(oauth_dovecot: Dovecot) -> Account:
    return oauth_dovecot.new_account()


def oauth_inbox(fd: Frontdesk, account: Account, provider: OAuthProvider, **more: Any) -> int:
    """An inbox reading the account with XOAUTH2 (no password in its config)."""
    imap = account.imap_config(auth="oauth2")
    del imap["password"]
    return email_inbox_with(fd, imap, oauth2=provider.credentials(provider.grant(account.username)))


def email_inbox_with(fd: Frontdesk, imap: dict[str, Any], **config: Any) -> int:
    with fd.transaction() as tx:
        return create_inbox(
            tx,
            SYSTEM,
            name="Support",
            kind="email",
            config={"address": "support@example.com", "imap": imap, **config},
            team_id=None,
        ).id


def credentials_of(fd: Frontdesk, inbox_id: int) -> OAuth2Credentials:
    with fd.read() as session:
        config = EmailInboxConfig.model_validate(session.get_one(Inbox, inbox_id).config)
    assert config.oauth2 is not None
    return config.oauth2


def grant(fd: Frontdesk, inbox_id: int) -> InboxOAuthGrant:
    with fd.read() as session:
        return session.get_one(InboxOAuthGrant, inbox_id)


def test_the_first_login_gets_an_access_token_with_the_refresh_token_and_reads_mail(
    fd: Frontdesk, account: Account, provider: OAuthProvider
) -> None:
    inbox = oauth_inbox(fd, account, provider)
    deliver(account, mail("Where is my order?", "Order 7 is late.", message_id="<o1@x.org>"))

    result = poll_once(fd, inbox)

    assert result.problem == ""
    assert result.stored == 1
    [request] = provider.token_requests
    assert request.form["grant_type"] == "refresh_token"
    assert request.form["refresh_token"].startswith("rt-")
    assert (request.form["client_id"], request.form["client_secret"]) == (CLIENT_ID, CLIENT_SECRET)
    assert request.form["scope"] == "https://mail.example.test/"
    row = grant(fd, inbox)
    assert row.access_token is not None
    assert provider.user_of(row.access_token) == account.username
    assert row.expires_at is not None and row.refused_at is None


def test_the_shared_token_is_used_until_shortly_before_it_expires(
    fd: Frontdesk, account: Account, provider: OAuthProvider
) -> None:
    inbox = oauth_inbox(fd, account, provider)
    poll_once(fd, inbox)
    poll_once(fd, inbox)
    assert provider.issued() == 1, "a token good for an hour is reused"

    provider.expires_in = 120  # inside the refresh margin: refreshed before every use
    poll_once(fd, inbox)  # still the hour-long token
    first = grant(fd, inbox).access_token
    provider.revoke_access_tokens()
    with fd.write_session() as session:  # an hour has passed
        row = session.get_one(InboxOAuthGrant, inbox)
        assert row.expires_at is not None
        row.expires_at = GrantStore.of(fd).clock.now()
    deliver(account, mail("Still waiting", "Any news?", message_id="<o2@x.org>"))

    result = poll_once(fd, inbox)

    assert result.problem == ""
    assert result.stored == 1
    assert provider.issued() == 2
    second = grant(fd, inbox).access_token
    assert second != first
    poll_once(fd, inbox)
    assert provider.issued() == 3, "a token that expires within the margin is replaced"


def test_a_token_the_server_rejects_is_refreshed_once_and_the_login_tried_again(
    fd: Frontdesk, account: Account, provider: OAuthProvider
) -> None:
    inbox = oauth_inbox(fd, account, provider)
    poll_once(fd, inbox)
    revoked = grant(fd, inbox).access_token
    provider.revoke_access_tokens()  # revoked at the provider before its expiry
    deliver(account, mail("Hello", "Are you there?", message_id="<o3@x.org>"))

    result = poll_once(fd, inbox)

    assert result.problem == ""
    assert result.stored == 1
    assert provider.issued() == 2
    assert grant(fd, inbox).access_token not in (None, revoked)


def test_a_refused_grant_marks_the_inbox_for_reauthorisation_until_new_credentials_come(
    world: World, account: Account, provider: OAuthProvider, caplog: pytest.LogCaptureFixture
) -> None:
    fd = world.fd
    inbox = oauth_inbox(fd, account, provider)
    poll_once(fd, inbox)
    provider.refuse(account.username)  # the mailbox owner withdrew consent
    provider.revoke_access_tokens()
    deliver(account, mail("Hello", "Anyone?", message_id="<o4@x.org>"))

    with caplog.at_level(logging.ERROR, logger="frontdesk.channels.email.oauth2"):
        result = poll_once(fd, inbox)

    assert result.stored == 0
    assert "re-authorisation" in result.problem and "invalid_grant" in result.problem
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "authorise the mailbox again" in record.getMessage()
    shown = world.admin.client.get(f"/api/v1/inboxes/{inbox}").json()
    assert shown["authorization"]["needs_reauthorization"] is True
    assert "invalid_grant" in shown["authorization"]["error"]
    assert world.agent.client.get(f"/api/v1/inboxes/{inbox}").json()["authorization"] is None

    poll_once(fd, inbox)
    assert provider.issued() == 2, "a refused grant is not asked again and again"

    new_refresh_token = provider.grant(account.username)  # the admin authorised again
    oauth2 = {**shown["config"]["oauth2"], "refresh_token": new_refresh_token}
    response = world.admin.client.patch(
        f"/api/v1/inboxes/{inbox}", json={"config": {"oauth2": oauth2}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["authorization"]["needs_reauthorization"] is False

    result = poll_once(fd, inbox)
    assert result.problem == ""
    assert result.stored == 1
    assert provider.token_requests[-1].form["refresh_token"] == new_refresh_token


def test_a_rotated_refresh_token_is_stored_and_used_for_the_next_refresh(
    fd: Frontdesk, account: Account, provider: OAuthProvider
) -> None:
    provider.rotate = True
    inbox = oauth_inbox(fd, account, provider)
    poll_once(fd, inbox)
    rotated = grant(fd, inbox).refresh_token
    assert rotated is not None and rotated in provider.refresh_tokens
    provider.revoke_access_tokens()
    deliver(account, mail("Hello again", "Me again.", message_id="<o5@x.org>"))

    result = poll_once(fd, inbox)

    assert result.problem == ""
    assert result.stored == 1
    assert provider.token_requests[-1].form["refresh_token"] == rotated
    assert grant(fd, inbox).refresh_token not in (None, rotated), "rotated once more"


def test_processes_asking_at_once_share_one_refresh(
    fd: Frontdesk, account: Account, provider: OAuthProvider
) -> None:
    inbox = oauth_inbox(fd, account, provider)
    credentials = credentials_of(fd, inbox)
    # Two stores on the database, as two processes would have.
    stores = [GrantStore.of(fd), GrantStore.for_settings(fd.settings)]
    tokens: list[str] = []
    start = threading.Barrier(8)

    def ask(store: GrantStore) -> None:
        start.wait()
        tokens.append(store.access_token(inbox, credentials))

    threads = [threading.Thread(target=ask, args=(stores[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(tokens) == 8
    assert len(set(tokens)) == 1
    assert provider.issued() == 1


def test_a_grant_refused_for_a_wrong_client_secret_needs_an_admin_too(
    fd: Frontdesk, account: Account, provider: OAuthProvider
) -> None:
    imap = account.imap_config(auth="oauth2")
    credentials = provider.credentials(provider.grant(account.username))
    inbox = email_inbox_with(fd, imap, oauth2={**credentials, "client_secret": "wrong" * 5})

    result = poll_once(fd, inbox)

    assert "re-authorisation" in result.problem and "invalid_client" in result.problem
    assert grant(fd, inbox).refused_at is not None
    with pytest.raises(NeedsReauthorization):
        GrantStore.of(fd).access_token(inbox, credentials_of(fd, inbox))


def test_a_provider_that_cannot_be_reached_is_a_temporary_problem(
    fd: Frontdesk, account: Account, provider: OAuthProvider
) -> None:
    imap = account.imap_config(auth="oauth2")
    credentials = provider.credentials(provider.grant(account.username))
    unreachable = "http://127.0.0.1:9/token"
    inbox = email_inbox_with(fd, imap, oauth2={**credentials, "token_url": unreachable})

    result = poll_once(fd, inbox)

    assert "no OAuth2 access token" in result.problem
    row = grant(fd, inbox)
    assert row.refused_at is None and row.refreshing_until is None


# --------------------------------------------------------------------------- sending


@pytest.fixture
def oauth_smtp(provider: OAuthProvider) -> Iterator[SmtpServer]:
    def good(user: str, token: str) -> bool:
        return provider.user_of(token) == user

    with smtp_server(xoauth2=good) as server:
        yield server


def sending_inbox(world: World, smtp: SmtpServer, provider: OAuthProvider) -> int:
    response = world.admin.client.post(
        "/api/v1/inboxes",
        json={
            "name": "Support mail",
            "kind": "email",
            "config": {
                "address": "support@example.com",
                "smtp": {**smtp.config(), "auth": "oauth2"},
                "oauth2": provider.credentials(provider.grant("support@example.com")),
            },
        },
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def reply_to_a_new_ticket(world: World, inbox: int, worker: Worker, text: str) -> dict[str, Any]:
    result = ingest(world.fd, inbox, customer_mail(message_id=f"{text[:5]}@mail.example.org"))
    assert result.ticket_id is not None
    response = world.agent.client.post(
        f"/api/v1/tickets/{result.ticket_id}/reply", json={"text": text}
    )
    assert response.status_code == 201, response.text
    worker.run_until_idle()
    messages: list[dict[str, Any]] = world.agent.client.get(
        f"/api/v1/tickets/{result.ticket_id}/messages"
    ).json()
    return messages[-1]


def test_replies_are_sent_with_xoauth2_and_a_rejected_token_is_refreshed(
    world: World, worker: Worker, oauth_smtp: SmtpServer, provider: OAuthProvider
) -> None:
    inbox = sending_inbox(world, oauth_smtp, provider)

    first = reply_to_a_new_ticket(world, inbox, worker, "Thanks, a new zip is on its way.")

    assert first["delivery_status"] == "sent", first
    assert [m["Subject"] for m in oauth_smtp.messages] == ["Re: Broken zip [#1]"]
    assert [(u, ok) for u, _, ok in oauth_smtp.logins] == [("support@example.com", True)]
    assert provider.issued() == 1

    provider.revoke_access_tokens()
    second = reply_to_a_new_ticket(world, inbox, worker, "Second reply, same grant.")

    assert second["delivery_status"] == "sent", second
    assert len(oauth_smtp.messages) == 2
    assert [ok for _, _, ok in oauth_smtp.logins] == [True, False, True]
    assert provider.issued() == 2


def test_a_reply_through_a_refused_grant_waits_and_goes_out_once_an_admin_authorises_again(
    world: World,
    worker: Worker,
    clock: FrozenClock,
    oauth_smtp: SmtpServer,
    provider: OAuthProvider,
) -> None:
    inbox = sending_inbox(world, oauth_smtp, provider)
    provider.refuse("support@example.com")

    message = reply_to_a_new_ticket(world, inbox, worker, "This waits for the admin.")

    assert message["delivery_status"] == "pending"
    assert "re-authorisation" in message["delivery_error"]
    assert oauth_smtp.messages == []
    shown = world.admin.client.get(f"/api/v1/inboxes/{inbox}").json()
    assert shown["authorization"]["needs_reauthorization"] is True

    oauth2 = {**shown["config"]["oauth2"], "refresh_token": provider.grant("support@example.com")}
    response = world.admin.client.patch(
        f"/api/v1/inboxes/{inbox}", json={"config": {"oauth2": oauth2}}
    )
    assert response.status_code == 200, response.text
    clock.advance(timedelta(minutes=5))
    assert worker.run_until_idle() == 1

    assert [m["Subject"] for m in oauth_smtp.messages] == ["Re: Broken zip [#1]"]
    sent = world.agent.client.get(f"/api/v1/tickets/{message['ticket_id']}/messages").json()
    assert sent[-1]["delivery_status"] == "sent"


# ------------------------------------------------------------------- configuration


def test_secrets_are_shown_by_their_last_characters_and_kept_when_sent_back(
    world: World, oauth_smtp: SmtpServer, provider: OAuthProvider
) -> None:
    inbox = sending_inbox(world, oauth_smtp, provider)
    shown = world.admin.client.get(f"/api/v1/inboxes/{inbox}").json()
    oauth2 = shown["config"]["oauth2"]
    assert oauth2["client_secret"] == "…" + CLIENT_SECRET[-4:]
    assert oauth2["refresh_token"].startswith("…") and len(oauth2["refresh_token"]) == 5
    assert oauth2["client_id"] == CLIENT_ID
    listed = world.admin.client.get("/api/v1/inboxes").json()
    assert CLIENT_SECRET not in str(listed)

    response = world.admin.client.patch(
        f"/api/v1/inboxes/{inbox}",
        json={"config": {"oauth2": {**oauth2, "scopes": ["mail", "offline_access"]}}},
    )

    assert response.status_code == 200, response.text
    with world.fd.read() as session:
        stored = session.get_one(Inbox, inbox).config["oauth2"]
    assert stored["client_secret"] == CLIENT_SECRET
    assert stored["refresh_token"].startswith("rt-")
    assert stored["scopes"] == ["mail", "offline_access"]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"smtp": {"host": "smtp.example.com", "port": 587, "auth": "oauth2"}}, "config"),
        (
            {
                "oauth2": {
                    "token_url": "http://oauth.example.com/token",
                    "client_id": "x",
                    "refresh_token": "y",
                }
            },
            "config.oauth2.token_url",
        ),
        (
            {
                "oauth2": {
                    "token_url": "https://oauth.example.com/token",
                    "client_id": "x",
                    "refresh_token": "y",
                    "scopes": ["two words"],
                }
            },
            "config.oauth2.scopes",
        ),
    ],
)
def test_incomplete_or_unsafe_oauth2_settings_are_refused_clearly(
    world: World, config: dict[str, Any], field: str
) -> None:
    response = world.admin.client.post(
        "/api/v1/inboxes",
        json={
            "name": "Support",
            "kind": "email",
            "config": {"address": "support@example.com", **config},
        },
    )
    assert response.status_code == 422, response.text
    assert field in response.text


def test_the_admin_page_shows_an_inbox_that_needs_reauthorisation(
    fd: Frontdesk, app: Any, account: Account, provider: OAuthProvider
) -> None:
    make_desk(fd)
    inbox = oauth_inbox(fd, account, provider)
    admin, _ = signed_in(app, "admin@example.com")
    assert "Needs re-authorisation" not in admin.get("/admin").text

    provider.refuse(account.username)
    with pytest.raises(NeedsReauthorization):
        GrantStore.of(fd).access_token(inbox, credentials_of(fd, inbox))

    page = admin.get("/admin").text
    assert "Needs re-authorisation (OAuth2)" in page
    assert "invalid_grant: Token has been expired or revoked." in page
    assert CLIENT_SECRET not in page
