"""JWT verification into a principal; every way a token can be wrong is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from services.common.identity import AuthenticationError, Principal, Role, TokenVerifier, insecure_secret, mint_token
from services.common.settings import Settings
from tests.support import fast_settings

SETTINGS = fast_settings()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": "u1",
        "roles": ["resident"],
        "communities": ["c1"],
        "iat": now,
        "exp": now + timedelta(hours=1),
        "aud": SETTINGS.jwt_audience,
        "iss": SETTINGS.jwt_issuer,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


async def test_minted_token_verifies_into_principal() -> None:
    token = mint_token(SETTINGS, subject="staff-7", roles=[Role.COMMUNITY_STAFF], communities=["c1", "c2"], organization="o1")

    principal = await TokenVerifier(SETTINGS).verify(token)

    assert principal == Principal(
        subject="staff-7", roles=frozenset({Role.COMMUNITY_STAFF}), communities=frozenset({"c1", "c2"}), organization="o1"
    )


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (jwt.encode(_claims(), "another-secret-that-is-long-enough-0123456789", algorithm="HS256"), "Signature"),
        (jwt.encode(_claims(), "", algorithm="none"), "alg"),
        (jwt.encode(_claims(aud="someone-else"), SETTINGS.jwt_secret, algorithm="HS256"), "audience"),
        (jwt.encode(_claims(iss="someone-else"), SETTINGS.jwt_secret, algorithm="HS256"), "issuer"),
        (jwt.encode(_claims(exp=datetime.now(UTC) - timedelta(minutes=5)), SETTINGS.jwt_secret, algorithm="HS256"), "expired"),
        (jwt.encode(_claims(nbf=datetime.now(UTC) + timedelta(minutes=5)), SETTINGS.jwt_secret, algorithm="HS256"), "not yet valid"),
        (jwt.encode(_claims(sub=None), SETTINGS.jwt_secret, algorithm="HS256"), "sub"),
        (jwt.encode(_claims(roles=["pope"]), SETTINGS.jwt_secret, algorithm="HS256"), "pope"),
        (jwt.encode(_claims(roles=[]), SETTINGS.jwt_secret, algorithm="HS256"), "no roles"),
        (jwt.encode(_claims(communities="c1"), SETTINGS.jwt_secret, algorithm="HS256"), "lists"),
        ("not-a-token", "segments"),
    ],
    ids=[
        "wrong-key",
        "alg-none",
        "audience",
        "issuer",
        "expired",
        "not-yet-valid",
        "no-subject",
        "unknown-role",
        "no-roles",
        "bad-communities",
        "garbage",
    ],
)
async def test_bad_tokens_are_refused_with_a_reason(token: str, reason: str) -> None:
    with pytest.raises(AuthenticationError, match=f"(?i){reason}"):
        await TokenVerifier(SETTINGS).verify(token)


def test_district_admin_reaches_communities_of_its_district_only() -> None:
    admin = Principal(subject="a", roles=frozenset({Role.DISTRICT_ADMIN}), districts=frozenset({"d1"}))

    assert admin.belongs_to("any-community", "d1")
    assert not admin.belongs_to("any-community", "d2")
    assert not admin.belongs_to("any-community", None)


async def test_a_token_valid_for_longer_than_the_maximum_is_refused() -> None:
    verifier = TokenVerifier(SETTINGS)
    far = datetime(9999, 1, 1, tzinfo=UTC)

    with pytest.raises(AuthenticationError, match="longer than"):
        await verifier.verify(jwt.encode(_claims(exp=far), SETTINGS.jwt_secret, algorithm="HS256"))
    with pytest.raises(AuthenticationError, match="longer than"):
        await verifier.verify(jwt.encode(_claims(iat=datetime.now(UTC) - timedelta(days=40)), SETTINGS.jwt_secret, algorithm="HS256"))
    assert (await verifier.verify(mint_token(SETTINGS, subject="s", roles=[Role.RESIDENT]))).subject == "s"


async def test_a_token_longer_than_any_real_one_is_refused_unread() -> None:
    with pytest.raises(AuthenticationError, match="longer than 8192 characters"):
        await TokenVerifier(SETTINGS).verify("a" * 8_000_000)


def test_the_development_secret_and_short_secrets_are_insecure_and_rs256_needs_none() -> None:
    assert "development secret" in (insecure_secret(Settings()) or "")
    assert "shorter than 32 bytes" in (insecure_secret(Settings(jwt_secret="short-secret")) or "")
    assert insecure_secret(Settings(jwt_secret="x" * 32)) is None
    assert insecure_secret(Settings(jwt_algorithms=("RS256",), jwt_jwks_url="https://id.example/jwks.json")) is None
