"""The pure domain of the events service: who sees what, webhook endpoints and deliveries."""

from services.events.domain.visibility import PUBLIC_EVENTS, Scope, scope_of
from services.events.domain.webhook import Attempt, Delivery, DeliveryStatus, Endpoint, EndpointStatus, check_url, new_secret, next_delay

__all__ = [
    "PUBLIC_EVENTS",
    "Attempt",
    "Delivery",
    "DeliveryStatus",
    "Endpoint",
    "EndpointStatus",
    "Scope",
    "check_url",
    "new_secret",
    "next_delay",
    "scope_of",
]
