"""District (区) → Street (街道) → Community (社区), owned here, with organization statistics.

Statistics for a street or district come from the organization counters of their communities
(:mod:`services.orgs.tallies`, kept from orgs' own events; batched per request by a DataLoader),
never from the organizations themselves; only communities the caller belongs to (or
administers) are counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import strawberry
from strawberry.types import Info

from services.common.domain import local_date
from services.common.graphql.errors import PublicError
from services.common.graphql.pagination import Connection
from services.orgs.domain import Community, District, OrganizationCount, Street
from services.orgs.domain.tallies import TallyRow, count_from_tallies, count_now, counts_per_year_from_tallies
from services.orgs.schema.context import OrgsContext
from services.orgs.schema.enums import OrganizationKind, Purpose
from services.orgs.schema.inputs import OrganizationFilter
from services.orgs.schema.lists import list_organizations
from services.orgs.schema.organization import OrganizationType

__all__ = ["CommunityType", "DistrictType", "OrganizationStats", "StreetType"]

MAX_YEARS = 60


@strawberry.type(description="How many organizations are of one kind.")
class KindCount:
    kind: OrganizationKind = strawberry.field(description="The kind.")
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="How many organizations have one purpose.")
class PurposeCount:
    purpose: Purpose = strawberry.field(description="The purpose.")
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="组织统计 Organizations alive on a day (founded by then, not yet dissolved), by kind and purpose.")
class OrganizationStats:
    as_of: date = strawberry.field(description="The day counted.")
    total: int = strawberry.field(description="How many organizations.")
    communities: int = strawberry.field(description="How many communities were counted (those you may see).")
    by_kind: list[KindCount] = strawberry.field(description="Per kind.")
    by_purpose: list[PurposeCount] = strawberry.field(description="Per purpose.")

    @classmethod
    def of(cls, count: OrganizationCount, communities: int) -> OrganizationStats:
        """From a domain count."""
        return cls(
            as_of=count.as_of,
            total=count.total,
            communities=communities,
            by_kind=[KindCount(kind=kind, count=count.by_kind[kind]) for kind in OrganizationKind if kind in count.by_kind],
            by_purpose=[
                PurposeCount(purpose=purpose, count=count.by_purpose[purpose]) for purpose in Purpose if purpose in count.by_purpose
            ],
        )


def _visible(info: Info[OrgsContext, None], communities: Sequence[Community]) -> list[Community]:
    principal = info.context.require_principal()
    return [community for community in communities if principal.belongs_to(community.id, community.district_id)]


async def _rows(info: Info[OrgsContext, None], communities: Sequence[Community], part: str) -> list[TallyRow]:
    """The counters of the communities, ``part`` of them (the read model kept from orgs' events; two queries per request)."""
    return [row for row in await info.context.tallies.load_many([(community, part) for community in communities]) if row is not None]


async def _stats_as_of(info: Info[OrgsContext, None], communities: Sequence[Community], as_of: date | None) -> OrganizationStats:
    visible = _visible(info, communities)
    today = local_date(datetime.now(UTC))

    async def count() -> OrganizationStats:
        if as_of is None or as_of >= today:  # no founding or dissolution is recorded ahead of today
            counted = count_now(await _rows(info, visible, "all"), as_of or today)
        else:
            counted = count_from_tallies(await _rows(info, visible, f"{as_of.year:04d}"), as_of)
        return OrganizationStats.of(counted, len(visible))

    key = ("as_of", tuple(community.id for community in visible), as_of, today)
    return await info.context.store.tallies.collection.memo(key, count)  # once per change of the counters


async def _stats_per_year(
    info: Info[OrgsContext, None], communities: Sequence[Community], from_year: int, to_year: int
) -> list[OrganizationStats]:
    if not 1900 <= from_year <= to_year <= 2200 or to_year - from_year >= MAX_YEARS:
        raise PublicError(f"give fromYear ≤ toYear, at most {MAX_YEARS} years", "INVALID_INPUT", "fromYear")
    visible = _visible(info, communities)

    async def count() -> list[OrganizationStats]:
        counts = counts_per_year_from_tallies(await _rows(info, visible, "net"), from_year, to_year)
        return [OrganizationStats.of(counted, len(visible)) for counted in counts]

    key = ("per_year", tuple(community.id for community in visible), from_year, to_year)
    return await info.context.store.tallies.collection.memo(key, count)  # once per change of the counters


@strawberry.federation.type(
    name="Community", keys=["id"], description="社区 A community: every record of the platform belongs to exactly one."
)
class CommunityType:
    id: strawberry.ID = strawberry.field(description="Community id (a readable slug, e.g. community-zuoanpuyuan).")
    name: str = strawberry.field(description="Name, e.g. 左安浦园社区.")
    address: str = strawberry.field(description="Address.")
    _community: strawberry.Private[Community]

    @classmethod
    def from_domain(cls, community: Community) -> CommunityType:
        """From the domain record."""
        return cls(id=strawberry.ID(community.id), name=community.name, address=community.address, _community=community)

    @strawberry.field(description="Its street (街道).")
    async def street(self, info: Info[OrgsContext, None]) -> StreetType | None:
        street = await info.context.streets.load(self._community.street_id)
        return StreetType.from_domain(street) if street else None

    @strawberry.field(description="Its district (区).")
    async def district(self, info: Info[OrgsContext, None]) -> DistrictType | None:
        district = await info.context.districts.load(self._community.district_id)
        return DistrictType.from_domain(district) if district else None

    @strawberry.field(description="Organizations of (or serving) this community, by name.")
    async def organizations(
        self, info: Info[OrgsContext, None], filter: OrganizationFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[OrganizationType]:
        return await list_organizations(info, OrganizationFilter.scoped(filter, [self.id]), first, after)

    @strawberry.field(description="Staff: organizations asking to serve this community, to accept or decline (by name).")
    async def service_requests(
        self, info: Info[OrgsContext, None], first: int = 20, after: str | None = None
    ) -> Connection[OrganizationType]:
        from services.orgs.schema.service_links import service_requests

        return await service_requests(info, self._community.id, first, after)

    @strawberry.field(description="组织统计 Organizations alive on `asOf` (default today), by kind and purpose.")
    async def organization_stats(self, info: Info[OrgsContext, None], as_of: date | None = None) -> OrganizationStats:
        await self._require_member(info)
        return await _stats_as_of(info, [self._community], as_of)

    @strawberry.field(description="Organizations alive at the end of each year, e.g. 4 in 2008, 11 in 2015, 17 in 2019 for 左安浦园.")
    async def organizations_by_year(self, info: Info[OrgsContext, None], from_year: int, to_year: int) -> list[OrganizationStats]:
        await self._require_member(info)
        return await _stats_per_year(info, [self._community], from_year, to_year)

    async def _require_member(self, info: Info[OrgsContext, None]) -> None:
        principal = info.context.require_principal()
        if not principal.belongs_to(self._community.id, self._community.district_id):
            raise PublicError("you may not read this community's statistics", "FORBIDDEN", "id")

    @classmethod
    async def resolve_reference(cls, info: Info[OrgsContext, None], id: strawberry.ID) -> CommunityType | None:
        """Federation entity resolution, batched."""
        community = await info.context.communities.load(str(id))
        return cls.from_domain(community) if community else None


@strawberry.federation.type(name="Street", keys=["id"], description="街道 A street (sub-district) of a district.")
class StreetType:
    id: strawberry.ID = strawberry.field(description="Street id.")
    name: str = strawberry.field(description="Name, e.g. 龙潭街道.")
    _street: strawberry.Private[Street]

    @classmethod
    def from_domain(cls, street: Street) -> StreetType:
        """From the domain record."""
        return cls(id=strawberry.ID(street.id), name=street.name, _street=street)

    @strawberry.field(description="Its district.")
    async def district(self, info: Info[OrgsContext, None]) -> DistrictType | None:
        district = await info.context.districts.load(self._street.district_id)
        return DistrictType.from_domain(district) if district else None

    @strawberry.field(description="Its communities, by name.")
    async def communities(self, info: Info[OrgsContext, None]) -> list[CommunityType]:
        return [CommunityType.from_domain(c) for c in await info.context.communities_of_street.load(self._street.id)]

    @strawberry.field(description="组织统计 rolled up over the street's communities you may see.")
    async def organization_stats(self, info: Info[OrgsContext, None], as_of: date | None = None) -> OrganizationStats:
        return await _stats_as_of(info, await info.context.communities_of_street.load(self._street.id), as_of)

    @strawberry.field(description="Organizations per year, rolled up over the street's communities you may see.")
    async def organizations_by_year(self, info: Info[OrgsContext, None], from_year: int, to_year: int) -> list[OrganizationStats]:
        return await _stats_per_year(info, await info.context.communities_of_street.load(self._street.id), from_year, to_year)

    @classmethod
    async def resolve_reference(cls, info: Info[OrgsContext, None], id: strawberry.ID) -> StreetType | None:
        """Federation entity resolution, batched."""
        street = await info.context.streets.load(str(id))
        return cls.from_domain(street) if street else None


@strawberry.federation.type(
    name="District", keys=["id"], description="区 A district: it runs the platform for its streets and communities."
)
class DistrictType:
    id: strawberry.ID = strawberry.field(description="District id.")
    name: str = strawberry.field(description="Name.")
    _district: strawberry.Private[District]

    @classmethod
    def from_domain(cls, district: District) -> DistrictType:
        """From the domain record."""
        return cls(id=strawberry.ID(district.id), name=district.name, _district=district)

    @strawberry.field(
        description="Days residents' personal data is kept before it is anonymised (0: until erased); null: the platform's default."
    )
    def retention_days(self) -> int | None:
        return self._district.retention_days

    @strawberry.field(description="Its streets, by name.")
    async def streets(self, info: Info[OrgsContext, None]) -> list[StreetType]:
        return [StreetType.from_domain(s) for s in await info.context.streets_of_district.load(self._district.id)]

    @strawberry.field(description="All its communities, by name.")
    async def communities(self, info: Info[OrgsContext, None]) -> list[CommunityType]:
        return [CommunityType.from_domain(c) for c in await info.context.communities_of_district.load(self._district.id)]

    @strawberry.field(description="组织统计 rolled up over the district's communities you may see.")
    async def organization_stats(self, info: Info[OrgsContext, None], as_of: date | None = None) -> OrganizationStats:
        return await _stats_as_of(info, await info.context.communities_of_district.load(self._district.id), as_of)

    @strawberry.field(description="Organizations per year, rolled up over the district's communities you may see.")
    async def organizations_by_year(self, info: Info[OrgsContext, None], from_year: int, to_year: int) -> list[OrganizationStats]:
        return await _stats_per_year(info, await info.context.communities_of_district.load(self._district.id), from_year, to_year)

    @classmethod
    async def resolve_reference(cls, info: Info[OrgsContext, None], id: strawberry.ID) -> DistrictType | None:
        """Federation entity resolution, batched."""
        district = await info.context.districts.load(str(id))
        return cls.from_domain(district) if district else None
