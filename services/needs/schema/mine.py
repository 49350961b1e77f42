"""A resident's own needs and supports: listed, edited or withdrawn before review, support taken back."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.common.graphql.pagination import Connection
from services.needs.domain import Category, NeedDraft, NeedSource, TargetGroup
from services.needs.schema.context import NeedsContext
from services.needs.schema.lists import needs_page
from services.needs.schema.types import NeedType
from services.needs.store import NeedQuery

__all__ = [
    "OwnNeedsMutation",
    "OwnNeedsQuery",
    "ReviseNeedInput",
    "ReviseNeedPayload",
    "WithdrawNeedInput",
    "WithdrawNeedPayload",
    "WithdrawSupportInput",
    "WithdrawSupportPayload",
]


@strawberry.input(description="Edit your own need before staff take it up for review (every field is replaced).")
class ReviseNeedInput:
    need_id: strawberry.ID = strawberry.field(description="Your need, still SUBMITTED.")
    title: str = strawberry.field(description="Short title, 1–120 characters.")
    description: str = strawberry.field(default="", description="What is needed and why.")
    category: Category = strawberry.field(default=Category.OTHER, description="五色土 category, if you know it.")
    target_groups: list[TargetGroup] = strawberry.field(default_factory=list, description="Who would be served; default everyone.")
    location: str = strawberry.field(default="", description="Where (building, courtyard…).")
    anonymous: bool = strawberry.field(default=False, description="Hide your name from the public (staff still see it).")


@strawberry.input(description="Withdraw your own need before staff take it up for review.")
class WithdrawNeedInput:
    need_id: strawberry.ID = strawberry.field(description="Your need, still SUBMITTED.")
    reason: str = strawberry.field(default="", description="Why, if you wish to say.")


@strawberry.input(description="Take back your support of a need.")
class WithdrawSupportInput:
    need_id: strawberry.ID = strawberry.field(description="A need you support.")


@strawberry.type(description="Result of reviseNeed.")
class ReviseNeedPayload:
    need: NeedType | None = strawberry.field(description="The need after the change; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Result of withdrawNeed.")
class WithdrawNeedPayload(ReviseNeedPayload):
    pass


@strawberry.type(description="Result of withdrawSupport.")
class WithdrawSupportPayload(ReviseNeedPayload):
    pass


@strawberry.type(description="Your own needs and supports.")
class OwnNeedsQuery:
    @strawberry.field(description="The needs you submitted, newest first (in the communities of your token).")
    async def my_needs(self, info: Info[NeedsContext, None], first: int = 20, after: str | None = None) -> Connection[NeedType]:
        principal = info.context.require_principal()
        return await needs_page(info.context, NeedQuery(sorted(principal.communities), submitter_id=principal.subject), first, after)

    @strawberry.field(description="The needs you support, newest first (in the communities of your token).")
    async def my_supports(self, info: Info[NeedsContext, None], first: int = 20, after: str | None = None) -> Connection[NeedType]:
        principal = info.context.require_principal()
        return await needs_page(info.context, NeedQuery(sorted(principal.communities), supporter_id=principal.subject), first, after)


@strawberry.type(description="Change your own needs and supports.")
class OwnNeedsMutation:
    @strawberry.mutation(description="Edit your own need while it is SUBMITTED (before review).")
    async def revise_need(self, info: Info[NeedsContext, None], input: ReviseNeedInput) -> ReviseNeedPayload:
        principal = info.context.require_principal()
        context = info.context

        async def revise() -> NeedType:
            current = await context.visible_need(str(input.need_id))
            community_id = current.community_id if current is not None else ""
            draft = NeedDraft(
                community_id, input.title, input.description, input.category, tuple(input.target_groups),
                current.source if current is not None else NeedSource.RESIDENT, input.location, input.anonymous,
            )  # fmt: skip
            return NeedType.from_domain(await context.use_cases.revise_need(principal, str(input.need_id), draft))

        need, errors = await attempt(revise)
        return ReviseNeedPayload(need=need, errors=errors)

    @strawberry.mutation(description="Withdraw your own need while it is SUBMITTED (before review).")
    async def withdraw_need(self, info: Info[NeedsContext, None], input: WithdrawNeedInput) -> WithdrawNeedPayload:
        principal = info.context.require_principal()
        need, errors = await attempt(lambda: info.context.use_cases.withdraw_need(principal, str(input.need_id), input.reason))
        return WithdrawNeedPayload(need=NeedType.from_domain(need) if need else None, errors=errors)

    @strawberry.mutation(description="Take back your support of an open need.")
    async def withdraw_support(self, info: Info[NeedsContext, None], input: WithdrawSupportInput) -> WithdrawSupportPayload:
        principal = info.context.require_principal()
        need, errors = await attempt(lambda: info.context.use_cases.withdraw_support(principal, str(input.need_id)))
        return WithdrawSupportPayload(need=NeedType.from_domain(need) if need else None, errors=errors)
