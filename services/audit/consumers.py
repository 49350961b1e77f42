"""The audit service consumes every domain event (its own durable queue) into the audit trail."""

from __future__ import annotations

from services.audit.privacy import AuditPrivacy
from services.audit.store import AuditStore
from services.common.bus import Subscription
from services.common.events import Event
from services.common.places import COMMUNITY_REGISTERED

__all__ = ["BINDINGS", "AuditConsumers"]

BINDINGS = ("needs.#", "claims.#", "orgs.#", "people.#", "evidence.#", "disclosure.#")
"""Every service's events; ``orgs.#`` holds the erasure requests (``orgs.subject.erasure_requested.v1``) and the
retention settings (``orgs.district.retention_set.v1``) too."""


class AuditConsumers:
    """Chains one entry per event (idempotent by event id); a registered community is also a place; an erasure
    request, once chained itself, erases her values (idempotent: what is erased is not found again)."""

    def __init__(self, store: AuditStore, privacy: AuditPrivacy) -> None:
        self._store, self._privacy = store, privacy

    def subscription(self) -> Subscription:
        """The audit service's consumer, bound to every service's events."""
        return Subscription(consumer="audit", bindings=BINDINGS, handler=self.handle)

    async def handle(self, event: Event) -> None:
        """Record the event's entry, then let an erasure request or a retention setting act."""
        if event.routing_key == COMMUNITY_REGISTERED:
            await self._store.places.on_community_registered(event)
        await self._store.append(event)
        await self._privacy.handle(event)
