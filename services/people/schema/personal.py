"""The people subgraph's part of a person's data export (个人信息查阅): her volunteer register entries, attendance and certificates."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.privacy import own_only
from services.people.schema.context import PeopleContext
from services.people.schema.types import AttendanceType, CertificateType, VolunteerType

__all__ = ["PersonalDataType"]


@strawberry.federation.type(name="PersonalData", keys=["person"], description="What the platform holds about one person.")
class PersonalDataType:
    person: strawberry.ID = strawberry.field(description="The person's account (token subject).")

    @strawberry.field(description="Your volunteer register entries (志愿者登记): real name, ID number, phone, skills, per community.")
    async def volunteer_entries(self, info: Info[PeopleContext, None]) -> list[VolunteerType]:
        own_only(info.context.require_principal().subject, str(self.person))
        entries = await info.context.store.volunteers_of_person(str(self.person))
        return [VolunteerType.from_domain(entry, private=True) for entry in entries]

    @strawberry.field(description="Your attendance at activity sessions (签到、签退, confirmed minutes).")
    async def attendance(self, info: Info[PeopleContext, None]) -> list[AttendanceType]:
        own_only(info.context.require_principal().subject, str(self.person))
        return [AttendanceType.from_domain(record) for record in await info.context.store.personal.attendance_of(str(self.person))]

    @strawberry.field(description="Volunteer service certificates issued to you (your name is printed on them).")
    async def certificates(self, info: Info[PeopleContext, None]) -> list[CertificateType]:
        own_only(info.context.require_principal().subject, str(self.person))
        return [
            CertificateType.from_domain(certificate) for certificate in await info.context.store.personal.certificates_of(str(self.person))
        ]

    @classmethod
    def resolve_reference(cls, person: strawberry.ID) -> PersonalDataType:
        """Any person resolves; every field answers only that person herself."""
        return cls(person=person)
