"""Per-request lookups in the places read model, for services that roll up by place."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from services.common.graphql.context import communities_in_scope
from services.common.identity import Principal
from services.common.places import CommunityPlace, PlaceIndex, PlacesReadModel

__all__ = ["PlaceLoaders"]


class PlaceLoaders:
    """Community → place, street → communities, district → communities, from one :class:`PlaceIndex` per request.

    The index is the read model as of the request's first lookup (read once per change of the model,
    shared by the process's requests), so a request sees one consistent set of places and each lookup
    after the first is a dictionary access: a district-wide list asks for 500 communities' districts
    without 500 loads.
    """

    def __init__(self, places: PlacesReadModel) -> None:
        self._places = places
        self._index: PlaceIndex | None = None

    async def index(self) -> PlaceIndex:
        """The places as this request sees them."""
        if self._index is None:
            self._index = await self._places.index()
        return self._index

    async def community(self, community_id: str) -> CommunityPlace | None:
        """Where the community sits, or None until orgs announced it."""
        return (await self.index()).by_id.get(community_id)

    async def street(self, street_id: str) -> list[CommunityPlace]:
        """The street's communities, in id order."""
        return list((await self.index()).by_street.get(street_id, ()))

    async def district(self, district_id: str) -> list[CommunityPlace]:
        """The district's communities, in id order."""
        return list((await self.index()).by_district.get(district_id, ()))

    async def district_of(self, community_id: str) -> str | None:
        """The community's district, or None until orgs announced it."""
        return (await self.index()).district_of(community_id)

    async def districts_of(self, community_ids: Sequence[str]) -> list[str | None]:
        """Each community's district (None where orgs has not announced it), in order."""
        index = await self.index()
        return [index.district_of(community_id) for community_id in community_ids]

    async def scope(self, principal: Principal, requested: Sequence[str] | None, may_read: Callable[[str, str | None], bool]) -> list[str]:
        """The communities a list covers (see :func:`communities_in_scope`), decided from this request's places;
        ``may_read(community, its district)``."""

        async def of_districts(district_ids: list[str]) -> list[str]:
            return [place.community_id for place in (await self.index()).communities_in(district_ids=district_ids)]

        return await communities_in_scope(principal, requested, of_districts, self.districts_of, may_read)
