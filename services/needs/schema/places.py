"""Community, Street and District (owned by orgs), extended here with needs, items and stats.

Roll-ups for streets and districts come from one aggregation over all their communities,
batched per request, never one query per community. Only communities whose needs the caller
may read are counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import strawberry
from strawberry.types import Info

from services.common.graphql.errors import PublicError
from services.common.graphql.pagination import Connection
from services.common.places import CommunityPlace
from services.needs.domain import access
from services.needs.schema.context import Counts, NeedsContext
from services.needs.schema.enums import Category, NeedSort, NeedStatus
from services.needs.schema.inputs import NeedFilter, ServiceItemFilter
from services.needs.schema.lists import list_items, list_needs
from services.needs.schema.types import NeedType, ServiceItemType

__all__ = ["CommunityType", "DistrictType", "NeedCategoryCount", "NeedStats", "NeedStatusCount", "StreetType", "need_stats"]

OPEN_STATUSES = (NeedStatus.SUBMITTED, NeedStatus.UNDER_REVIEW, NeedStatus.ACCEPTED)


@strawberry.type(description="How many needs have one status.")
class NeedStatusCount:
    status: NeedStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many needs have it.")


@strawberry.type(description="How many needs fall in one 五色土 category.")
class NeedCategoryCount:
    category: Category = strawberry.field(description="The category.")
    count: int = strawberry.field(description="How many needs are in it.")


@strawberry.type(description="需求统计 Need statistics of a community, or rolled up for a street or district.")
class NeedStats:
    total: int = strawberry.field(description="All needs.")
    open: int = strawberry.field(description="Needs submitted, under review or accepted (not yet planned).")
    communities: int = strawberry.field(description="How many communities were counted (those you may see).")
    by_status: list[NeedStatusCount] = strawberry.field(description="Counts per status.")
    by_category: list[NeedCategoryCount] = strawberry.field(description="Counts per category.")


def need_stats(counts: Iterable[Counts]) -> NeedStats:
    """Add up per-community counts."""
    statuses: dict[str, int] = {}
    categories: dict[str, int] = {}
    communities = 0
    for community in counts:
        communities += 1
        for status, count in community["status"].items():
            statuses[status] = statuses.get(status, 0) + count
        for category, count in community["category"].items():
            categories[category] = categories.get(category, 0) + count
    return NeedStats(
        total=sum(statuses.values()),
        open=sum(statuses.get(status.value, 0) for status in OPEN_STATUSES),
        communities=communities,
        by_status=[NeedStatusCount(status=status, count=statuses[status.value]) for status in NeedStatus if status.value in statuses],
        by_category=[
            NeedCategoryCount(category=category, count=categories[category.value]) for category in Category if category.value in categories
        ],
    )


async def _rollup(info: Info[NeedsContext, None], places: Sequence[CommunityPlace]) -> NeedStats:
    context = info.context
    principal = context.require_principal()
    visible = [place.community_id for place in places if access.can_see_needs(principal, place.community_id, place.district_id)]
    return need_stats(await context.need_counts_loader.load_many(visible))


@strawberry.federation.type(
    name="Community", keys=["id"], description="社区 A community (owned by the orgs subgraph), with its needs and service items."
)
class CommunityType:
    id: strawberry.ID = strawberry.field(description="Community id.")

    @strawberry.field(description="Needs of this community.")
    async def needs(
        self,
        info: Info[NeedsContext, None],
        filter: NeedFilter | None = None,
        sort: NeedSort = NeedSort.NEWEST,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[NeedType]:
        scoped = NeedFilter.scoped(filter, [self.id])
        return await list_needs(info, scoped, sort, first, after)

    @strawberry.field(description="Service items of this community (drafts only for staff).")
    async def service_items(
        self, info: Info[NeedsContext, None], filter: ServiceItemFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[ServiceItemType]:
        return await list_items(info, ServiceItemFilter.scoped(filter, [self.id]), first, after)

    @strawberry.field(description="需求统计 Needs counted by status and by category.")
    async def need_stats(self, info: Info[NeedsContext, None]) -> NeedStats:
        context = info.context
        if not await context.can_see_needs(context.require_principal(), self.id):
            raise PublicError("you may not read this community's needs", "FORBIDDEN", "id")
        return need_stats([await context.need_counts_loader.load(self.id)])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> CommunityType:
        """Any community id resolves; its fields check access."""
        return cls(id=id)


@strawberry.federation.type(
    name="Street", keys=["id"], description="街道 A street (sub-district), owned by orgs; its communities' needs rolled up."
)
class StreetType:
    id: strawberry.ID = strawberry.field(description="Street id.")

    @strawberry.field(description="需求统计 Needs of the street's communities you may see, rolled up.")
    async def need_stats(self, info: Info[NeedsContext, None]) -> NeedStats:
        return await _rollup(info, await info.context.places.street.load(str(self.id)))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> StreetType:
        """Any street id resolves."""
        return cls(id=id)


@strawberry.federation.type(name="District", keys=["id"], description="区 A district, owned by orgs; its communities' needs rolled up.")
class DistrictType:
    id: strawberry.ID = strawberry.field(description="District id.")

    @strawberry.field(description="需求统计 Needs of the district's communities you may see, rolled up.")
    async def need_stats(self, info: Info[NeedsContext, None]) -> NeedStats:
        return await _rollup(info, await info.context.places.district.load(str(self.id)))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> DistrictType:
        """Any district id resolves."""
        return cls(id=id)
