"""The places read model: which street and district each community belongs to.

The orgs service owns District → Street → Community and announces each community with
``orgs.community.registered.v1``; every other service keeps this small local copy so that
district roll-ups and district administrators' access never need a synchronous call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.common.domain import NotFound
from services.common.event_data import optional_text, text
from services.common.events import Event
from services.common.store import DuplicateKey, Index
from services.common.store.aggregate import HANDLED_EVENTS
from services.common.store.stamped import StampedCollection

__all__ = [
    "COMMUNITY_REGISTERED",
    "CommunityPlace",
    "PlaceIndex",
    "PlacesReadModel",
    "district_scope",
    "in_streets_or_districts",
    "street_scope",
]

COMMUNITY_REGISTERED = "orgs.community.registered.v1"


@dataclass(frozen=True, slots=True)
class CommunityPlace:
    """Where a community sits."""

    community_id: str
    name: str
    street_id: str | None
    district_id: str | None


@dataclass(frozen=True, slots=True)
class PlaceIndex:
    """Every community of the read model, by id, by street and by district (each list in id order).

    A district's views ask where its 500 communities sit on every request; the read model changes
    only when orgs registers or moves a community. So the whole model is read once per change (its
    collection's stamp) into this immutable index, shared by every request of the process.
    """

    by_id: Mapping[str, CommunityPlace]
    by_street: Mapping[str, tuple[CommunityPlace, ...]] = field(default_factory=dict)
    by_district: Mapping[str, tuple[CommunityPlace, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, places: Iterable[CommunityPlace]) -> PlaceIndex:
        """The index of ``places``."""
        ordered = sorted(places, key=lambda place: place.community_id)
        by_street: dict[str, list[CommunityPlace]] = {}
        by_district: dict[str, list[CommunityPlace]] = {}
        for place in ordered:
            if place.street_id is not None:
                by_street.setdefault(place.street_id, []).append(place)
            if place.district_id is not None:
                by_district.setdefault(place.district_id, []).append(place)
        return cls(
            {place.community_id: place for place in ordered},
            {key: tuple(found) for key, found in by_street.items()},
            {key: tuple(found) for key, found in by_district.items()},
        )

    def places(self, community_ids: Iterable[str]) -> dict[str, CommunityPlace]:
        """Known communities among ``community_ids``."""
        by_id = self.by_id
        return {community_id: by_id[community_id] for community_id in community_ids if community_id in by_id}

    def district_of(self, community_id: str) -> str | None:
        """The community's district, or None until orgs announced the community."""
        place = self.by_id.get(community_id)
        return place.district_id if place is not None else None

    def communities_in(self, *, street_ids: Sequence[str] = (), district_ids: Sequence[str] = ()) -> list[CommunityPlace]:
        """Communities of the given streets or districts, in id order."""
        if len(street_ids) + len(district_ids) == 1:
            return list(self.by_street.get(street_ids[0], ()) if street_ids else self.by_district.get(district_ids[0], ()))
        found = {place.community_id: place for key in street_ids for place in self.by_street.get(key, ())}
        found |= {place.community_id: place for key in district_ids for place in self.by_district.get(key, ())}
        return [found[community_id] for community_id in sorted(found)]


class PlacesReadModel:
    """Communities as announced by orgs, kept in one (stamped) collection of this service's database; read
    through a :class:`PlaceIndex` computed once per change of the collection."""

    INDEXES = (Index((("street_id", 1),)), Index((("district_id", 1),)))

    def __init__(self, collection: StampedCollection) -> None:
        self._collection = collection

    async def index(self) -> PlaceIndex:
        """Every community, indexed; one stamp lookup while nothing changed (shared: never change it)."""
        return await self._collection.memo("places", self._read_index)

    async def _read_index(self) -> PlaceIndex:
        return PlaceIndex.of(_place(document) for document in await self._collection.inner.find({}))

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
        return (await self.index()).places(community_ids)

    async def communities_in(self, *, street_ids: Sequence[str] = (), district_ids: Sequence[str] = ()) -> list[CommunityPlace]:
        """Communities of the given streets or districts."""
        if not street_ids and not district_ids:
            return []
        return (await self.index()).communities_in(street_ids=street_ids, district_ids=district_ids)

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
        return (await self.index()).district_of(community_id)


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
