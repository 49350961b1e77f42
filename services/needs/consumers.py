"""Event reactions of the needs service: the claims lifecycle, the orgs places, its own events.

Every one of its own events (``needs.need.*``, ``needs.item.*``) also moves the statistics counters
(:class:`~services.needs.tallies.NeedTallies`), idempotent by event id, before its other reaction.

Every reaction is idempotent: the event id is recorded in the document it changes, in the
same conditional update, so a redelivered event changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from services.common.bus import Subscription, UnprocessableEvent, topic_matches
from services.common.event_data import optional_text, text, texts
from services.common.events import Event
from services.common.places import COMMUNITY_REGISTERED
from services.common.privacy import ERASURE_REQUESTED, RETENTION_SET
from services.needs.domain import ItemStatus
from services.needs.handlers import NeedsHandlers
from services.needs.tallies import NEED_EVENTS

__all__ = ["CLAIM_STAGES", "NeedsConsumers"]

CLAIM_STAGES = {
    "claims.claim.approved.v1": "approved",
    "claims.project.started.v1": "started",
    "claims.project.completed.v1": "completed",
    "claims.project.evaluated.v1": "evaluated",
    "claims.claim.terminated.v1": "terminated",
}


class NeedsConsumers:
    """Routes each subscribed event to its reaction."""

    def __init__(self, handlers: NeedsHandlers) -> None:
        self._handlers = handlers
        self._reactions: Mapping[str, Callable[[Event], Awaitable[None]]] = {
            COMMUNITY_REGISTERED: handlers.store.places.on_community_registered,
            **dict.fromkeys(CLAIM_STAGES, self.claim_progressed),
            "needs.need.merged.v1": self.need_merged,
            "needs.item.drafted.v1": self.item_drafted,
            "needs.item.cancelled.v1": self.item_cancelled,
            "needs.item.status_changed.v1": self.item_status_changed,
            ERASURE_REQUESTED: self.erasure_requested,
            RETENTION_SET: handlers.store.retention.on_retention_set,
        }

    def subscription(self) -> Subscription:
        """The needs service's one durable consumer and what it is bound to."""
        own = tuple(key for key in self._reactions if not any(topic_matches(pattern, key) for pattern in NEED_EVENTS))
        return Subscription(consumer="needs", bindings=(*NEED_EVENTS, *own), handler=self.handle)

    async def handle(self, event: Event) -> None:
        """Dispatch by routing key (its own events move the statistics first); an event we are not bound to is a wiring error."""
        statistics = any(topic_matches(pattern, event.routing_key) for pattern in NEED_EVENTS)
        if statistics:
            await self._handlers.store.tallies.on_event(event)
        reaction = self._reactions.get(event.routing_key)
        if reaction is None:
            if statistics:
                return
            raise UnprocessableEvent(f"needs does not handle {event.type}")
        await reaction(event)

    async def claim_progressed(self, event: Event) -> None:
        """claim approved → item claimed; project started → in progress; completed; evaluated; terminated (slot freed)."""
        await self._handlers.record_claim(
            text(event.data, "item_id"), CLAIM_STAGES[event.routing_key], text(event.data, "claim_id"), event=event
        )

    async def need_merged(self, event: Event) -> None:
        """The target need takes over the merged need's supporters."""
        supporters = texts(event.data, "supporter_ids")
        await self._handlers.carry_supporters(text(event.data, "into_need_id"), supporters, event_id=event.id, actor=_actor(event))

    async def item_drafted(self, event: Event) -> None:
        """Plan the needs the new item was made from."""
        await self._handlers.plan_needs(text(event.data, "item_id"), texts(event.data, "need_ids"), actor=_actor(event), event_id=event.id)

    async def item_cancelled(self, event: Event) -> None:
        """Release the needs of a cancelled item."""
        reason = optional_text(event.data, "reason")
        await self._handlers.release_needs(texts(event.data, "need_ids"), actor=_actor(event), reason=reason, event_id=event.id)

    async def item_status_changed(self, event: Event) -> None:
        """An evaluated item resolves its needs."""
        if event.data.get("status") == ItemStatus.EVALUATED.value:
            await self._handlers.resolve_needs(texts(event.data, "need_ids"), actor=_actor(event), event_id=event.id)

    async def erasure_requested(self, event: Event) -> None:
        """A resident asked for erasure: her needs and supports no longer name her."""
        await self._handlers.erase_person(text(event.data, "person"))


def _actor(event: Event) -> str:
    return str(event.data.get("actor") or "needs")
