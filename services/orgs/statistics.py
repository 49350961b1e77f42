"""Use cases of the organization statistics read model: keep it from orgs' own events, rebuild it, read it.

The counters (:mod:`services.orgs.tallies`) follow the ``orgs.org.*`` events the service
publishes from its outbox, so a statistics read never reads the organizations. A district
without counters yet (a new deployment, or records stored before the model existed) is
counted from its records at start-up, or when its first event arrives; a district
administrator may rebuild the district's counters from the records at any time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from services.common.domain import Conflict, NotFound
from services.common.events import Event
from services.common.identity import Principal
from services.orgs.domain import Community, access
from services.orgs.domain.tallies import TallyRow
from services.orgs.store import OrgsStore
from services.orgs.tallies import facts_from_event

__all__ = ["TALLIED_EVENTS", "OrganizationStatistics", "Rebuilt"]

TALLIED_EVENTS = ("orgs.org.registered.v1", "orgs.org.updated.v1", "orgs.org.status_changed.v1")
"""The events that can move the counters (registration, a purpose change, a dissolution or its dates)."""


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild counted."""

    district_id: str
    generation: str
    organizations: int
    communities: int


class OrganizationStatistics:
    """The organization counters of every district."""

    def __init__(self, store: OrgsStore) -> None:
        self.store = store

    async def event_seen(self, event: Event) -> None:
        """Apply an ``orgs.org.*`` event's snapshot (idempotent, order-free by version)."""
        tallied = facts_from_event(event.data)
        if tallied is None:
            return  # published before snapshots carried the facts: the start-up count read the record
        community = (await self.store.communities_by_ids([tallied.facts.community_id])).get(tallied.facts.community_id)
        if community is None:
            return
        if not await self.store.tallies.apply(community.district_id, tallied):
            with contextlib.suppress(Conflict):  # a rebuild is running; it reads the record after it started
                await self._rebuild(community.district_id)
            await self.store.tallies.apply(community.district_id, tallied)

    async def build_missing(self) -> int:
        """At start-up: count every district that has no counters yet (or whose first count never finished) from its records; how many."""
        districts = [district.id for district in await self.store.all_districts()]
        pointers = await self.store.tallies.pointers(districts)
        built = 0
        for district_id in districts:
            if pointers.get(district_id, {}).get("current"):
                continue  # counted (a first count that never finished is started again)
            try:
                await self._rebuild(district_id)
            except Conflict:
                continue
            built += 1
        return built

    async def rebuild(self, principal: Principal, district_id: str) -> Rebuilt:
        """A district administrator recounts the district's organizations into a fresh generation, switched atomically."""
        access.require_district_admin(principal, district_id)
        if not await self.store.districts_by_ids([district_id]):
            raise NotFound("no such district", field="districtId")
        return await self._rebuild(district_id)

    async def _rebuild(self, district_id: str) -> Rebuilt:
        community_ids = [community.id for community in await self.store.communities_of(district_ids=[district_id])]
        generation, counted = await self.store.tallies.rebuild(district_id, community_ids, lambda: self.store.tallied(community_ids))
        return Rebuilt(district_id, generation, counted, len(community_ids))

    async def rows(self, communities: Sequence[Community], part: str) -> dict[str, TallyRow]:
        """Community id → its counters, ``part`` of them (see :meth:`OrganizationTallies.rows`; absent: none counted there)."""
        return await self.store.tallies.rows([(community.id, community.district_id) for community in communities], part)
