"""The people subgraph's part of a person's data export (个人信息查阅): her volunteer register entries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.privacy import own_only
from services.people.schema.context import PeopleContext
from services.people.schema.types import VolunteerType

__all__ = ["PersonalDataType"]


@strawberry.federation.type(name="PersonalData", keys=["person"], description="What the platform holds about one person.")
class PersonalDataType:
    person: strawberry.ID = strawberry.field(description="The person's account (token subject).")

    @strawberry.field(description="Your volunteer register entries (志愿者登记): real name, ID number, phone, skills, per community.")
    async def volunteer_entries(self, info: Info[PeopleContext, None]) -> list[VolunteerType]:
        own_only(info.context.require_principal().subject, str(self.person))
        entries = await info.context.store.volunteers_of_person(str(self.person))
        return [VolunteerType.from_domain(entry, private=True) for entry in entries]

    @classmethod
    def resolve_reference(cls, person: strawberry.ID) -> PersonalDataType:
        """Any person resolves; every field answers only that person herself."""
        return cls(person=person)
