"""The pure domain of the events service: who sees what, webhook endpoints and deliveries."""

from services.events.domain.addresses import Target, is_public, target_of
from services.events.domain.visibility import PUBLIC_EVENTS, Scope, scope_of
from services.events.domain.webhook import (
    GRANT_EXPIRED,
    Attempt,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EndpointStatus,
    new_secret,
    next_delay,
)

__all__ = [
    "GRANT_EXPIRED",
    "PUBLIC_EVENTS",
    "Attempt",
    "Delivery",
    "DeliveryStatus",
    "Endpoint",
    "EndpointStatus",
    "Scope",
    "Target",
    "is_public",
    "new_secret",
    "next_delay",
    "scope_of",
    "target_of",
]
