"""The events service consumes every domain event (its own durable queue) into the feed."""

from __future__ import annotations

from services.common.bus import Subscription
from services.common.events import Event
from services.common.places import COMMUNITY_REGISTERED
from services.events.handlers import EventsHandlers
from services.events.privacy import FeedPrivacy

__all__ = ["EventsConsumers"]

BINDINGS = ("needs.#", "claims.#", "orgs.#")


class EventsConsumers:
    """Records each event; also keeps the places read model for district administrators' scopes."""

    def __init__(self, handlers: EventsHandlers, privacy: FeedPrivacy | None = None) -> None:
        self._handlers, self._privacy = handlers, privacy

    def subscription(self) -> Subscription:
        """The events service's consumer, bound to every service's events."""
        return Subscription(consumer="events", bindings=BINDINGS, handler=self.handle)

    async def handle(self, event: Event) -> None:
        """Record the event (idempotent); a registered community is also a place; erasure and retention reach the stored feed."""
        if event.routing_key == COMMUNITY_REGISTERED:
            await self._handlers.store.places.on_community_registered(event)
        if self._privacy is None:
            await self._handlers.record(event)
            return
        await self._handlers.record(self._privacy.for_feed(event))
        await self._privacy.handle(event)
