"""The mutation that rebuilds the organization statistics of a district from its records."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.orgs.schema.context import OrgsContext

__all__ = ["StatisticsMutation"]


@strawberry.input(description="Which district's organization statistics to recount from the organizations' records.")
class RebuildOrganizationStatsInput:
    district_id: strawberry.ID = strawberry.field(description="Your district.")


@strawberry.type(description="Result of rebuildOrganizationStats.")
class RebuildOrganizationStatsPayload:
    generation: str | None = strawberry.field(description="The new generation of counters now answering; null if nothing changed.")
    organizations: int | None = strawberry.field(description="How many organizations were counted; null if nothing changed.")
    communities: int | None = strawberry.field(description="How many communities of the district; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Statistics upkeep.")
class StatisticsMutation:
    @strawberry.mutation(
        description=(
            "District administrators: recount the district's organization statistics from the organizations' records into a fresh"
            " generation of counters, switched to atomically (events arriving meanwhile are counted too)."
        )
    )
    async def rebuild_organization_stats(
        self, info: Info[OrgsContext, None], input: RebuildOrganizationStatsInput
    ) -> RebuildOrganizationStatsPayload:
        principal = info.context.require_principal()
        statistics = info.context.statistics
        assert statistics is not None
        rebuilt, errors = await attempt(lambda: statistics.rebuild(principal, str(input.district_id)))
        if rebuilt is None:
            return RebuildOrganizationStatsPayload(generation=None, organizations=None, communities=None, errors=errors)
        return RebuildOrganizationStatsPayload(
            generation=rebuilt.generation, organizations=rebuilt.organizations, communities=rebuilt.communities, errors=[]
        )
