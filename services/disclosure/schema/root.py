"""Root fields of the disclosure subgraph: the 公示 for anyone, the district's disclosure period."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.access import is_staff
from services.common.domain import DomainError
from services.common.graphql.errors import UserError, public_error
from services.common.graphql.mutations import attempt_for_caller
from services.disclosure.schema.context import DisclosureContext
from services.disclosure.schema.types import PublicNoticeType, PublicRollupType

__all__ = ["Mutation", "Query"]


@strawberry.type(description="The public disclosure (公示): readable by anyone, without signing in.")
class Query:
    @strawberry.field(description="A community's 公示: published items, budgets, approved claims, payments, evaluations, meetings.")
    async def public_notice(self, info: Info[DisclosureContext, None], community_id: strawberry.ID) -> PublicNoticeType | None:
        info.context.allow_anyone()
        notice = await info.context.use_cases.notice(str(community_id))
        if notice is None:
            return None
        caller = info.context.principal
        return PublicNoticeType.of(notice, staff=caller is not None and is_staff(caller, notice.community_id, notice.district_id))

    @strawberry.field(description="The 公示 of a street or a district (give one), community by community, with totals.")
    async def public_notice_rollup(
        self, info: Info[DisclosureContext, None], street_id: strawberry.ID | None = None, district_id: strawberry.ID | None = None
    ) -> PublicRollupType:
        info.context.allow_anyone()
        handlers = info.context.use_cases
        try:
            places = await handlers.communities_of(
                street_id=str(street_id) if street_id else None, district_id=str(district_id) if district_id else None
            )
        except DomainError as error:
            raise public_error(error) from error
        items = await handlers.public_items(places)
        return PublicRollupType.of(str(street_id or district_id), [(p.community_id, p.name, items[p.community_id]) for p in places])

    @strawberry.field(description="How many days a district keeps closed records in its 公示.")
    async def disclosure_period(self, info: Info[DisclosureContext, None], district_id: strawberry.ID) -> int:
        info.context.allow_anyone()
        return await info.context.use_cases.period_of(str(district_id))


@strawberry.input(description="A district's disclosure period.")
class SetDisclosurePeriodInput:
    district_id: strawberry.ID = strawberry.field(description="The district.")
    days: int = strawberry.field(description="Days a record stays public after it closes (1–3650).")


@strawberry.type(description="Result of setDisclosurePeriod.")
class SetDisclosurePeriodPayload:
    days: int | None = strawberry.field(description="The period now in force; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Change the district's disclosure settings.")
class Mutation:
    @strawberry.mutation(description="A district administrator sets how long closed records stay in the 公示.")
    async def set_disclosure_period(
        self, info: Info[DisclosureContext, None], input: SetDisclosurePeriodInput
    ) -> SetDisclosurePeriodPayload:
        days, errors = await attempt_for_caller(info.context, lambda h, p: h.set_period(p, str(input.district_id), input.days))
        return SetDisclosurePeriodPayload(days=days, errors=errors)
