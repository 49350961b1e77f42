"""A resident's own claims and ratings."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from services.claims.schema.claim import ClaimType
from services.claims.schema.context import ClaimsContext
from services.claims.store import ClaimQuery
from services.common.domain import DomainError
from services.common.graphql.errors import public_error
from services.common.graphql.pagination import Connection, connection

__all__ = ["OwnClaimsQuery", "OwnRating"]


@strawberry.type(description="A rating you gave a completed project.")
class OwnRating:
    claim: ClaimType = strawberry.field(description="The claim (project) you rated.")
    score: int = strawberry.field(description="Your score, 1–5.")
    comment: str = strawberry.field(description="Your comment.")
    rated_at: datetime = strawberry.field(description="When you rated it.")


@strawberry.type(description="Your own claims and ratings.")
class OwnClaimsQuery:
    @strawberry.field(description="The claims you submitted yourself (as a resident, or for an organization), newest first.")
    async def my_claims(self, info: Info[ClaimsContext, None], first: int = 20, after: str | None = None) -> Connection[ClaimType]:
        principal = info.context.require_principal()
        query = ClaimQuery(community_ids=sorted(principal.communities), claimant_subject=principal.subject)
        context = info.context
        try:
            claims, page = await context.store.list_claims(query, first=first, after=after)
        except DomainError as error:
            raise public_error(error) from error
        return connection(
            [ClaimType.from_domain(claim) for claim in claims], page, after=after, count=lambda: context.store.count_claims(query)
        )

    @strawberry.field(description="The ratings you gave, newest project first (at most ``first``).")
    async def my_ratings(self, info: Info[ClaimsContext, None], first: int = 50) -> list[OwnRating]:
        principal = info.context.require_principal()
        query = ClaimQuery(community_ids=sorted(principal.communities), rated_by=principal.subject)
        try:
            claims, _ = await info.context.store.list_claims(query, first=first, after=None)
        except DomainError as error:
            raise public_error(error) from error
        return [
            OwnRating(claim=ClaimType.from_domain(claim), score=rating.score, comment=rating.comment, rated_at=rating.at)
            for claim in claims
            for rating in claim.ratings
            if rating.resident == principal.subject
        ]
