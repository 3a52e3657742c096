"""A small OAuth2 authorisation server on loopback, enough to stand in for Google or
Microsoft in tests: a token endpoint for the refresh-token grant (RFC 6749 §6, answers as
§5.1 and §5.2) and an introspection endpoint (RFC 7662) that Dovecot's oauth2 passdb and
the test SMTP server ask whether an access token is good.

with oauth_provider() as provider:
    refresh = provider.grant("support1")       # what an admin's consent would give
    provider.token_url, provider.introspection_url
    provider.revoke_access_tokens()            # the server now rejects issued tokens
    provider.refuse("support1")                # the grant is withdrawn: invalid_grant
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

CLIENT_ID = "frontdesk-test"
CLIENT_SECRET = "client-secret-" + "s" * 20


@dataclass
class TokenRequest:
    form: dict[str, str]
    basic_auth: tuple[str, str] | None


@dataclass
class OAuthProvider:
    base_url: str = ""
    expires_in: int = 3600
    rotate: bool = False  # answer each refresh with a new refresh token (and retire the old)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token → user
    access_tokens: dict[str, str] = field(default_factory=dict)  # access token → user
    token_requests: list[TokenRequest] = field(default_factory=list)
    introspections: list[str] = field(default_factory=list)  # tokens asked about
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    @property
    def introspection_url(self) -> str:
        return f"{self.base_url}/introspect"

    def grant(self, user: str) -> str:
        """A refresh token for `user`, as the consent screen would hand out."""
        token = "rt-" + secrets.token_urlsafe(16)
        with self.lock:
            self.refresh_tokens[token] = user
        return token

    def refuse(self, user: str) -> None:
        """The user withdrew consent: every refresh token of theirs is now invalid_grant."""
        with self.lock:
            for token, owner in list(self.refresh_tokens.items()):
                if owner == user:
                    del self.refresh_tokens[token]

    def revoke_access_tokens(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def issued(self) -> int:
        with self.lock:
            return len(self.token_requests)

    def user_of(self, access_token: str) -> str | None:
        with self.lock:
            return self.access_tokens.get(access_token)

    def credentials(self, refresh_token: str, **more: Any) -> dict[str, Any]:
        """The `oauth2` part of an email inbox's config for this provider."""
        return {
            "token_url": self.token_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": refresh_token,
            "scopes": ["https://mail.example.test/"],
            **more,
        }

    def _token(self, request: TokenRequest) -> tuple[int, dict[str, Any]]:
        form = request.form
        client = request.basic_auth or (form.get("client_id", ""), form.get("client_secret", ""))
        with self.lock:
            self.token_requests.append(request)
            if client != (CLIENT_ID, CLIENT_SECRET):
                return 401, {"error": "invalid_client"}
            if form.get("grant_type") != "refresh_token":
                return 400, {"error": "unsupported_grant_type"}
            user = self.refresh_tokens.get(form.get("refresh_token", ""))
            if user is None:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            access = "at-" + secrets.token_urlsafe(16)
            self.access_tokens[access] = user
            answer: dict[str, Any] = {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "scope": form.get("scope", ""),
            }
            if self.rotate:
                del self.refresh_tokens[form["refresh_token"]]
                rotated = "rt-" + secrets.token_urlsafe(16)
                self.refresh_tokens[rotated] = user
                answer["refresh_token"] = rotated
            return 200, answer

    def _introspect(self, token: str) -> dict[str, Any]:
        with self.lock:
            self.introspections.append(token)
            user = self.access_tokens.get(token)
        if user is None:
            return {"active": False}
        return {"active": True, "username": user, "token_type": "Bearer", "scope": "mail"}


@contextmanager
def oauth_provider() -> Iterator[OAuthProvider]:
    provider = OAuthProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
            if self.path == "/token":
                status, body = provider._token(TokenRequest(form, _basic(self.headers)))
            elif self.path == "/introspect":
                bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                status, body = 200, provider._introspect(form.get("token") or bearer)
            else:
                status, body = 404, {"error": "not_found"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _basic(headers: Any) -> tuple[str, str] | None:
    value = headers.get("Authorization", "")
    if not value.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(value[6:]).decode().partition(":")
    return user, password
