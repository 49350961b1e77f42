"""Event reactions of the claims service: item boards, organization cards and places read models, receipts of disbursements,
and its own events (``claims.claim.*``, ``claims.project.*``), which move the statistics counters (idempotent by event id)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from services.claims.handlers import ClaimsHandlers
from services.claims.tallies import CLAIM_EVENTS
from services.common.bus import Subscription, UnprocessableEvent, topic_matches
from services.common.events import Event
from services.common.places import COMMUNITY_REGISTERED
from services.common.privacy import ERASURE_REQUESTED, RETENTION_SET

__all__ = ["ClaimsConsumers"]

ORGANIZATION_EVENTS = "orgs.org.*.v1"


class ClaimsConsumers:
    """Routes each subscribed event to its reaction."""

    def __init__(self, handlers: ClaimsHandlers) -> None:
        self._handlers = handlers
        self._reactions: Mapping[str, Callable[[Event], Awaitable[None]]] = {
            "needs.item.published.v1": handlers.item_published,
            "needs.item.cancelled.v1": handlers.item_cancelled,
            "needs.item.status_changed.v1": handlers.item_status_changed,
            COMMUNITY_REGISTERED: handlers.store.places.on_community_registered,
            ORGANIZATION_EVENTS: handlers.organization_changed,
            "evidence.evidence.attached.v1": handlers.evidence_attached,
            ERASURE_REQUESTED: handlers.erasure_requested,
            RETENTION_SET: handlers.store.retention.on_retention_set,
        }

    def subscription(self) -> Subscription:
        """The claims service's durable consumer and what it is bound to."""
        return Subscription(consumer="claims", bindings=(*CLAIM_EVENTS, *self._reactions), handler=self.handle)

    async def handle(self, event: Event) -> None:
        """Dispatch by routing key (patterns included); its own events move the statistics counters."""
        if any(topic_matches(pattern, event.routing_key) for pattern in CLAIM_EVENTS):
            await self._handlers.store.tallies.on_event(event)
            return
        for pattern, reaction in self._reactions.items():
            if topic_matches(pattern, event.routing_key):
                await reaction(event)
                return
        raise UnprocessableEvent(f"claims does not handle {event.type}")
