"""Webhook endpoints and their deliveries: signed per Standard Webhooks, retried with back-off.

An endpoint belongs to whoever registered it and sees what they saw then (their scope is kept
with it). Only a 2xx answer counts as delivered; 410 Gone disables the endpoint; anything else
is retried with exponential back-off and jitter, up to the attempt limit.
"""

from __future__ import annotations

import base64
import ipaddress
import random
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlparse

from services.common.domain import Invalid, TransitionNotAllowed
from services.events.domain.visibility import Scope

__all__ = ["Attempt", "Delivery", "DeliveryStatus", "Endpoint", "EndpointStatus", "check_url", "new_secret", "next_delay"]


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


def check_url(url: str, *, addresses: list[str], allow_private: bool) -> str:
    """http(s) only; private, loopback and link-local addresses refused unless allowed."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise Invalid("a webhook URL is an http(s) address", field="url")
    if len(url) > 2_000:
        raise Invalid("the URL is longer than 2000 characters", field="url")
    if not allow_private:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
                raise Invalid("webhook URLs must not point at private or loopback addresses", field="url")
    return url


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

    def wants(self, community: str, routing_key: str) -> bool:
        """An active endpoint whose scope and type filter take this event."""
        if self.status is not EndpointStatus.ACTIVE:
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
        """The receiver answered 410 Gone."""
        return replace(self, status=EndpointStatus.DISABLED, disabled_reason=reason, updated_at=at)


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
