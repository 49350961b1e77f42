"""Tokens remembered by the gateway and the services (:mod:`services.common.verified`): reused while valid and recent, never when refused or expired."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common import verified
from services.common.identity import JWT_LEEWAY_S, AuthenticationError, Principal, Role, TokenVerifier, mint_token
from services.common.settings import Settings
from services.common.verified import REMEMBERED_FOR_S, RememberingVerifier

EXPIRES = 1_900_000_000.0


class Clock:
    """The time :mod:`services.common.verified` reads."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def underlying(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens the real verification was asked about; ``forged`` is refused, any other accepted until EXPIRES."""
    asked: list[str] = []

    async def verify(self: TokenVerifier, token: str) -> Principal:
        asked.append(token)
        if token == "forged":
            raise AuthenticationError("invalid token: Signature verification failed")
        return Principal(token, frozenset({Role.RESIDENT}), expires_at=datetime.fromtimestamp(EXPIRES, UTC))

    monkeypatch.setattr(TokenVerifier, "verify", verify)
    return asked


async def test_an_accepted_token_is_remembered_until_its_expiry_and_for_a_minute_at_most(
    underlying: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(EXPIRES - 3600)
    monkeypatch.setattr(verified, "time", clock)
    verifier = RememberingVerifier(Settings())

    first = await verifier.verify("a")
    clock.now += REMEMBERED_FOR_S - 1
    again = await verifier.verify("a")
    clock.now += 1  # verified a minute ago: verified again
    after_a_minute = await verifier.verify("a")
    assert first == again == after_a_minute == Principal("a", frozenset({Role.RESIDENT}))
    assert underlying == ["a", "a"]

    clock.now = EXPIRES + JWT_LEEWAY_S - 1
    await verifier.verify("b")
    await verifier.verify("b")
    assert underlying == ["a", "a", "b"]
    clock.now = EXPIRES + JWT_LEEWAY_S  # expired, leeway included: the verification decides again
    await verifier.verify("b")
    assert underlying == ["a", "a", "b", "b"]


async def test_a_refused_token_is_verified_and_refused_every_time(underlying: list[str]) -> None:
    verifier = RememberingVerifier(Settings())
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            await verifier.verify("forged")
    assert underlying == ["forged", "forged"]


async def test_a_real_token_is_accepted_remembered_and_a_tampered_one_still_refused() -> None:
    settings = Settings()
    verifier = RememberingVerifier(settings)
    token = mint_token(settings, subject="u", roles=[Role.RESIDENT], communities=["c1"])
    principal = await verifier.verify(token)
    assert await verifier.verify(token) is principal
    assert principal.subject == "u"
    with pytest.raises(AuthenticationError):
        await verifier.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
