"""Webhook endpoints and their deliveries: signed per Standard Webhooks, retried with back-off.

An endpoint belongs to whoever registered it and sees what their token let them see — for as
long as that token was valid. The token's claims (roles, communities) are the platform's only
record of who is a partner of which community, and the identity provider revokes them by
issuing no further tokens; so an endpoint's grant (its scope) ends when the registering token
expires, and the owner renews it with a current token, which re-derives the scope (a community
no longer in the token drops out). Staff of a community and its district administrators can
also take their community out of any endpoint's scope at once.

After a secret rotation the old secret keeps signing, beside the new one, for an overlap period
(Standard Webhooks allows several space-separated signatures), so receivers switch without a gap. Only a 2xx answer counts as delivered; 410 Gone disables the endpoint; anything else
is retried with exponential back-off and jitter, up to the attempt limit.
"""

from __future__ import annotations

import base64
import random
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from services.common.domain import TransitionNotAllowed
from services.events.domain.visibility import Scope

__all__ = ["GRANT_EXPIRED", "Attempt", "Delivery", "DeliveryStatus", "Endpoint", "EndpointStatus", "new_secret", "next_delay"]

GRANT_EXPIRED = "the token it was registered with expired: renew it (renewWebhook) with a current token"


class EndpointStatus(StrEnum):
    """Whether an endpoint receives events."""

    ACTIVE = "active"
    PAUSED = "paused"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def new_secret() -> str:
    """A Standard Webhooks secret (``whsec_`` + base64 of 32 random bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def next_delay(attempt: int, *, base_s: float, max_s: float) -> timedelta:
    """Exponential back-off with ±20 % jitter: base, 2×base, 4×base… capped at ``max_s``."""
    delay = min(base_s * 2 ** (attempt - 1), max_s)
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A partner's webhook endpoint."""

    id: str
    owner: str
    url: str
    secret: str
    status: EndpointStatus
    full: frozenset[str]
    public: frozenset[str]
    types: frozenset[str] | None
    description: str
    created_at: datetime
    updated_at: datetime
    disabled_reason: str | None = None
    version: int = 0
    grant_expires_at: datetime | None = None
    previous_secrets: tuple[tuple[str, datetime], ...] = ()

    def wants(self, community: str, routing_key: str, *, now: datetime) -> bool:
        """An active endpoint, its grant unexpired, whose scope and type filter take this event."""
        if self.status is not EndpointStatus.ACTIVE or not self.granted_at(now):
            return False
        if self.types is not None and routing_key not in self.types:
            return False
        return Scope(self.full, self.public).allows(community, routing_key)

    def pause(self, *, at: datetime) -> Endpoint:
        """Stop deliveries for a while (pending ones wait)."""
        if self.status is not EndpointStatus.ACTIVE:
            raise TransitionNotAllowed("webhook endpoint", self.status, "pause")
        return replace(self, status=EndpointStatus.PAUSED, updated_at=at)

    def resume(self, *, at: datetime) -> Endpoint:
        """Deliver again (also after it was disabled by a 410)."""
        if self.status is EndpointStatus.ACTIVE:
            raise TransitionNotAllowed("webhook endpoint", self.status, "resume")
        return replace(self, status=EndpointStatus.ACTIVE, disabled_reason=None, updated_at=at)

    def disable(self, reason: str, *, at: datetime) -> Endpoint:
        """The receiver answered 410 Gone, or the grant expired."""
        return replace(self, status=EndpointStatus.DISABLED, disabled_reason=reason, updated_at=at)

    def granted_at(self, now: datetime) -> bool:
        """Whether the registering (or last renewing) token is still valid; None means no expiry is known."""
        return self.grant_expires_at is None or now < self.grant_expires_at

    def renewed(self, scope: Scope, *, until: datetime | None, at: datetime) -> Endpoint:
        """A grant from a current token: its scope, narrowed to the communities the endpoint follows; re-enabled if it had expired."""
        followed = scope.narrowed(self.full | self.public)
        status, reason = self.status, self.disabled_reason
        if status is EndpointStatus.DISABLED and reason == GRANT_EXPIRED:
            status, reason = EndpointStatus.ACTIVE, None
        return replace(
            self, full=followed.full, public=followed.public, grant_expires_at=until, status=status, disabled_reason=reason, updated_at=at
        )

    def without_community(self, community: str, *, at: datetime) -> Endpoint:
        """The community taken out of the scope (its staff or district administrator revoked it)."""
        return replace(self, full=self.full - {community}, public=self.public - {community}, updated_at=at)

    def rotated(self, secret: str, *, at: datetime, overlap: timedelta) -> Endpoint:
        """A new secret; the current one (and older ones still in their overlap) keep signing until ``at + overlap``."""
        kept = tuple((old, until) for old, until in self.previous_secrets if until > at)
        previous = ((self.secret, at + overlap), *kept) if overlap > timedelta(0) else ()
        return replace(self, secret=secret, previous_secrets=previous, updated_at=at)

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a delivery now: the current one first, then those still in their overlap."""
        return [self.secret, *(old for old, until in self.previous_secrets if until > now)]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try: when, the answer (or the error), how long it took."""

    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event to one endpoint."""

    id: str
    endpoint_id: str
    event_id: str
    seq: int
    routing_key: str
    status: DeliveryStatus
    next_attempt_at: datetime
    created_at: datetime
    attempts: tuple[Attempt, ...] = field(default=())
    version: int = 0
    traceparent: str | None = None  # the trace of the consumed event it was made from (W3C), for its attempts' spans
