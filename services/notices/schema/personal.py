"""The notices subgraph's part of a person's data export (个人信息查阅): her contacts and notice preferences."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.privacy import own_only
from services.notices.schema.context import NoticesContext
from services.notices.schema.types import NoticePreferencesType

__all__ = ["PersonalDataType"]


@strawberry.federation.type(name="PersonalData", keys=["person"], description="What the platform holds about one person.")
class PersonalDataType:
    person: strawberry.ID = strawberry.field(description="The person's account (token subject).")

    @strawberry.field(description="Your notice preferences and the contacts notices reach you at (phone, WeChat, webhook URL).")
    async def notice_contacts(self, info: Info[NoticesContext, None]) -> NoticePreferencesType:
        own_only(info.context.require_principal().subject, str(self.person))
        return NoticePreferencesType.from_domain(await info.context.use_cases.store.person_preferences(str(self.person)))

    @classmethod
    def resolve_reference(cls, person: strawberry.ID) -> PersonalDataType:
        """Any person resolves; every field answers only that person herself."""
        return cls(person=person)
