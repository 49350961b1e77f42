"""Event reactions of the orgs service: track records from the claims service's events, statistics from its own.

Each reaction records the event id in the organization's document in the same conditional
update as the change, so a redelivered event is counted once. A resident's erasure request
anonymises the members linked to her account. A claim by a resident (no
``organization_id``) concerns no organization and is acknowledged without change. The
service's own ``orgs.org.*`` events keep the organization statistics (:mod:`services.orgs.statistics`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from services.common.bus import Subscription, UnprocessableEvent
from services.common.event_data import integer, number, optional_text, text
from services.common.events import Event
from services.common.privacy import ERASURE_REQUESTED
from services.orgs.domain import TrackRecord
from services.orgs.handlers import OrgsHandlers
from services.orgs.privacy import PrivacyRequests
from services.orgs.statistics import TALLIED_EVENTS, OrganizationStatistics

__all__ = ["OrgsConsumers"]

Update = Callable[[TrackRecord], TrackRecord]


class OrgsConsumers:
    """Routes each subscribed claims event to its track-record change."""

    def __init__(
        self, handlers: OrgsHandlers, privacy: PrivacyRequests | None = None, statistics: OrganizationStatistics | None = None
    ) -> None:
        self._handlers = handlers
        self._privacy = privacy
        self._statistics = statistics
        self._updates: Mapping[str, Callable[[Mapping[str, Any]], Update]] = {
            "claims.claim.approved.v1": lambda data: _claimed(text(data, "claim_id")),
            "claims.project.completed.v1": lambda data: _completed(text(data, "claim_id")),
            "claims.project.evaluated.v1": lambda data: _evaluated(text(data, "claim_id"), number(data, "score", 0, 100)),
            "claims.project.progress_reported.v1": lambda data: _volunteered(number(data, "volunteer_hours", 0, 100_000)),
            "claims.project.funds_disbursed.v1": lambda data: _funded(text(data, "fund_source"), integer(data, "amount_fen", 1, 10**13)),
        }

    def subscription(self) -> Subscription:
        """The orgs service's durable consumer."""
        privacy = (ERASURE_REQUESTED,) if self._privacy is not None else ()
        statistics = TALLIED_EVENTS if self._statistics is not None else ()
        return Subscription(consumer="orgs", bindings=(*self._updates, *privacy, *statistics), handler=self.handle)

    async def handle(self, event: Event) -> None:
        """Apply the event to its organization's track record (or, an erasure request, to the members she was)."""
        if event.routing_key == ERASURE_REQUESTED and self._privacy is not None:
            await self._privacy.erase_person(text(event.data, "person"), event_id=event.id)
            return
        if event.routing_key in TALLIED_EVENTS and self._statistics is not None:
            await self._statistics.event_seen(event)
            return
        make_update = self._updates.get(event.routing_key)
        if make_update is None:
            raise UnprocessableEvent(f"orgs does not handle {event.type}")
        organization_id = optional_text(event.data, "organization_id")
        if organization_id is None:
            return
        await self._handlers.track(organization_id, make_update(event.data), event_id=event.id)


def _claimed(claim_id: str) -> Update:
    return lambda record: record.claimed(claim_id)


def _completed(claim_id: str) -> Update:
    return lambda record: record.completed(claim_id)


def _evaluated(claim_id: str, score: float) -> Update:
    return lambda record: record.evaluated(claim_id, score)


def _volunteered(hours: float) -> Update:
    return lambda record: record.volunteered(hours)


def _funded(fund_source: str, amount_fen: int) -> Update:
    return lambda record: record.funded(fund_source, amount_fen)
