"""Root queries of the claims subgraph."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.claims.schema.claim import ClaimType
from services.claims.schema.context import ClaimsContext
from services.claims.schema.inputs import ClaimFilter
from services.claims.schema.lists import list_claims, list_meetings
from services.claims.schema.meeting import IntentionMeetingType
from services.claims.schema.mine import OwnClaimsQuery
from services.common.graphql.pagination import Connection

__all__ = ["Query"]


@strawberry.type(description="Read claims (认领) and intention meetings (认领意向会).")
class Query(OwnClaimsQuery):
    @strawberry.field(description="One claim, if you may see it.")
    async def claim(self, info: Info[ClaimsContext, None], id: strawberry.ID) -> ClaimType | None:
        claim = await info.context.visible_claim(str(id))
        return ClaimType.from_domain(claim) if claim else None

    @strawberry.field(
        description="Claims by community, item, organization and status, newest first; district roles cover all their communities."
    )
    async def claims(
        self, info: Info[ClaimsContext, None], filter: ClaimFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[ClaimType]:
        return await list_claims(info, filter, first, after)

    @strawberry.field(description="One intention meeting, if you belong to its community.")
    async def meeting(self, info: Info[ClaimsContext, None], id: strawberry.ID) -> IntentionMeetingType | None:
        meeting = await info.context.visible_meeting(str(id))
        return IntentionMeetingType.from_domain(meeting) if meeting else None

    @strawberry.field(description="Intention meetings of the given communities (default: all of yours), latest first.")
    async def meetings(
        self, info: Info[ClaimsContext, None], community_ids: list[strawberry.ID] | None = None, first: int = 20, after: str | None = None
    ) -> Connection[IntentionMeetingType]:
        return await list_meetings(info, [str(cid) for cid in community_ids] if community_ids else None, first, after)
