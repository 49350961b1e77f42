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

from services.common.settings import Settings

__all__ = ["AuthenticationError", "Principal", "Role", "TokenVerifier", "mint_token"]


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
        self._algorithms = [algorithm for algorithm in settings.jwt_algorithms if algorithm.lower() != "none"]
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None

    async def verify(self, token: str) -> Principal:
        """Decode and check a token; raise :class:`AuthenticationError` with the reason."""
        if self._jwks is not None:
            return await asyncio.to_thread(self._verify_with_jwks, token)
        return self._decode(token, self._settings.jwt_secret)

    def _verify_with_jwks(self, token: str) -> Principal:
        assert self._jwks is not None
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWTError as error:
            raise AuthenticationError(f"no signing key for this token: {error}") from error
        return self._decode(token, key)

    def _decode(self, token: str, key: Any) -> Principal:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                leeway=30,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as error:
            raise AuthenticationError(f"invalid token: {error}") from error
        return _principal(claims)


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
