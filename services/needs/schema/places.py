"""Community, Street and District (owned by orgs), extended here with needs, items and stats.

Roll-ups for streets and districts: a caller who may read every community of the street or district
(its district's administrator) reads the scope's rollup counters, O(buckets); anyone else gets the sum
of the communities she may read (batched per request, never one query per community), so tenancy stays
exact: a rollup is never shown to a caller who may not see all it counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import strawberry
from strawberry.types import Info

from services.common.domain import DomainError
from services.common.graphql.errors import PublicError, public_error
from services.common.graphql.pagination import Connection
from services.common.graphql.period import PeriodInput, bounds
from services.common.graphql.scalars import Fen
from services.common.places import CommunityPlace, district_scope, street_scope
from services.needs.domain import access
from services.needs.schema.context import Counts, NeedsContext
from services.needs.schema.enums import Category, FundSource, NeedSort, NeedStatus
from services.needs.schema.inputs import NeedFilter, ServiceItemFilter
from services.needs.schema.lists import list_items, list_needs
from services.needs.schema.types import NeedType, ServiceItemType

__all__ = ["CommunityType", "DistrictType", "NeedCategoryCount", "NeedStats", "NeedStatusCount", "StreetType", "need_stats"]

OPEN_STATUSES = (NeedStatus.SUBMITTED, NeedStatus.UNDER_REVIEW, NeedStatus.ACCEPTED)
CLOSED_STATUSES = (NeedStatus.RESOLVED, NeedStatus.REJECTED, NeedStatus.MERGED, NeedStatus.WITHDRAWN)


@strawberry.type(description="How many needs have one status.")
class NeedStatusCount:
    status: NeedStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many needs have it.")


@strawberry.type(description="How many needs fall in one 五色土 category: all, open, planned, closed.")
class NeedCategoryCount:
    category: Category = strawberry.field(description="The category.")
    count: int = strawberry.field(description="How many needs are in it (every status).")
    open: int = strawberry.field(description="Of them submitted, under review or accepted (not yet planned).")
    planned: int = strawberry.field(description="Of them planned (an item is being made or carried out).")
    closed: int = strawberry.field(description="Of them resolved, rejected, merged or withdrawn.")


@strawberry.type(description="Fen planned per fund source.")
class PlannedBySource:
    fund_source: FundSource = strawberry.field(description="The fund.")
    amount_fen: Fen = strawberry.field(description="Fen planned in published items.")


@strawberry.type(description="Fen planned per 五色土 category.")
class PlannedByCategory:
    category: Category = strawberry.field(description="The category.")
    amount_fen: Fen = strawberry.field(description="Fen planned in published items of the category.")


@strawberry.type(
    description="需求统计 Need statistics of a community, or rolled up for a street or district: every status, category and fund source listed, zero included."
)
class NeedStats:
    total: int = strawberry.field(description="All needs.")
    open: int = strawberry.field(description="Needs submitted, under review or accepted (not yet planned).")
    communities: int = strawberry.field(description="How many communities were counted (those you may see).")
    by_status: list[NeedStatusCount] = strawberry.field(description="Counts per status (every status, zero included).")
    by_category: list[NeedCategoryCount] = strawberry.field(description="Counts per category, open and closed apart (every category).")
    planned_fen: Fen = strawberry.field(description="Fen planned in the budgets of published items (not drafts or cancelled ones).")
    planned_by_source: list[PlannedBySource] = strawberry.field(description="Planned fen per fund source (every source).")
    planned_by_category: list[PlannedByCategory] = strawberry.field(description="Planned fen per category (every category).")


def need_stats(counts: Iterable[Counts], budgets: Iterable[dict[str, int]] = (), *, communities: int | None = None) -> NeedStats:
    """Add up per-community counts and planned budgets, listing every bucket (``communities``: how many communities
    they count, if not one per entry of ``counts``, as for a rollup)."""
    statuses: dict[str, int] = {}
    pairs: dict[str, int] = {}
    entries = 0
    for community in counts:
        entries += 1
        for status, count in community["status"].items():
            statuses[status] = statuses.get(status, 0) + count
        for pair, count in community.get("category_status", {}).items():
            pairs[pair] = pairs.get(pair, 0) + count
    planned: dict[str, int] = {}
    for community_budgets in budgets:
        for pair, fen in community_budgets.items():
            planned[pair] = planned.get(pair, 0) + fen

    def of(category: Category, statuses: Iterable[NeedStatus]) -> int:
        return sum(pairs.get(f"{category.value}/{status.value}", 0) for status in statuses)

    return NeedStats(
        total=sum(statuses.values()),
        open=sum(statuses.get(status.value, 0) for status in OPEN_STATUSES),
        communities=entries if communities is None else communities,
        by_status=[NeedStatusCount(status=status, count=statuses.get(status.value, 0)) for status in NeedStatus],
        by_category=[
            NeedCategoryCount(
                category=category,
                count=of(category, NeedStatus),
                open=of(category, OPEN_STATUSES),
                planned=of(category, (NeedStatus.PLANNED,)),
                closed=of(category, CLOSED_STATUSES),
            )
            for category in Category
        ],
        planned_fen=Fen(sum(planned.values())),
        planned_by_source=[
            PlannedBySource(fund_source=source, amount_fen=Fen(sum(f for k, f in planned.items() if k.endswith(f"/{source.value}"))))
            for source in FundSource
        ],
        planned_by_category=[
            PlannedByCategory(category=category, amount_fen=Fen(sum(f for k, f in planned.items() if k.startswith(f"{category.value}/"))))
            for category in Category
        ],
    )


async def _stats(info: Info[NeedsContext, None], community_ids: Sequence[str], period: PeriodInput | None) -> NeedStats:
    context = info.context
    try:
        span = bounds(period)
    except DomainError as error:
        raise public_error(error) from error
    keys = [(community_id, span) for community_id in community_ids]
    return need_stats(await context.need_counts_loader.load_many(keys), await context.budgets_loader.load_many(keys))


async def _rollup(info: Info[NeedsContext, None], scope: str, places: Sequence[CommunityPlace], period: PeriodInput | None) -> NeedStats:
    """A street's or district's figures: its rollup ``scope`` if the caller may read every one of its communities
    (and the rollup covers them all), else the sum of the communities she may read."""
    principal = info.context.require_principal()
    visible = [place.community_id for place in places if access.can_see_needs(principal, place.community_id, place.district_id)]
    if visible and len(visible) == len(places):
        try:
            span = bounds(period)
        except DomainError as error:
            raise public_error(error) from error

        async def rolled_up() -> NeedStats | None:
            rollup = await info.context.store.tallies.rollup_counts(scope, visible, span)
            return None if rollup is None else need_stats([rollup[0]], [rollup[1]], communities=len(visible))

        figures = await info.context.store.tallies.store.memo(("rollup", scope, tuple(visible), span), rolled_up)
        if figures is not None:
            return figures  # computed once per change of the counters
    return await _stats(info, visible, period)


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

    @strawberry.field(description="需求统计 Needs counted by status and by category (submitted in the period, if given).")
    async def need_stats(self, info: Info[NeedsContext, None], period: PeriodInput | None = None) -> NeedStats:
        context = info.context
        if not await context.can_see_needs(context.require_principal(), self.id):
            raise PublicError("you may not read this community's needs", "FORBIDDEN", "id")
        return await _stats(info, [str(self.id)], period)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> CommunityType:
        """Any community id resolves; its fields check access."""
        return cls(id=id)


@strawberry.federation.type(
    name="Street", keys=["id"], description="街道 A street (sub-district), owned by orgs; its communities' needs rolled up."
)
class StreetType:
    id: strawberry.ID = strawberry.field(description="Street id.")

    @strawberry.field(description="需求统计 Needs of the street's communities you may see, rolled up (submitted in the period, if given).")
    async def need_stats(self, info: Info[NeedsContext, None], period: PeriodInput | None = None) -> NeedStats:
        return await _rollup(info, street_scope(str(self.id)), await info.context.places.street(str(self.id)), period)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> StreetType:
        """Any street id resolves."""
        return cls(id=id)


@strawberry.federation.type(name="District", keys=["id"], description="区 A district, owned by orgs; its communities' needs rolled up.")
class DistrictType:
    id: strawberry.ID = strawberry.field(description="District id.")

    @strawberry.field(
        description="需求统计 Needs of the district's communities you may see, rolled up (submitted in the period, if given)."
    )
    async def need_stats(self, info: Info[NeedsContext, None], period: PeriodInput | None = None) -> NeedStats:
        return await _rollup(info, district_scope(str(self.id)), await info.context.places.district(str(self.id)), period)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> DistrictType:
        """Any district id resolves."""
        return cls(id=id)
