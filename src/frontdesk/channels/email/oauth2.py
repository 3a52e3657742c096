"""OAuth2 access tokens for an email inbox's XOAUTH2 logins (IMAP and SMTP).

The inbox's config holds what the provider gave when an admin consented: token endpoint,
client id and secret, refresh token, scopes. From those Frontdesk gets access tokens with
the refresh-token grant (RFC 6749 §6) and keeps the current one in `inbox_oauth_grants`,
so that every process and host on the database uses the same token until shortly before
it expires, rather than each asking the provider for its own.

- One refresh at a time: a process claims a short lease on the row (a conditional write)
  before it asks the provider, outside any transaction; the others wait for its result.
- A token the mail server rejected is passed back as `rejected`: it is dropped and a new
  one fetched once (tokens can be revoked before they expire).
- A new refresh token in the answer (rotation) replaces the old one in the row.
- `invalid_grant` (consent withdrawn, password changed, token expired) or a client the
  provider does not know marks the inbox as needing re-authorisation: logged, shown on the
  inbox in the API, and no further requests until an admin enters new credentials.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.channels.email.config import EmailInboxConfig, MailServer, OAuth2Credentials
from frontdesk.clock import Clock, SystemClock
from frontdesk.config import Settings
from frontdesk.db.engine import make_engine, writer
from frontdesk.locks import WriteLock
from frontdesk.models import Inbox, InboxOAuthGrant
from frontdesk.runtime import Frontdesk

log = logging.getLogger(__name__)

# Refresh this long before the provider's expiry: a token must not lapse mid-session.
REFRESH_MARGIN = timedelta(minutes=5)
# When the answer has no expires_in (it is only RECOMMENDED), assume the usual hour.
DEFAULT_LIFETIME = timedelta(hours=1)
HTTP_TIMEOUT_SECONDS = 30.0
# Longer than a refresh can take; a process that died holding the lease loses it then.
LEASE = timedelta(seconds=HTTP_TIMEOUT_SECONDS * 2)
WAIT_SECONDS = 0.2  # how often a process waiting for another's refresh looks again
# RFC 6749 §5.2 errors that no retry can cure: an admin must authorise again.
REFUSALS = {"invalid_grant", "invalid_client", "unauthorized_client"}

# The access token a mail server rejected last time (None at first): returns a token.
TokenSource = Callable[[str | None], str]


class NeedsReauthorization(Exception):
    """The provider refused the inbox's grant; an admin must authorise the mailbox again."""


class TokenUnavailable(Exception):
    """The provider could not be asked now (unreachable, 5xx, a garbled answer): retry."""


@dataclass(frozen=True)
class _Answer:
    access_token: str
    expires_in: timedelta
    refresh_token: str | None


class GrantStore:
    """Reads and writes `inbox_oauth_grants`. Token lifetimes are the provider's real
    time, so the store keeps the system clock even where business time is frozen."""

    def __init__(
        self,
        engine: Engine,
        write_session: Callable[[], AbstractContextManager[Session]],
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.write_session = write_session
        self.clock = clock or SystemClock()

    @classmethod
    def of(cls, fd: Frontdesk) -> GrantStore:
        """The store on a running Frontdesk's database."""
        return cls(fd.engine, fd.write_session)

    @classmethod
    def for_settings(cls, settings: Settings) -> GrantStore:
        """A store for code that has the settings but no runtime (a channel adapter): one
        small engine per database and process."""
        url = settings.resolved_database_url
        with _SHARED_LOCK:
            store = _SHARED.get(url)
            if store is None:
                engine = make_engine(url, pool_size=2)
                write_engine = writer(engine)
                lock = _sqlite_write_lock(url)

                @contextmanager
                def write_session() -> Iterator[Session]:
                    with lock, Session(write_engine) as session, session.begin():
                        yield session

                store = _SHARED[url] = cls(engine, write_session)
            return store

    def token_source(self, inbox_id: int, credentials: OAuth2Credentials) -> TokenSource:
        return lambda rejected: self.access_token(inbox_id, credentials, rejected=rejected)

    def access_token(
        self, inbox_id: int, credentials: OAuth2Credentials, *, rejected: str | None = None
    ) -> str:
        """A valid access token for the inbox: the shared one, or a fresh one."""
        while True:
            token, refresh_token = self._current_or_claim(inbox_id, credentials, rejected)
            if token is not None:
                return token
            if refresh_token is not None:
                return self._refresh(inbox_id, credentials, refresh_token)
            time.sleep(WAIT_SECONDS)  # another process is refreshing; use its result

    def _current_or_claim(
        self, inbox_id: int, credentials: OAuth2Credentials, rejected: str | None
    ) -> tuple[str | None, str | None]:
        """(token, None) when a valid one is there; (None, refresh token) when this
        process now holds the lease to refresh; (None, None) when another one does."""
        fingerprint = credentials_hash(credentials)
        try:
            with self.write_session() as session:
                now = self.clock.now()
                row = session.get(InboxOAuthGrant, inbox_id, with_for_update=True)
                if row is None:
                    row = InboxOAuthGrant(
                        inbox_id=inbox_id, credentials_hash=fingerprint, updated_at=now
                    )
                    session.add(row)
                elif row.credentials_hash != fingerprint:
                    _start_afresh(row, fingerprint, now)
                if row.refused_at is not None:
                    raise NeedsReauthorization(row.refused_reason or "re-authorisation needed")
                if row.access_token is not None and row.access_token == rejected:
                    row.access_token = None  # nobody else should try it either
                    row.expires_at = None
                if (
                    row.access_token is not None
                    and row.expires_at is not None
                    and row.expires_at - REFRESH_MARGIN > now
                ):
                    return row.access_token, None
                if row.refreshing_until is not None and row.refreshing_until > now:
                    return None, None
                row.refreshing_until = now + LEASE
                row.updated_at = now
                return None, row.refresh_token or credentials.refresh_token
        except IntegrityError:
            return None, None  # another process made the row at the same moment

    def _refresh(self, inbox_id: int, credentials: OAuth2Credentials, refresh_token: str) -> str:
        fingerprint = credentials_hash(credentials)
        try:
            answer = request_token(credentials, refresh_token)
        except NeedsReauthorization as exc:
            log.error(
                "email inbox %s: the OAuth2 provider refused the grant (%s); an admin must "
                "authorise the mailbox again (new oauth2 credentials for the inbox)",
                inbox_id,
                exc,
            )
            self._finish(inbox_id, fingerprint, refused=str(exc))
            raise
        except TokenUnavailable as exc:
            log.warning("email inbox %s: no OAuth2 access token now: %s", inbox_id, exc)
            self._finish(inbox_id, fingerprint)
            raise
        except BaseException:
            self._finish(inbox_id, fingerprint)
            raise
        self._finish(inbox_id, fingerprint, answer=answer)
        if answer.refresh_token:
            log.info("email inbox %s: the OAuth2 provider rotated the refresh token", inbox_id)
        return answer.access_token

    def _finish(
        self,
        inbox_id: int,
        fingerprint: str,
        *,
        answer: _Answer | None = None,
        refused: str | None = None,
    ) -> None:
        with self.write_session() as session:
            row = session.get(InboxOAuthGrant, inbox_id, with_for_update=True)
            if row is None or row.credentials_hash != fingerprint:
                return  # the inbox was deleted, or given new credentials, meanwhile
            now = self.clock.now()
            row.refreshing_until = None
            row.updated_at = now
            if refused is not None:
                row.refused_at = now
                row.refused_reason = refused
                row.access_token = None
                row.expires_at = None
            if answer is not None:
                row.access_token = answer.access_token
                row.expires_at = now + answer.expires_in
                if answer.refresh_token:
                    row.refresh_token = answer.refresh_token


def request_token(credentials: OAuth2Credentials, refresh_token: str) -> _Answer:
    """POST the refresh-token grant to the token endpoint (client credentials in the body,
    RFC 6749 §2.3.1, which Google and Microsoft both take)."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    form["client_id"] = credentials.client_id
    if credentials.client_secret:
        form["client_secret"] = credentials.client_secret
    if credentials.scopes:
        form["scope"] = " ".join(credentials.scopes)
    try:
        response = httpx.post(
            credentials.token_url,
            data=form,
            headers={"Accept": "application/json"},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise TokenUnavailable(f"token endpoint unreachable: {exc!r}") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TokenUnavailable(f"token endpoint answered {response.status_code} without JSON")
    error = body.get("error")
    if error is not None or response.status_code != 200:
        reason = f"{error or response.status_code}"
        if body.get("error_description"):
            reason += f": {body['error_description']}"
        if error in REFUSALS:
            raise NeedsReauthorization(reason)
        raise TokenUnavailable(f"token endpoint answered {response.status_code} ({reason})")
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise TokenUnavailable("token endpoint answered without an access_token")
    expires_in = body.get("expires_in")
    lifetime = (
        timedelta(seconds=expires_in)
        if isinstance(expires_in, int | float) and expires_in > 0
        else DEFAULT_LIFETIME
    )
    rotated = body.get("refresh_token")
    return _Answer(
        token, lifetime, rotated if isinstance(rotated, str) and rotated != refresh_token else None
    )


def credentials_hash(credentials: OAuth2Credentials) -> str:
    key = "\0".join((credentials.token_url, credentials.client_id, credentials.refresh_token))
    return hashlib.sha256(key.encode()).hexdigest()


def oauth2_config_hash(config: dict[str, Any]) -> str | None:
    """`credentials_hash` of an inbox's stored config, None when it has no oauth2 part."""
    oauth2 = (config or {}).get("oauth2")
    if not isinstance(oauth2, dict):
        return None
    try:
        return credentials_hash(OAuth2Credentials.model_validate(oauth2))
    except ValueError:
        return None


def refused_grants(session: Session, inboxes: dict[int, Inbox]) -> dict[int, str]:
    """Inbox id → why its provider refused the grant, for the inboxes among `inboxes` that
    need an admin to authorise them again (with the credentials they have now)."""
    rows = session.scalars(
        select(InboxOAuthGrant).where(
            InboxOAuthGrant.refused_at.is_not(None), InboxOAuthGrant.inbox_id.in_(inboxes)
        )
    )
    return {
        row.inbox_id: row.refused_reason or ""
        for row in rows
        if row.credentials_hash == oauth2_config_hash(inboxes[row.inbox_id].config)
    }


def uses_oauth2(config: EmailInboxConfig, server: MailServer | None) -> bool:
    return server is not None and server.auth == "oauth2" and config.oauth2 is not None


def _start_afresh(row: InboxOAuthGrant, fingerprint: str, now: datetime) -> None:
    """New credentials (an admin authorised again): forget everything of the old grant."""
    row.credentials_hash = fingerprint
    row.refresh_token = None
    row.access_token = None
    row.expires_at = None
    row.refreshing_until = None
    row.refused_at = None
    row.refused_reason = None
    row.updated_at = now


_SHARED: dict[str, GrantStore] = {}
_SHARED_LOCK = threading.Lock()


def _sqlite_write_lock(url: str) -> AbstractContextManager[object]:
    """The same cross-process write lock the runtime takes (runtime.Frontdesk)."""
    if not url.startswith("sqlite"):
        return nullcontext()
    path = url.partition(":///")[2]
    if not path or path == ":memory:":
        return threading.RLock()
    return WriteLock(Path(path + "-writelock"))
