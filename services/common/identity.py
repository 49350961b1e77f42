"""Identity: JWT bearer tokens (PyJWT) verified into a typed :class:`Principal`.

HS256 with a shared secret in development; RS256 with keys from a JWKS URL in deployment.
The gateway checks tokens and forwards them; every service checks them again and decides
tenancy itself from the principal's roles, communities and districts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from services.common.settings import DEV_JWT_SECRET, Settings

__all__ = ["JWT_LEEWAY_S", "AuthenticationError", "Principal", "Role", "TokenVerifier", "insecure_secret", "mint_token"]

MIN_SECRET_BYTES = 32
"""Shortest HS256 secret accepted outside the embedded mode (RFC 7518 §3.2: at least the hash size)."""

MAX_TOKEN_CHARACTERS = 8_192
"""Longest bearer token read; a longer one is refused before it is decoded."""
JWT_LEEWAY_S = 30
"""Clock skew allowed when checking ``exp``, ``iat`` and ``nbf``."""


def insecure_secret(settings: Settings) -> str | None:
    """Why the HS256 secret must not be used in a deployment, or ``None`` when it may.

    The development secret is in the repository, so anyone could mint a district
    administrator's token with it; a short secret can be guessed offline from any token.
    Only HS* tokens are signed with the secret: with RS256 alone (a JWKS URL) it is unused.
    """
    if not any(algorithm.upper().startswith("HS") for algorithm in settings.jwt_algorithms):
        return None
    if settings.jwt_secret == DEV_JWT_SECRET:
        return "JWT_SECRET is the development secret published in the repository; set a random one (e.g. `openssl rand -hex 32`)"
    if len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
        return f"JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes; set a random one (e.g. `openssl rand -hex 32`)"
    return None


class Role(StrEnum):
    """The roles a token can carry."""

    DISTRICT_ADMIN = "district_admin"
    COMMUNITY_STAFF = "community_staff"
    ORG_LEADER = "org_leader"
    RESIDENT = "resident"
    PARTNER = "partner"


class AuthenticationError(Exception):
    """The bearer token is missing, malformed, expired, or not ours."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: subject, roles, and the communities and districts they act in."""

    subject: str
    roles: frozenset[Role]
    communities: frozenset[str] = field(default_factory=frozenset)
    districts: frozenset[str] = field(default_factory=frozenset)
    organization: str | None = None
    name: str | None = None
    # The token's `exp` (None for principals built in-process, e.g. the demo loader): when sessions and
    # webhook grants opened with it end. Not part of who the principal is, so not compared.
    expires_at: datetime | None = field(default=None, compare=False)

    def has_role(self, *roles: Role) -> bool:
        """True if the principal holds any of ``roles``."""
        return not self.roles.isdisjoint(roles)

    def is_district_admin_of(self, district_id: str | None) -> bool:
        """A district administrator acting for this district."""
        return district_id is not None and Role.DISTRICT_ADMIN in self.roles and district_id in self.districts

    def belongs_to(self, community_id: str, district_id: str | None = None) -> bool:
        """Member of the community by token, or administrator of its district."""
        return community_id in self.communities or self.is_district_admin_of(district_id)


class TokenVerifier:
    """Verifies bearer tokens against the configured key, audience and issuer."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        accepted = [algorithm for algorithm in settings.jwt_algorithms if algorithm.lower() != "none"]
        self._symmetric = [algorithm for algorithm in accepted if algorithm.upper().startswith("HS")]
        self._asymmetric = [algorithm for algorithm in accepted if not algorithm.upper().startswith("HS")]
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None

    async def verify(self, token: str) -> Principal:
        """Decode and check a token; raise :class:`AuthenticationError` with the reason.

        The token's ``alg`` picks the key: an HS* token is checked against the shared secret
        only, any other against the JWKS only, each with just the algorithms of its kind (so a
        token can never have the public key used as an HMAC secret, nor crash the check).
        """
        if len(token) > MAX_TOKEN_CHARACTERS:
            raise AuthenticationError(f"invalid token: longer than {MAX_TOKEN_CHARACTERS} characters")
        try:
            algorithm = str(jwt.get_unverified_header(token).get("alg", ""))
        except jwt.PyJWTError as error:
            raise AuthenticationError(f"invalid token: {error}") from error
        if algorithm.upper().startswith("HS"):
            if algorithm not in self._symmetric:
                raise AuthenticationError(f"invalid token: the {algorithm} algorithm is not accepted")
            return self._decode(token, self._settings.jwt_secret, [algorithm])
        if algorithm not in self._asymmetric or self._jwks is None:
            raise AuthenticationError(f"invalid token: the {algorithm or 'none'} algorithm is not accepted")
        return await asyncio.to_thread(self._verify_with_jwks, token, [algorithm])

    def _verify_with_jwks(self, token: str, algorithms: list[str]) -> Principal:
        assert self._jwks is not None
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWTError as error:
            raise AuthenticationError(f"no signing key for this token: {error}") from error
        return self._decode(token, key, algorithms)

    def _decode(self, token: str, key: Any, algorithms: list[str]) -> Principal:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                leeway=JWT_LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except (jwt.PyJWTError, TypeError, ValueError) as error:
            raise AuthenticationError(f"invalid token: {error}") from error
        self._check_lifetime(claims)
        return _principal(claims)

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """A token may not be valid for longer than ``jwt_max_lifetime_s`` (an ``exp`` in 9999 is refused)."""
        longest = self._settings.jwt_max_lifetime_s
        try:
            expires, issued = float(claims["exp"]), float(claims["iat"])
        except (TypeError, ValueError) as error:
            raise AuthenticationError("invalid token: exp and iat must be numbers") from error
        now = datetime.now(UTC).timestamp()
        if expires - issued > longest or expires - now > longest:
            raise AuthenticationError(f"invalid token: valid for longer than the {longest // 86_400:.0f} days allowed")


def _principal(claims: dict[str, Any]) -> Principal:
    try:
        roles = frozenset(Role(role) for role in _strings(claims.get("roles", [])))
    except ValueError as error:
        raise AuthenticationError(f"invalid token: {error}") from error
    if not roles:
        raise AuthenticationError("invalid token: no roles")
    organization = claims.get("org")
    name = claims.get("name")
    return Principal(
        subject=str(claims["sub"]),
        roles=roles,
        communities=frozenset(_strings(claims.get("communities", []))),
        districts=frozenset(_strings(claims.get("districts", []))),
        organization=organization if isinstance(organization, str) else None,
        name=name if isinstance(name, str) else None,
        expires_at=datetime.fromtimestamp(claims["exp"], UTC) if isinstance(claims.get("exp"), int | float) else None,
    )


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AuthenticationError("invalid token: roles, communities and districts must be lists of strings")
    return value


def mint_token(
    settings: Settings,
    *,
    subject: str,
    roles: Iterable[Role | str],
    communities: Iterable[str] = (),
    districts: Iterable[str] = (),
    organization: str | None = None,
    name: str | None = None,
    ttl: timedelta = timedelta(days=30),
) -> str:
    """A development token signed with the HS256 secret (``renling token`` prints these)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": [str(Role(role)) for role in roles],
        "communities": list(communities),
        "districts": list(districts),
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
    }
    if organization is not None:
        claims["org"] = organization
    if name is not None:
        claims["name"] = name
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
