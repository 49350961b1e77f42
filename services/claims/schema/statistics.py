"""The claims subgraph's statistics rebuild mutation (``rebuildClaimStatistics``)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.claims.schema.context import ClaimsContext
from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.common.graphql.statistics import StatisticsRebuild

__all__ = ["RebuildClaimStatisticsInput", "RebuildClaimStatisticsPayload", "StatisticsMutation"]


@strawberry.input(description="Recount the claim and fund statistics from the claims.")
class RebuildClaimStatisticsInput:
    district_id: strawberry.ID = strawberry.field(
        description="A district you administer. The counters are one read model for every community this service "
        "holds; recounting leaves every other district's figures as they are (equal to a recount)."
    )


@strawberry.type(description="Result of rebuildClaimStatistics.")
class RebuildClaimStatisticsPayload:
    rebuild: StatisticsRebuild | None = strawberry.field(description="What the rebuild did; null if it was refused.")
    errors: list[UserError] = strawberry.field(description="Why nothing was rebuilt; empty on success.")


@strawberry.type(description="Statistics upkeep.")
class StatisticsMutation:
    @strawberry.mutation(
        description="District administrators: recount the claim statistics (claims by status, budgets approved and funds "
        "disbursed per source and category, completions, hours, scores) from the claims themselves, the source of truth, "
        "into a fresh generation of counters, page by page while writes go on; readers switch to it atomically when it "
        "is complete and never see a half-built one."
    )
    async def rebuild_claim_statistics(
        self, info: Info[ClaimsContext, None], input: RebuildClaimStatisticsInput
    ) -> RebuildClaimStatisticsPayload:
        principal = info.context.require_principal()
        rebuilt, errors = await attempt(lambda: info.context.use_cases.rebuild_statistics(principal, str(input.district_id)))
        return RebuildClaimStatisticsPayload(rebuild=StatisticsRebuild.of(rebuilt) if rebuilt else None, errors=errors)
