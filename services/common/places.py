"""The places read model: which street and district each community belongs to.

The orgs service owns District → Street → Community and announces each community with
``orgs.community.registered.v1``; every other service keeps this small local copy so that
district roll-ups and district administrators' access never need a synchronous call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.common.domain import NotFound
from services.common.event_data import optional_text, text
from services.common.events import Event
from services.common.store import Collection, DuplicateKey, Index
from services.common.store.aggregate import HANDLED_EVENTS

__all__ = ["COMMUNITY_REGISTERED", "CommunityPlace", "PlacesReadModel", "district_scope", "in_streets_or_districts", "street_scope"]

COMMUNITY_REGISTERED = "orgs.community.registered.v1"


@dataclass(frozen=True, slots=True)
class CommunityPlace:
    """Where a community sits."""

    community_id: str
    name: str
    street_id: str | None
    district_id: str | None


class PlacesReadModel:
    """Communities as announced by orgs, kept in one collection of this service's database."""

    INDEXES = (Index((("street_id", 1),)), Index((("district_id", 1),)))

    def __init__(self, collection: Collection) -> None:
        self._collection = collection

    async def create_indexes(self) -> None:
        """Declared indexes."""
        await self._collection.create_indexes(self.INDEXES)

    async def on_community_registered(self, event: Event) -> None:
        """The reaction to ``orgs.community.registered.v1`` (idempotent)."""
        data = event.data
        place = CommunityPlace(
            text(data, "community_id"), str(data.get("name", "")), optional_text(data, "street_id"), optional_text(data, "district_id")
        )
        await self.record(place, event.id)

    async def record(self, place: CommunityPlace, event_id: str) -> bool:
        """Upsert from a registration event; False if that event was already handled."""
        try:
            outcome = await self._collection.update_one(
                {"_id": place.community_id, HANDLED_EVENTS: {"$ne": event_id}},
                {
                    "$set": {"name": place.name, "street_id": place.street_id, "district_id": place.district_id},
                    "$push": {HANDLED_EVENTS: event_id},
                },
                upsert=True,
            )
        except DuplicateKey:
            return False
        return outcome.matched > 0 or outcome.upserted_id is not None

    async def places(self, community_ids: Iterable[str]) -> dict[str, CommunityPlace]:
        """Known communities among ``community_ids``."""
        documents = await self._collection.find({"_id": {"$in": list(community_ids)}})
        return {document["_id"]: _place(document) for document in documents}

    async def communities_in(self, *, street_ids: Sequence[str] = (), district_ids: Sequence[str] = ()) -> list[CommunityPlace]:
        """Communities of the given streets or districts."""
        filter = in_streets_or_districts(street_ids, district_ids)
        if filter is None:
            return []
        documents = await self._collection.find(filter, sort=[("_id", 1)])
        return [_place(document) for document in documents]

    async def require(self, community_id: str, *, field: str = "communityId") -> CommunityPlace:
        """The community, or :class:`NotFound` naming ``field``: no write goes into a community orgs never announced."""
        place = (await self.places([community_id])).get(community_id)
        if place is None:
            raise NotFound("no such community", field=field)
        return place

    async def require_all(self, community_ids: Sequence[str], *, field: str) -> dict[str, CommunityPlace]:
        """Every one of the communities, or :class:`NotFound` naming ``field.<index>`` of the first unknown one."""
        known = await self.places(community_ids)
        for index, community_id in enumerate(community_ids):
            if community_id not in known:
                raise NotFound("no such community", field=f"{field}.{index}")
        return known

    async def rollup_scopes(self, community_id: str) -> list[str] | None:
        """The statistics scopes the community's counters roll up into (its street's and its district's), or None
        while orgs has not announced the community (its moves then count for the community alone)."""
        place = (await self.places([community_id])).get(community_id)
        if place is None:
            return None
        return [
            *([street_scope(place.street_id)] if place.street_id else []),
            *([district_scope(place.district_id)] if place.district_id else []),
        ]

    async def district_of(self, community_id: str) -> str | None:
        """The community's district, or None until orgs announced the community."""
        place = (await self.places([community_id])).get(community_id)
        return place.district_id if place else None


def street_scope(street_id: str) -> str:
    """The key of a street's rollup in statistics counters (in place of a community id)."""
    return f"street:{street_id}"


def district_scope(district_id: str) -> str:
    """The key of a district's rollup in statistics counters (in place of a community id)."""
    return f"district:{district_id}"


def in_streets_or_districts(street_ids: Sequence[str], district_ids: Sequence[str]) -> dict[str, Any] | None:
    """The filter for communities (documents with ``street_id`` / ``district_id``) in any of these; None if none asked."""
    clauses: list[dict[str, Any]] = []
    if street_ids:
        clauses.append({"street_id": {"$in": list(street_ids)}})
    if district_ids:
        clauses.append({"district_id": {"$in": list(district_ids)}})
    return {"$or": clauses} if clauses else None


def _place(document: Mapping[str, Any]) -> CommunityPlace:
    return CommunityPlace(document["_id"], document.get("name", ""), document.get("street_id"), document.get("district_id"))
