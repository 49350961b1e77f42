"""The orgs service's per-request context: the caller, the handlers, and DataLoaders."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from services.common.graphql.context import RequestContext
from services.common.grouping import grouped
from services.common.identity import Principal
from services.common.tracing import traced_batch
from services.orgs.applications import Applications
from services.orgs.domain import Community, District, Organization, Street, access
from services.orgs.domain.service_links import requested_ids
from services.orgs.domain.tallies import TallyRow
from services.orgs.handlers import OrgsHandlers
from services.orgs.privacy import PrivacyRequests
from services.orgs.statistics import OrganizationStatistics
from services.orgs.store import OrgsStore

__all__ = ["OrgsContext"]


@dataclass
class OrgsContext(RequestContext):
    """Everything a resolver needs, made fresh for each request."""

    handlers: OrgsHandlers | None = None
    applications: Applications | None = None
    privacy: PrivacyRequests | None = None
    statistics: OrganizationStatistics | None = None
    organizations: DataLoader[str, Organization | None] = field(init=False)
    communities: DataLoader[str, Community | None] = field(init=False)
    streets: DataLoader[str, Street | None] = field(init=False)
    districts: DataLoader[str, District | None] = field(init=False)
    streets_of_district: DataLoader[str, list[Street]] = field(init=False)
    communities_of_street: DataLoader[str, list[Community]] = field(init=False)
    communities_of_district: DataLoader[str, list[Community]] = field(init=False)
    tallies: DataLoader[tuple[Community, str], TallyRow | None] = field(init=False)

    def __post_init__(self) -> None:
        store = self.store

        async def organizations(ids: Sequence[str]) -> list[Organization | None]:
            found = await store.organizations_by_ids(ids)
            return [found.get(key) for key in ids]

        async def communities(ids: Sequence[str]) -> list[Community | None]:
            found = await store.communities_by_ids(ids)
            return [found.get(key) for key in ids]

        async def streets(ids: Sequence[str]) -> list[Street | None]:
            found = await store.streets_by_ids(ids)
            return [found.get(key) for key in ids]

        async def districts(ids: Sequence[str]) -> list[District | None]:
            found = await store.districts_by_ids(ids)
            return [found.get(key) for key in ids]

        async def streets_of_district(ids: Sequence[str]) -> list[list[Street]]:
            found = await store.streets_of(ids)
            return grouped(found, ids, lambda street: street.district_id)

        async def communities_of_street(ids: Sequence[str]) -> list[list[Community]]:
            found = await store.communities_of(street_ids=ids)
            return grouped(found, ids, lambda community: community.street_id)

        async def communities_of_district(ids: Sequence[str]) -> list[list[Community]]:
            found = await store.communities_of(district_ids=ids)
            return grouped(found, ids, lambda community: community.district_id)

        async def tallies(keys: Sequence[tuple[Community, str]]) -> list[TallyRow | None]:
            assert self.statistics is not None
            found: dict[str, dict[str, TallyRow]] = {}
            for part in dict.fromkeys(part for _, part in keys):
                found[part] = await self.statistics.rows([community for community, wanted in keys if wanted == part], part)
            return [found[part].get(community.id) for community, part in keys]

        self.organizations = DataLoader(load_fn=traced_batch("organizations", organizations))
        self.communities = DataLoader(load_fn=traced_batch("communities", communities))
        self.streets = DataLoader(load_fn=traced_batch("streets", streets))
        self.districts = DataLoader(load_fn=traced_batch("districts", districts))
        self.streets_of_district = DataLoader(load_fn=traced_batch("streets of district", streets_of_district))
        self.communities_of_street = DataLoader(load_fn=traced_batch("communities of street", communities_of_street))
        self.communities_of_district = DataLoader(load_fn=traced_batch("communities of district", communities_of_district))
        self.tallies = DataLoader(load_fn=traced_batch("organization tallies", tallies), cache_key_fn=lambda key: (key[0].id, key[1]))

    @property
    def store(self) -> OrgsStore:
        """The service's store."""
        assert self.handlers is not None
        return self.handlers.store

    @property
    def use_cases(self) -> OrgsHandlers:
        """The service's handlers."""
        assert self.handlers is not None
        return self.handlers

    async def district_of(self, community_id: str) -> str | None:
        """The community's district, batched per request."""
        community = await self.communities.load(community_id)
        return community.district_id if community else None

    async def belongs_to(self, principal: Principal, community_id: str) -> bool:
        """Member of the community, or administrator of its district."""
        return principal.belongs_to(community_id, await self.district_of(community_id))

    async def is_staff(self, principal: Principal, community_id: str) -> bool:
        """Staff of the community, or administrator of its district."""
        return access.is_staff(principal, community_id, await self.district_of(community_id))

    async def visible_organization(self, organization_id: str) -> Organization | None:
        """The organization if it exists and the caller may see it."""
        organization = await self.organizations.load(organization_id)
        if organization is None:
            return None
        principal = self.require_principal()
        served, requested = organization.profile.served_community_ids, requested_ids(organization.service_links)
        districts = await asyncio.gather(*(self.district_of(community_id) for community_id in (*served, *requested)))
        pairs = list(zip((*served, *requested), districts, strict=True))
        return organization if access.can_see_organization(principal, pairs[: len(served)], pairs[len(served) :]) else None
