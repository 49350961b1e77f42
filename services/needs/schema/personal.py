"""The needs subgraph's part of a person's data export (个人信息查阅): the needs she submitted and supports."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from services.common.privacy import own_only
from services.needs.domain import Need
from services.needs.schema.context import NeedsContext

__all__ = ["PersonalDataType", "PersonalNeed"]


@strawberry.type(description="A need you submitted, with what it holds about you.")
class PersonalNeed:
    id: strawberry.ID = strawberry.field(description="The need.")
    community_id: strawberry.ID = strawberry.field(description="Its community.")
    title: str = strawberry.field(description="Its title.")
    description: str = strawberry.field(description="What you wrote.")
    location: str = strawberry.field(description="The address you gave (empty once anonymised).")
    anonymous: bool = strawberry.field(description="Whether you asked to stay anonymous to the public.")
    created_at: datetime = strawberry.field(description="When you submitted it.")

    @classmethod
    def of(cls, need: Need) -> PersonalNeed:
        """Her view of a need she submitted."""
        return cls(
            id=strawberry.ID(need.id),
            community_id=strawberry.ID(need.community_id),
            title=need.title,
            description=need.description,
            location=need.location,
            anonymous=need.anonymous,
            created_at=need.created_at,
        )


@strawberry.federation.type(name="PersonalData", keys=["person"], description="What the platform holds about one person.")
class PersonalDataType:
    person: strawberry.ID = strawberry.field(description="The person's account (token subject).")

    @strawberry.field(description="Needs you submitted (your account and the address you gave are kept on them).")
    async def submitted_needs(self, info: Info[NeedsContext, None]) -> list[PersonalNeed]:
        own_only(info.context.require_principal().subject, str(self.person))
        submitted, _ = await info.context.store.needs_of_person(str(self.person))
        return [PersonalNeed.of(need) for need in submitted]

    @strawberry.field(description="Needs you support (your account is kept among their supporters).")
    async def supported_need_ids(self, info: Info[NeedsContext, None]) -> list[strawberry.ID]:
        own_only(info.context.require_principal().subject, str(self.person))
        _, supported = await info.context.store.needs_of_person(str(self.person))
        return [strawberry.ID(need_id) for need_id in supported]

    @classmethod
    def resolve_reference(cls, person: strawberry.ID) -> PersonalDataType:
        """Any person resolves; every field answers only that person herself."""
        return cls(person=person)
