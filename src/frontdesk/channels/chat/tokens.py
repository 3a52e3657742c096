"""Signed tokens the widget holds: who the visitor is, and which files it uploaded.

A visitor token names one visitor of one inbox; it is the only thing that lets a browser
read a chat, and it cannot be forged without the installation's secret key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

UPLOAD_MAX_AGE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class VisitorClaim:
    inbox_id: int
    key: str


@dataclass(frozen=True)
class UploadClaim:
    key: str  # the visitor who uploaded it
    sha256: str
    filename: str
    content_type: str
    size: int


def new_visitor_key() -> str:
    return "v" + secrets.token_hex(16)


def visitor_token(secret: str, claim: VisitorClaim) -> str:
    return URLSafeSerializer(secret, salt="chat-visitor").dumps([claim.inbox_id, claim.key])


def read_visitor_token(secret: str, token: str) -> VisitorClaim | None:
    try:
        inbox_id, key = URLSafeSerializer(secret, salt="chat-visitor").loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(inbox_id, int) or not isinstance(key, str):
        return None
    return VisitorClaim(inbox_id, key)


def upload_token(secret: str, claim: UploadClaim) -> str:
    data = [claim.key, claim.sha256, claim.filename, claim.content_type, claim.size]
    return URLSafeTimedSerializer(secret, salt="chat-upload").dumps(data)


def read_upload_token(secret: str, token: str) -> UploadClaim | None:
    try:
        key, sha, name, content_type, size = URLSafeTimedSerializer(
            secret, salt="chat-upload"
        ).loads(token, max_age=UPLOAD_MAX_AGE_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return None
    return UploadClaim(str(key), str(sha), str(name), str(content_type), int(size))
