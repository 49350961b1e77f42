"""Mutations of the needs subgraph: one per transition, each with an input and a typed payload."""

from __future__ import annotations

from typing import Self

import strawberry
from strawberry.types import Info

from services.common.domain import NotFound
from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.needs.domain import Need, NeedDraft, ServiceItem
from services.needs.schema.context import NeedsContext
from services.needs.schema.inputs import (
    AcceptNeedInput,
    CancelServiceItemInput,
    ClassifyNeedInput,
    CreateServiceItemInput,
    MergeNeedInput,
    PublishServiceItemInput,
    RejectNeedInput,
    ReopenServiceItemInput,
    ReviseServiceItemInput,
    StartNeedReviewInput,
    SubmitNeedInput,
    SupportNeedInput,
)
from services.needs.schema.mine import OwnNeedsMutation
from services.needs.schema.statistics import StatisticsMutation
from services.needs.schema.types import NeedType, ServiceItemType

__all__ = ["Mutation"]


@strawberry.type(description="Result of a need mutation.")
class NeedPayload:
    need: NeedType | None = strawberry.field(description="The need after the change; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")

    @classmethod
    def of(cls, result: tuple[Need | None, list[UserError]]) -> Self:
        """From an :func:`attempt` result."""
        need, errors = result
        return cls(need=NeedType.from_domain(need) if need else None, errors=errors)


@strawberry.type(description="Result of a service-item mutation.")
class ServiceItemPayload:
    service_item: ServiceItemType | None = strawberry.field(description="The item after the change; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")

    @classmethod
    def of(cls, result: tuple[ServiceItem | None, list[UserError]]) -> Self:
        """From an :func:`attempt` result."""
        item, errors = result
        return cls(service_item=ServiceItemType.from_domain(item) if item else None, errors=errors)


@strawberry.type(description="Result of submitNeed.")
class SubmitNeedPayload(NeedPayload):
    pass


@strawberry.type(description="Result of supportNeed.")
class SupportNeedPayload(NeedPayload):
    pass


@strawberry.type(description="Result of startNeedReview.")
class StartNeedReviewPayload(NeedPayload):
    pass


@strawberry.type(description="Result of classifyNeed.")
class ClassifyNeedPayload(NeedPayload):
    pass


@strawberry.type(description="Result of acceptNeed.")
class AcceptNeedPayload(NeedPayload):
    pass


@strawberry.type(description="Result of rejectNeed.")
class RejectNeedPayload(NeedPayload):
    pass


@strawberry.type(description="Result of mergeNeed.")
class MergeNeedPayload(NeedPayload):
    pass


@strawberry.type(description="Result of createServiceItem.")
class CreateServiceItemPayload(ServiceItemPayload):
    pass


@strawberry.type(description="Result of reviseServiceItem.")
class ReviseServiceItemPayload(ServiceItemPayload):
    pass


@strawberry.type(description="Result of publishServiceItem.")
class PublishServiceItemPayload(ServiceItemPayload):
    pass


@strawberry.type(description="Result of reopenServiceItem.")
class ReopenServiceItemPayload(ServiceItemPayload):
    pass


@strawberry.type(description="Result of cancelServiceItem.")
class CancelServiceItemPayload(ServiceItemPayload):
    pass


@strawberry.type(description="Change needs and service items; every change is checked against your role and community.")
class Mutation(OwnNeedsMutation, StatisticsMutation):
    @strawberry.mutation(description="需求征集 Submit a need in your community.")
    async def submit_need(self, info: Info[NeedsContext, None], input: SubmitNeedInput) -> SubmitNeedPayload:
        principal = info.context.require_principal()
        draft = NeedDraft(
            community_id=str(input.community_id),
            title=input.title,
            description=input.description,
            category=input.category,
            target_groups=tuple(input.target_groups),
            source=input.source,
            location=input.location,
            anonymous=input.anonymous,
        )
        return SubmitNeedPayload.of(
            await attempt(lambda: info.context.use_cases.submit_need(principal, draft, idempotency_key=input.idempotency_key))
        )

    @strawberry.mutation(description="Support (endorse) a need of your community; counts once per resident.")
    async def support_need(self, info: Info[NeedsContext, None], input: SupportNeedInput) -> SupportNeedPayload:
        principal = info.context.require_principal()
        return SupportNeedPayload.of(await attempt(lambda: info.context.use_cases.support_need(principal, str(input.need_id))))

    @strawberry.mutation(description="Staff: take a submitted need up for review.")
    async def start_need_review(self, info: Info[NeedsContext, None], input: StartNeedReviewInput) -> StartNeedReviewPayload:
        principal = info.context.require_principal()
        return StartNeedReviewPayload.of(await attempt(lambda: info.context.use_cases.start_review(principal, str(input.need_id))))

    @strawberry.mutation(description="Staff: classify and analyse a need (分类分析).")
    async def classify_need(self, info: Info[NeedsContext, None], input: ClassifyNeedInput) -> ClassifyNeedPayload:
        principal = info.context.require_principal()
        return ClassifyNeedPayload.of(
            await attempt(
                lambda: info.context.use_cases.classify_need(
                    principal,
                    str(input.need_id),
                    category=input.category,
                    target_groups=tuple(input.target_groups),
                    priority=input.priority,
                    analysis_note=input.analysis_note,
                )
            )
        )

    @strawberry.mutation(description="Staff: accept a need; the community will act on it.")
    async def accept_need(self, info: Info[NeedsContext, None], input: AcceptNeedInput) -> AcceptNeedPayload:
        principal = info.context.require_principal()
        return AcceptNeedPayload.of(await attempt(lambda: info.context.use_cases.accept_need(principal, str(input.need_id))))

    @strawberry.mutation(description="Staff: reject a need with a reason.")
    async def reject_need(self, info: Info[NeedsContext, None], input: RejectNeedInput) -> RejectNeedPayload:
        principal = info.context.require_principal()
        return RejectNeedPayload.of(await attempt(lambda: info.context.use_cases.reject_need(principal, str(input.need_id), input.reason)))

    @strawberry.mutation(description="Staff: merge a duplicate need into another; its supporters are carried over.")
    async def merge_need(self, info: Info[NeedsContext, None], input: MergeNeedInput) -> MergeNeedPayload:
        principal = info.context.require_principal()
        return MergeNeedPayload.of(
            await attempt(lambda: info.context.use_cases.merge_need(principal, str(input.need_id), str(input.into_need_id)))
        )

    @strawberry.mutation(description="Staff: turn accepted needs into a service item (draft); the needs become planned.")
    async def create_service_item(self, info: Info[NeedsContext, None], input: CreateServiceItemInput) -> CreateServiceItemPayload:
        principal = info.context.require_principal()
        return CreateServiceItemPayload.of(
            await attempt(
                lambda: info.context.use_cases.create_item(principal, input.to_new_draft(), idempotency_key=input.idempotency_key)
            )
        )

    @strawberry.mutation(description="Staff: change a draft service item.")
    async def revise_service_item(self, info: Info[NeedsContext, None], input: ReviseServiceItemInput) -> ReviseServiceItemPayload:
        principal = info.context.require_principal()
        context = info.context

        async def revise() -> ServiceItem:
            current = await context.visible_item(str(input.item_id))
            if current is None:
                raise NotFound("no such service item", field="itemId")
            draft = input.to_draft(current.community_id, current.draft.need_ids)
            return await context.use_cases.revise_item(principal, current.id, draft)

        return ReviseServiceItemPayload.of(await attempt(revise))

    @strawberry.mutation(description="Staff: publish a draft item for claiming (认领).")
    async def publish_service_item(self, info: Info[NeedsContext, None], input: PublishServiceItemInput) -> PublishServiceItemPayload:
        principal = info.context.require_principal()
        return PublishServiceItemPayload.of(await attempt(lambda: info.context.use_cases.publish_item(principal, str(input.item_id))))

    @strawberry.mutation(
        description="Staff: reopen a HALTED item (every approved claim was terminated after its window closed), or a PUBLISHED one whose window ran out, with a new closing time."
    )
    async def reopen_service_item(self, info: Info[NeedsContext, None], input: ReopenServiceItemInput) -> ReopenServiceItemPayload:
        principal = info.context.require_principal()
        return ReopenServiceItemPayload.of(
            await attempt(lambda: info.context.use_cases.reopen_item(principal, str(input.item_id), input.closes_at()))
        )

    @strawberry.mutation(description="Staff: cancel a draft, published or halted item with a reason; its needs become accepted again.")
    async def cancel_service_item(self, info: Info[NeedsContext, None], input: CancelServiceItemInput) -> CancelServiceItemPayload:
        principal = info.context.require_principal()
        return CancelServiceItemPayload.of(
            await attempt(lambda: info.context.use_cases.cancel_item(principal, str(input.item_id), input.reason))
        )
