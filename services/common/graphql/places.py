"""Per-request DataLoaders over the places read model, for services that roll up by place."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from services.common.grouping import grouped
from services.common.places import CommunityPlace, PlacesReadModel
from services.common.tracing import traced_batch

__all__ = ["PlaceLoaders"]


class PlaceLoaders:
    """Community → place, street → communities, district → communities; each batched per request."""

    def __init__(self, places: PlacesReadModel) -> None:
        async def by_community(ids: Sequence[str]) -> list[CommunityPlace | None]:
            found = await places.places(ids)
            return [found.get(community_id) for community_id in ids]

        async def by_street(ids: Sequence[str]) -> list[list[CommunityPlace]]:
            found = await places.communities_in(street_ids=ids)
            return grouped(found, ids, lambda place: place.street_id)

        async def by_district(ids: Sequence[str]) -> list[list[CommunityPlace]]:
            found = await places.communities_in(district_ids=ids)
            return grouped(found, ids, lambda place: place.district_id)

        self.community: DataLoader[str, CommunityPlace | None] = DataLoader(load_fn=traced_batch("places by community", by_community))
        self.street: DataLoader[str, list[CommunityPlace]] = DataLoader(load_fn=traced_batch("places by street", by_street))
        self.district: DataLoader[str, list[CommunityPlace]] = DataLoader(load_fn=traced_batch("places by district", by_district))

    async def district_of(self, community_id: str) -> str | None:
        """The community's district, or None until orgs announced it."""
        place = await self.community.load(community_id)
        return place.district_id if place else None
