"""Signed upload and download links: HMAC-SHA256 over their claims, with an expiry.

Pure code. A link is ``<base64url(JSON claims)>.<base64url(MAC)>``; it is checked in constant
time, and refused once expired. The key is the service's own (derived from the platform
secret unless one is set), so a link cannot be made or changed without it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from services.common.domain import Forbidden

__all__ = ["derive_key", "sign", "verify"]


def derive_key(secret: str) -> bytes:
    """The link-signing key derived from the platform secret (never the secret itself)."""
    return hmac.new(secret.encode(), b"renling-evidence-links", hashlib.sha256).digest()


def sign(key: bytes, claims: dict[str, Any]) -> str:
    """A link token for ``claims`` (which must hold ``exp``, a POSIX time)."""
    body = _b64(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode())
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def verify(key: bytes, token: str, *, now: datetime) -> dict[str, Any]:
    """The claims of a genuine, unexpired token; FORBIDDEN otherwise."""
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        raise Forbidden("this link is not genuine", field="token")
    try:
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError as error:
        raise Forbidden("this link is not genuine", field="token") from error
    if float(claims.get("exp", 0)) < now.timestamp():
        raise Forbidden("this link has expired", field="token")
    return claims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
