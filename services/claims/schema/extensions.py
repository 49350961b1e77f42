"""ServiceItem, Organization, Community, Street and District (owned elsewhere), extended with claims.

Statistics for a street or district: a caller who may read every community of it (its district's
administrator) reads the scope's rollup counters, O(buckets); anyone else gets the sum of the communities
she may read (one query over them, never one per community), so a rollup is never shown to a caller who
may not see all it counts.
"""

from __future__ import annotations

import asyncio

import strawberry
from strawberry.types import Info

from services.claims.domain import ClaimFigures, ClaimStatus, figures_of
from services.claims.schema.claim import ClaimType
from services.claims.schema.context import ClaimsContext
from services.claims.schema.inputs import ClaimFilter
from services.claims.schema.lists import claim_query, list_claims, list_meetings
from services.claims.schema.meeting import IntentionMeetingType
from services.common.domain import DomainError
from services.common.graphql.errors import PublicError, public_error
from services.common.graphql.pagination import Connection
from services.common.graphql.period import PeriodInput, bounds
from services.common.graphql.scalars import Fen
from services.common.graphql.vocabulary import Category, FundSource
from services.common.places import CommunityPlace, district_scope, street_scope

__all__ = ["CategoryTotal", "ClaimStats", "CommunityType", "DistrictType", "OrganizationType", "ServiceItemType", "StreetType"]


@strawberry.type(description="How many claims have one status.")
class ClaimStatusCount:
    status: ClaimStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many claims.")


@strawberry.type(description="Money per fund source, in fen.")
class FundTotal:
    fund_source: FundSource = strawberry.field(description="The fund (the same enum as in inputs).")
    amount_fen: Fen = strawberry.field(description="Fen.")


@strawberry.type(description="Money per 五色土 category (of the claimed item), in fen.")
class CategoryTotal:
    category: Category = strawberry.field(description="The item's category (the same enum as in needs).")
    amount_fen: Fen = strawberry.field(description="Fen.")


def _per_source(amounts: dict[str, int]) -> list[FundTotal]:
    return [FundTotal(fund_source=source, amount_fen=Fen(amounts.get(source.value, 0))) for source in FundSource]


def _per_category(amounts: dict[str, int]) -> list[CategoryTotal]:
    return [CategoryTotal(category=category, amount_fen=Fen(amounts.get(category.value, 0))) for category in Category]


@strawberry.type(description="认领统计 Claims statistics of a community, or rolled up for a street, district or organization.")
class ClaimStats:
    communities: int = strawberry.field(description="Communities counted (those you may see).")
    total: int = strawberry.field(description="All claims.")
    by_status: list[ClaimStatusCount] = strawberry.field(description="Claims per status (every status, zero included).")
    projects_completed: int = strawberry.field(description="Projects completed (and evaluated).")
    funds_approved: list[FundTotal] = strawberry.field(description="Budget approved, per fund source (every source).")
    funds_disbursed: list[FundTotal] = strawberry.field(description="Funds paid out, per fund source (every source).")
    funds_approved_by_category: list[CategoryTotal] = strawberry.field(
        description="Budget approved, per category of the claimed item (every category)."
    )
    funds_disbursed_by_category: list[CategoryTotal] = strawberry.field(
        description="Funds paid out, per category of the claimed item (every category)."
    )
    volunteer_hours: float = strawberry.field(description="Volunteer hours reported.")
    average_score: float | None = strawberry.field(description="Mean overall evaluation score (1–5) of evaluated projects.")

    @classmethod
    def of(cls, figures: ClaimFigures) -> ClaimStats:
        """From domain figures."""
        return cls(
            communities=figures.communities,
            total=sum(figures.by_status.values()),
            by_status=[ClaimStatusCount(status=status, count=figures.by_status.get(status, 0)) for status in ClaimStatus],
            projects_completed=figures.projects_completed,
            funds_approved=_per_source(figures.approved_fen),
            funds_disbursed=_per_source(figures.disbursed_fen),
            funds_approved_by_category=_per_category(figures.approved_category_fen),
            funds_disbursed_by_category=_per_category(figures.disbursed_category_fen),
            volunteer_hours=figures.volunteer_hours,
            average_score=figures.average_score,
        )


async def _rollup(
    info: Info[ClaimsContext, None], scope: str, places: list[CommunityPlace], period: PeriodInput | None = None
) -> ClaimStats:
    """A street's or district's figures: its rollup ``scope`` if the caller may read every one of its communities
    (and the rollup covers them all), else the sum of the communities she may read."""
    principal = info.context.require_principal()
    visible = [place.community_id for place in places if principal.belongs_to(place.community_id, place.district_id)]
    if visible and len(visible) == len(places):
        try:
            bounds(period)
        except DomainError as error:
            raise public_error(error) from error
        first_day, last_day = (period.from_, period.to) if period is not None else (None, None)

        async def rolled_up() -> ClaimStats | None:
            figures = await info.context.store.rollup_figures(scope, visible, first_day, last_day)
            return None if figures is None else ClaimStats.of(figures)

        stats = await info.context.store.tallies.store.memo(("rollup", scope, tuple(visible), first_day, last_day), rolled_up)
        if stats is not None:
            return stats  # computed once per change of the counters
    return await _stats(info, visible, period)


async def _stats(info: Info[ClaimsContext, None], community_ids: list[str], period: PeriodInput | None) -> ClaimStats:
    """From the per-community, per-day counters (by when each thing happened): O(communities × days), never a scan of claims."""
    try:
        bounds(period)
    except DomainError as error:
        raise public_error(error) from error
    first_day, last_day = (period.from_, period.to) if period is not None else (None, None)
    return ClaimStats.of(await info.context.store.figures_of_communities(community_ids, first_day, last_day))


@strawberry.federation.type(name="ServiceItem", keys=["id"], description="公益服务项目 A service item (owned by needs), with its claims.")
class ServiceItemType:
    id: strawberry.ID = strawberry.field(description="Item id.")

    @strawberry.field(description="Claims on this item (认领), oldest first; those you may see.")
    async def claims(self, info: Info[ClaimsContext, None]) -> list[ClaimType]:
        claims = await info.context.claims_of_item.load(str(self.id))
        for claim in claims:
            info.context.claims.prime(claim.id, claim)
        visible = await asyncio.gather(*(info.context.visible_claim(claim.id) for claim in claims))
        return [ClaimType.from_domain(claim) for claim in visible if claim is not None]

    @strawberry.field(
        description="Claimant slots still free (from the claims service's reservations); null unless you belong to the item's community."
    )
    async def slots_left(self, info: Info[ClaimsContext, None]) -> int | None:
        principal = info.context.require_principal()
        board = await info.context.boards.load(str(self.id))
        if board is None or not await info.context.belongs_to(principal, board.community_id):
            return None  # the same rule as the item itself (needs shows a published item to its community only)
        return board.slots_left

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ServiceItemType:
        """Any item id resolves; its fields check access."""
        return cls(id=id)


@strawberry.federation.type(name="Organization", keys=["id"], description="An organization (owned by orgs), with its claims.")
class OrganizationType:
    id: strawberry.ID = strawberry.field(description="Organization id.")

    @strawberry.field(description="Claims by this organization, newest first.")
    async def claims(self, info: Info[ClaimsContext, None], first: int = 20, after: str | None = None) -> Connection[ClaimType]:
        return await list_claims(info, ClaimFilter(organization_ids=[self.id]), first, after)

    @strawberry.field(
        description="认领统计 The organization's claims record, computed live from its claims (see also trackRecord from orgs)."
    )
    async def claim_stats(self, info: Info[ClaimsContext, None]) -> ClaimStats:
        store = info.context.store
        claims = await store.claims_matching(await claim_query(info, ClaimFilter(organization_ids=[self.id])))
        categories = await store.item_categories({claim.item_id for claim in claims})
        return ClaimStats.of(figures_of(claims, len({claim.community_id for claim in claims}), categories))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> OrganizationType:
        """Any organization id resolves; its fields check access."""
        return cls(id=id)


@strawberry.federation.type(
    name="Community", keys=["id"], description="社区 A community (owned by orgs), with its claims and intention meetings."
)
class CommunityType:
    id: strawberry.ID = strawberry.field(description="Community id.")

    @strawberry.field(description="Claims on this community's items, newest first.")
    async def claims(
        self, info: Info[ClaimsContext, None], filter: ClaimFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[ClaimType]:
        return await list_claims(info, ClaimFilter.scoped(filter, [self.id]), first, after)

    @strawberry.field(description="Intention meetings (认领意向会), latest first.")
    async def meetings(
        self, info: Info[ClaimsContext, None], first: int = 20, after: str | None = None
    ) -> Connection[IntentionMeetingType]:
        return await list_meetings(info, [str(self.id)], first, after)

    @strawberry.field(
        description="认领统计 Claims by status, projects completed, funds approved and disbursed, volunteer hours, average evaluation."
    )
    async def claim_stats(self, info: Info[ClaimsContext, None], period: PeriodInput | None = None) -> ClaimStats:
        if not await info.context.belongs_to(info.context.require_principal(), str(self.id)):
            raise PublicError("you may not read this community's claims", "FORBIDDEN", "id")
        return await _stats(info, [str(self.id)], period)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> CommunityType:
        """Any community id resolves; its fields check access."""
        return cls(id=id)


@strawberry.federation.type(name="Street", keys=["id"], description="街道 A street (owned by orgs); its communities' claims rolled up.")
class StreetType:
    id: strawberry.ID = strawberry.field(description="Street id.")

    @strawberry.field(description="认领统计 rolled up over the street's communities you may see (what happened in the period, if given).")
    async def claim_stats(self, info: Info[ClaimsContext, None], period: PeriodInput | None = None) -> ClaimStats:
        return await _rollup(info, street_scope(str(self.id)), await info.context.places.street(str(self.id)), period)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> StreetType:
        """Any street id resolves."""
        return cls(id=id)


@strawberry.federation.type(name="District", keys=["id"], description="区 A district (owned by orgs); its communities' claims rolled up.")
class DistrictType:
    id: strawberry.ID = strawberry.field(description="District id.")

    @strawberry.field(description="认领统计 rolled up over the district's communities you may see (what happened in the period, if given).")
    async def claim_stats(self, info: Info[ClaimsContext, None], period: PeriodInput | None = None) -> ClaimStats:
        return await _rollup(info, district_scope(str(self.id)), await info.context.places.district(str(self.id)), period)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> DistrictType:
        """Any district id resolves."""
        return cls(id=id)
