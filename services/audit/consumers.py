"""The audit service consumes every domain event (its own durable queue) into the audit trail."""

from __future__ import annotations

from services.audit.store import AuditStore
from services.common.bus import Subscription
from services.common.events import Event
from services.common.places import COMMUNITY_REGISTERED

__all__ = ["BINDINGS", "AuditConsumers"]

BINDINGS = ("needs.#", "claims.#", "orgs.#", "people.#", "evidence.#", "disclosure.#")


class AuditConsumers:
    """Chains one entry per event (idempotent by event id); a registered community is also a place."""

    def __init__(self, store: AuditStore) -> None:
        self._store = store

    def subscription(self) -> Subscription:
        """The audit service's consumer, bound to every service's events."""
        return Subscription(consumer="audit", bindings=BINDINGS, handler=self.handle)

    async def handle(self, event: Event) -> None:
        """Record the event's entry."""
        if event.routing_key == COMMUNITY_REGISTERED:
            await self._store.places.on_community_registered(event)
        await self._store.append(event)
