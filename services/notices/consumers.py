"""Event reactions of the notices service: every event that concerns a person, the places, and erasure requests."""

from __future__ import annotations

from services.common.bus import Subscription, UnprocessableEvent
from services.common.events import Event
from services.common.places import COMMUNITY_REGISTERED
from services.common.privacy import ERASURE_REQUESTED, RETENTION_SET
from services.notices.domain import BINDINGS
from services.notices.handlers import NoticesHandlers
from services.notices.personal import NoticesPersonalData

__all__ = ["NoticesConsumers"]


class NoticesConsumers:
    """One durable consumer for the events that make notices and reminders."""

    def __init__(self, handlers: NoticesHandlers, personal: NoticesPersonalData) -> None:
        self._handlers, self._personal = handlers, personal

    def subscription(self) -> Subscription:
        """The notices service's consumer and what it is bound to."""
        return Subscription(
            consumer="notices", bindings=(COMMUNITY_REGISTERED, ERASURE_REQUESTED, RETENTION_SET, *BINDINGS), handler=self.handle
        )

    async def handle(self, event: Event) -> None:
        """Places go to the read model, erasure requests and retention settings to the personal data; the rest to the notice rules (idempotent by derived ids)."""
        if event.routing_key == COMMUNITY_REGISTERED:
            await self._handlers.store.places.on_community_registered(event)
        elif await self._personal.handle(event):
            return
        elif event.routing_key in BINDINGS:
            await self._handlers.on_event(event)
        else:
            raise UnprocessableEvent(f"notices does not handle {event.type}")
