"""The claims subgraph's part of a person's data export (个人信息查阅): her claims as a resident, the ratings she gave."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from services.claims.domain import Claim
from services.claims.schema.context import ClaimsContext
from services.claims.schema.enums import ClaimStatus
from services.common.privacy import own_only

__all__ = ["PersonalClaim", "PersonalDataType", "PersonalRating"]


@strawberry.type(description="A claim you made yourself, as a resident, with what it holds about you.")
class PersonalClaim:
    id: strawberry.ID = strawberry.field(description="The claim.")
    community_id: strawberry.ID = strawberry.field(description="Its community.")
    item_id: strawberry.ID = strawberry.field(description="The service item you claimed.")
    status: ClaimStatus = strawberry.field(description="Where it stands.")
    claimant_name: str = strawberry.field(description="The name you claimed under (已匿名 once anonymised).")
    plan: str = strawberry.field(description="The plan you proposed.")
    team: list[str] = strawberry.field(description="The names of your team, as you gave them.")
    submitted_at: datetime = strawberry.field(description="When you claimed it.")

    @classmethod
    def of(cls, claim: Claim) -> PersonalClaim:
        """Her view of a claim she made."""
        return cls(
            id=strawberry.ID(claim.id),
            community_id=strawberry.ID(claim.community_id),
            item_id=strawberry.ID(claim.item_id),
            status=claim.status,
            claimant_name=claim.claimant.name,
            plan=claim.proposal.plan,
            team=list(claim.proposal.team),
            submitted_at=claim.submitted_at,
        )


@strawberry.type(description="A rating you gave a project that served you.")
class PersonalRating:
    claim_id: strawberry.ID = strawberry.field(description="The claim (project) you rated.")
    community_id: strawberry.ID = strawberry.field(description="Its community.")
    score: int = strawberry.field(description="Your score, 1–5.")
    comment: str = strawberry.field(description="What you wrote.")
    rated_at: datetime = strawberry.field(description="When you rated it.")


@strawberry.federation.type(name="PersonalData", keys=["person"], description="What the platform holds about one person.")
class PersonalDataType:
    person: strawberry.ID = strawberry.field(description="The person's account (token subject).")

    @strawberry.field(description="Claims you made as a resident (your account, your name and your team's names are kept on them).")
    async def resident_claims(self, info: Info[ClaimsContext, None]) -> list[PersonalClaim]:
        own_only(info.context.require_principal().subject, str(self.person))
        return [PersonalClaim.of(claim) for claim in await info.context.store.personal.claims_of_person(str(self.person))]

    @strawberry.field(description="Ratings you gave (your account and your comment are kept on them).")
    async def ratings_given(self, info: Info[ClaimsContext, None]) -> list[PersonalRating]:
        person = str(self.person)
        own_only(info.context.require_principal().subject, person)
        return [
            PersonalRating(
                claim_id=strawberry.ID(claim.id),
                community_id=strawberry.ID(claim.community_id),
                score=rating.score,
                comment=rating.comment,
                rated_at=rating.at,
            )
            for claim in await info.context.store.personal.rated_by(person)
            for rating in claim.ratings
            if rating.resident == person
        ]

    @classmethod
    def resolve_reference(cls, person: strawberry.ID) -> PersonalDataType:
        """Any person resolves; every field answers only that person herself."""
        return cls(person=person)
