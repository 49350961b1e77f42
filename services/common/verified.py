"""Bearer tokens verified once and remembered for a short while: the gateway and every service check the same token on every request.

A client sends its token with each request; verifying it (base64, JSON, HMAC or RSA, the claims)
costs more CPU than the gateway's own work for a small operation, and than a service's answer
from its read models. :class:`RememberingVerifier`
keeps what a successful verification gave (the :class:`~services.common.identity.Principal`)
per token text, and gives it back while both hold:

- the token has not expired: ``exp`` is checked again on every use, with the same leeway
  (:data:`~services.common.identity.JWT_LEEWAY_S`) as the verification. Every other check of a
  verification (signature, audience, issuer, ``iat``/``nbf`` not in the future, the longest
  lifetime allowed) only depends on the token and on time moving forward, so it still holds;
- it was verified less than :data:`REMEMBERED_FOR_S` ago, so that a change of the keys
  accepted (a JWKS rotation) reaches a token already seen within that time.

A refused token is never remembered: it is verified (and refused) again each time. At most
:data:`REMEMBERED_TOKENS` tokens are kept, the least recently used dropped first. The gateway
and each service keep their own (no process trusts another's verification).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from services.common.identity import JWT_LEEWAY_S, Principal, TokenVerifier
from services.common.settings import Settings

__all__ = ["REMEMBERED_FOR_S", "REMEMBERED_TOKENS", "RememberingVerifier"]

REMEMBERED_FOR_S = 60.0
REMEMBERED_TOKENS = 10_000


class RememberingVerifier(TokenVerifier):
    """A :class:`TokenVerifier` that remembers the tokens it accepted (see the module)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._accepted: OrderedDict[str, tuple[Principal, float, float]] = OrderedDict()
        """Per token: its principal, the time it stops being valid (``exp`` + leeway, or +inf) and when it was verified."""

    async def verify(self, token: str) -> Principal:
        """The token's principal: remembered while it is valid and recent, else verified (and remembered if accepted)."""
        now = time.time()
        known = self._accepted.get(token)
        if known is not None:
            principal, valid_until, verified_at = known
            if now < valid_until and now - verified_at < REMEMBERED_FOR_S:
                self._accepted.move_to_end(token)
                return principal
            del self._accepted[token]
        principal = await super().verify(token)
        expires = principal.expires_at
        valid_until = expires.timestamp() + JWT_LEEWAY_S if expires is not None else float("inf")
        self._accepted[token] = (principal, valid_until, now)
        if len(self._accepted) > REMEMBERED_TOKENS:
            self._accepted.popitem(last=False)
        return principal
