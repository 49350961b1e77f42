"""The needs subgraph's statistics rebuild mutation (``rebuildNeedStatistics``)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.common.graphql.statistics import StatisticsRebuild
from services.needs.schema.context import NeedsContext

__all__ = ["RebuildNeedStatisticsInput", "RebuildNeedStatisticsPayload", "StatisticsMutation"]


@strawberry.input(description="Recount the need statistics from the needs and items.")
class RebuildNeedStatisticsInput:
    district_id: strawberry.ID = strawberry.field(
        description="A district you administer. The counters are one read model for every community this service "
        "holds; recounting leaves every other district's figures as they are (equal to a recount)."
    )


@strawberry.type(description="Result of rebuildNeedStatistics.")
class RebuildNeedStatisticsPayload:
    rebuild: StatisticsRebuild | None = strawberry.field(description="What the rebuild did; null if it was refused.")
    errors: list[UserError] = strawberry.field(description="Why nothing was rebuilt; empty on success.")


@strawberry.type(description="Statistics upkeep.")
class StatisticsMutation:
    @strawberry.mutation(
        description="District administrators: recount the need statistics (needs by status and category, planned budgets) "
        "from the needs and items themselves, the source of truth, into a fresh generation of counters, page by page "
        "while writes go on; readers switch to it atomically when it is complete and never see a half-built one."
    )
    async def rebuild_need_statistics(
        self, info: Info[NeedsContext, None], input: RebuildNeedStatisticsInput
    ) -> RebuildNeedStatisticsPayload:
        principal = info.context.require_principal()
        rebuilt, errors = await attempt(lambda: info.context.use_cases.rebuild_statistics(principal, str(input.district_id)))
        return RebuildNeedStatisticsPayload(rebuild=StatisticsRebuild.of(rebuilt) if rebuilt else None, errors=errors)
