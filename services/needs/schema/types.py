"""Object types of the needs subgraph: Need (需求) and ServiceItem (公益服务项目), federated by id."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from services.common.domain import Transition
from services.common.graphql.scalars import Fen
from services.needs.domain import Need, ServiceItem, access
from services.needs.schema.context import NeedsContext
from services.needs.schema.enums import (
    Category,
    ClaimantKind,
    FundSource,
    ItemKind,
    ItemStatus,
    NeedSource,
    NeedStatus,
    Priority,
    SupportKind,
    TargetGroup,
)

if TYPE_CHECKING:
    from services.needs.schema.places import CommunityType

__all__ = ["BudgetLineType", "ClaimWindowType", "NeedType", "ScheduleType", "ServiceItemType", "StatusChange"]

CommunityRef = Annotated["CommunityType", strawberry.lazy("services.needs.schema.places")]


@strawberry.type(name="StatusChange", description="One recorded transition: who moved the record, when, and why.")
class StatusChange:
    action: str = strawberry.field(description="What was done, e.g. `accept`, `publish`, `fill` (all slots claimed).")
    from_status: str = strawberry.field(description="Status before (the enum value's name).")
    to_status: str = strawberry.field(description="Status after.")
    actor: str = strawberry.field(description="Subject of whoever did it (or the service that reacted).")
    at: datetime = strawberry.field(description="When.")
    reason: str | None = strawberry.field(description="Why, where a reason is required.")

    @classmethod
    def from_domain(cls, step: Transition[NeedStatus] | Transition[ItemStatus]) -> StatusChange:
        """From a domain transition."""
        return cls(
            action=step.action,
            from_status=step.from_status.name,
            to_status=step.to_status.name,
            actor=step.actor,
            at=step.at,
            reason=step.reason,
        )


@strawberry.federation.type(name="Need", keys=["id"], description="需求 A resident need of one community, from collection to resolution.")
class NeedType:
    id: strawberry.ID = strawberry.field(description="Need id.")
    community_id: strawberry.ID = strawberry.field(description="The community it belongs to.")
    title: str = strawberry.field(description="Short title.")
    description: str = strawberry.field(description="What is needed, in the submitter's words.")
    category: Category = strawberry.field(description="五色土 category.")
    target_groups: list[TargetGroup] = strawberry.field(description="Who would be served.")
    source: NeedSource = strawberry.field(description="How it was collected.")
    location: str = strawberry.field(description="Where, as free text (building, courtyard…).")
    anonymous: bool = strawberry.field(description="The submitter asked to stay anonymous to the public (never to staff).")
    support_count: int = strawberry.field(description="How many residents support it (one support per resident).")
    priority: Priority = strawberry.field(description="Staff's priority after analysis.")
    analysis_note: str = strawberry.field(description="Staff's analysis (分析).")
    status: NeedStatus = strawberry.field(description="Where it stands.")
    rejection_reason: str | None = strawberry.field(description="Why it was rejected.")
    created_at: datetime = strawberry.field(description="Submitted at.")
    updated_at: datetime = strawberry.field(description="Last changed at.")
    _need: strawberry.Private[Need]

    @classmethod
    def from_domain(cls, need: Need) -> NeedType:
        """From the domain aggregate."""
        return cls(
            id=strawberry.ID(need.id),
            community_id=strawberry.ID(need.community_id),
            title=need.title,
            description=need.description,
            category=need.category,
            target_groups=list(need.target_groups),
            source=need.source,
            location=need.location,
            anonymous=need.anonymous,
            support_count=need.support_count,
            priority=need.priority,
            analysis_note=need.analysis_note,
            status=need.status,
            rejection_reason=need.rejection_reason,
            created_at=need.created_at,
            updated_at=need.updated_at,
            _need=need,
        )

    @strawberry.field(description="The community (社区), joined from the orgs subgraph.")
    def community(self) -> CommunityRef:
        from services.needs.schema.places import CommunityType

        return CommunityType(id=self.community_id)

    @strawberry.field(description="Who submitted it; null when anonymous, unless you are staff or the submitter.")
    async def submitter_id(self, info: Info[NeedsContext, None]) -> strawberry.ID | None:
        need = self._need
        principal = info.context.require_principal()
        district = await info.context.district_of(need.community_id)
        if access.can_see_submitter(principal, need.community_id, district, need.submitter_id, need.anonymous):
            return strawberry.ID(need.submitter_id)
        return None

    @strawberry.field(description="Whether you support this need.")
    def supported_by_me(self, info: Info[NeedsContext, None]) -> bool:
        return info.context.require_principal().subject in self._need.supporter_ids

    @strawberry.field(description="The need this one was merged into.")
    async def merged_into(self, info: Info[NeedsContext, None]) -> NeedType | None:
        if self._need.merged_into is None:
            return None
        need = await info.context.visible_need(self._need.merged_into)
        return NeedType.from_domain(need) if need else None

    @strawberry.field(description="The service item planned to meet it.")
    async def service_item(self, info: Info[NeedsContext, None]) -> ServiceItemType | None:
        if self._need.item_id is None:
            return None
        item = await info.context.visible_item(self._need.item_id)
        return ServiceItemType.from_domain(item) if item else None

    @strawberry.field(description="Every status change, oldest first.")
    def history(self) -> list[StatusChange]:
        return [StatusChange.from_domain(step) for step in self._need.history]

    @classmethod
    async def resolve_reference(cls, info: Info[NeedsContext, None], id: strawberry.ID) -> NeedType | None:
        """Federation entity resolution, batched through the request's DataLoader."""
        need = await info.context.visible_need(str(id))
        return cls.from_domain(need) if need else None


@strawberry.type(name="BudgetLine", description="Money from one fund source (经费来源), in fen.")
class BudgetLineType:
    fund_source: FundSource = strawberry.field(description="Which fund.")
    source_name: str | None = strawberry.field(description="Name of an OTHER fund source.")
    amount_fen: Fen = strawberry.field(description="Amount in fen (分).")


@strawberry.type(name="Schedule", description="When the work happens.")
class ScheduleType:
    starts_on: date = strawberry.field(description="First day.")
    ends_on: date = strawberry.field(description="Last day.")
    note: str = strawberry.field(description="Recurrence or other detail, e.g. 'every Saturday morning'.")


@strawberry.type(name="ClaimWindow", description="When claims (认领) are taken.")
class ClaimWindowType:
    opens_at: datetime = strawberry.field(description="Claims accepted from.")
    closes_at: datetime = strawberry.field(description="Claims accepted until (exclusive).")


@strawberry.federation.type(
    name="ServiceItem", keys=["id"], description="公益服务项目/活动 A funded activity or project made from needs, open for claiming."
)
class ServiceItemType:
    id: strawberry.ID = strawberry.field(description="Item id.")
    community_id: strawberry.ID = strawberry.field(description="The community it belongs to.")
    kind: ItemKind = strawberry.field(description="Activity or project.")
    category: Category = strawberry.field(description="五色土 category.")
    title: str = strawberry.field(description="Title.")
    description: str = strawberry.field(description="What the claimant will do.")
    goals: list[str] = strawberry.field(description="Goals the evaluation will look at.")
    target_groups: list[TargetGroup] = strawberry.field(description="Who is served.")
    budget: list[BudgetLineType] = strawberry.field(description="Budget per fund source.")
    total_fen: Fen = strawberry.field(description="Whole budget in fen.")
    schedule: ScheduleType = strawberry.field(description="When the work happens.")
    claim_window: ClaimWindowType = strawberry.field(description="When claims are taken.")
    eligible_claimant_kinds: list[ClaimantKind] = strawberry.field(description="Who may claim it.")
    support_offered: list[SupportKind] = strawberry.field(description="Support the community offers the claimant.")
    slots: int = strawberry.field(description="How many claimants will be approved (default 1).")
    approved_claim_count: int = strawberry.field(description="Claims approved so far (from the claims service).")
    status: ItemStatus = strawberry.field(description="Where it stands.")
    cancel_reason: str | None = strawberry.field(description="Why it was cancelled.")
    published_at: datetime | None = strawberry.field(description="When it was opened for claiming.")
    created_at: datetime = strawberry.field(description="Drafted at.")
    updated_at: datetime = strawberry.field(description="Last changed at.")
    _item: strawberry.Private[ServiceItem]

    @classmethod
    def from_domain(cls, item: ServiceItem) -> ServiceItemType:
        """From the domain aggregate."""
        draft = item.draft
        return cls(
            id=strawberry.ID(item.id),
            community_id=strawberry.ID(item.community_id),
            kind=draft.kind,
            category=draft.category,
            title=draft.title,
            description=draft.description,
            goals=list(draft.goals),
            target_groups=list(draft.target_groups),
            budget=[
                BudgetLineType(fund_source=line.fund_source, source_name=line.source_name, amount_fen=Fen(line.amount_fen))
                for line in draft.budget
            ],
            total_fen=Fen(item.total_fen),
            schedule=ScheduleType(starts_on=draft.schedule.starts_on, ends_on=draft.schedule.ends_on, note=draft.schedule.note),
            claim_window=ClaimWindowType(opens_at=draft.claim_window.opens_at, closes_at=draft.claim_window.closes_at),
            eligible_claimant_kinds=sorted(draft.eligible_claimant_kinds),
            support_offered=sorted(draft.support_offered),
            slots=draft.slots,
            approved_claim_count=len(item.approved_claim_ids),
            status=item.status,
            cancel_reason=item.cancel_reason,
            published_at=item.published_at,
            created_at=item.created_at,
            updated_at=item.updated_at,
            _item=item,
        )

    @strawberry.field(description="The community (社区), joined from the orgs subgraph.")
    def community(self) -> CommunityRef:
        from services.needs.schema.places import CommunityType

        return CommunityType(id=self.community_id)

    @strawberry.field(description="The needs it was made from (those you may see).")
    async def needs(self, info: Info[NeedsContext, None]) -> list[NeedType]:
        found = await asyncio.gather(*(info.context.visible_need(need_id) for need_id in self._item.draft.need_ids))
        return [NeedType.from_domain(need) for need in found if need is not None]

    @strawberry.field(description="Whether claims are being taken right now.")
    def claim_window_open(self) -> bool:
        return self._item.status is ItemStatus.PUBLISHED and self._item.draft.claim_window.is_open(datetime.now(UTC))

    @strawberry.field(description="Every status change, oldest first.")
    def history(self) -> list[StatusChange]:
        return [StatusChange.from_domain(step) for step in self._item.history]

    @classmethod
    async def resolve_reference(cls, info: Info[NeedsContext, None], id: strawberry.ID) -> ServiceItemType | None:
        """Federation entity resolution, batched through the request's DataLoader."""
        item = await info.context.visible_item(str(id))
        return cls.from_domain(item) if item else None
