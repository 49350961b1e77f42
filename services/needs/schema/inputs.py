"""Input types of the needs subgraph: list filters and one input per mutation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import strawberry

from services.common.domain import Invalid
from services.common.graphql.scalars import Fen, fen_value
from services.common.text import MULTILINE
from services.needs.domain import BudgetLine, ClaimWindow, ItemDraft, Schedule
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

__all__ = [
    "AcceptNeedInput",
    "BudgetLineInput",
    "CancelServiceItemInput",
    "ClaimWindowInput",
    "ClassifyNeedInput",
    "CreateServiceItemInput",
    "MergeNeedInput",
    "NeedFilter",
    "PublishServiceItemInput",
    "RejectNeedInput",
    "ReviseServiceItemInput",
    "ScheduleInput",
    "ServiceItemContentInput",
    "ServiceItemFilter",
    "StartNeedReviewInput",
    "SubmitNeedInput",
    "SupportNeedInput",
]


@strawberry.input(description="Filters of a needs list; all given filters must match.")
class NeedFilter:
    community_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Communities to list; default: every community you may read."
    )
    categories: list[Category] | None = strawberry.field(default=None, description="Any of these categories.")
    statuses: list[NeedStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    target_groups: list[TargetGroup] | None = strawberry.field(default=None, description="Serving any of these groups.")
    text: str | None = strawberry.field(
        default=None, description="Text contained in the title or description (any substring, no word splitting; case-insensitive)."
    )

    @staticmethod
    def scoped(given: NeedFilter | None, community_ids: list[strawberry.ID]) -> NeedFilter:
        """The same filter limited to the given communities."""
        return replace(given or NeedFilter(), community_ids=community_ids)


@strawberry.input(description="Filters of a service-items list; all given filters must match.")
class ServiceItemFilter:
    community_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Communities to list; default: all of yours.")
    categories: list[Category] | None = strawberry.field(default=None, description="Any of these categories.")
    statuses: list[ItemStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    kinds: list[ItemKind] | None = strawberry.field(default=None, description="Activities, projects or both.")
    text: str | None = strawberry.field(
        default=None, description="Text contained in the title or description (any substring, no word splitting; case-insensitive)."
    )

    @staticmethod
    def scoped(given: ServiceItemFilter | None, community_ids: list[strawberry.ID]) -> ServiceItemFilter:
        """The same filter limited to the given communities."""
        return replace(given or ServiceItemFilter(), community_ids=community_ids)


@strawberry.input(description="A need to submit (需求征集).")
class SubmitNeedInput:
    community_id: strawberry.ID = strawberry.field(description="Your community.")
    title: str = strawberry.field(description="Short title, 1–120 characters.")
    description: str = strawberry.field(metadata=MULTILINE, default="", description="What is needed and why.")
    category: Category = strawberry.field(default=Category.OTHER, description="五色土 category, if you know it; staff may reclassify.")
    target_groups: list[TargetGroup] = strawberry.field(default_factory=list, description="Who would be served; default everyone.")
    source: NeedSource = strawberry.field(default=NeedSource.RESIDENT, description="How it was collected.")
    location: str = strawberry.field(default="", description="Where (building, courtyard…).")
    anonymous: bool = strawberry.field(default=False, description="Hide your name from the public (staff still see it).")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Any unique string per submission: retrying with the same key never creates a second need."
    )


@strawberry.input(description="Support (endorse) a need; once per resident.")
class SupportNeedInput:
    need_id: strawberry.ID = strawberry.field(description="The need.")


@strawberry.input(description="Take a need up for review.")
class StartNeedReviewInput:
    need_id: strawberry.ID = strawberry.field(description="The need.")


@strawberry.input(description="Classify and analyse a need (分类分析).")
class ClassifyNeedInput:
    need_id: strawberry.ID = strawberry.field(description="The need.")
    category: Category = strawberry.field(description="五色土 category.")
    target_groups: list[TargetGroup] = strawberry.field(description="Who is served.")
    priority: Priority = strawberry.field(default=Priority.NORMAL, description="Urgency.")
    analysis_note: str = strawberry.field(metadata=MULTILINE, default="", description="Staff's analysis.")


@strawberry.input(description="Accept a need: the community will act on it.")
class AcceptNeedInput:
    need_id: strawberry.ID = strawberry.field(description="The need.")


@strawberry.input(description="Reject a need, saying why.")
class RejectNeedInput:
    need_id: strawberry.ID = strawberry.field(description="The need.")
    reason: str = strawberry.field(metadata=MULTILINE, description="Why; shown to the submitter.")


@strawberry.input(description="Merge a duplicate need into another; supporters are carried over.")
class MergeNeedInput:
    need_id: strawberry.ID = strawberry.field(description="The duplicate.")
    into_need_id: strawberry.ID = strawberry.field(description="The need it is merged into.")


@strawberry.input(description="Money from one fund source.")
class BudgetLineInput:
    fund_source: FundSource = strawberry.field(description="Which fund.")
    amount_fen: Fen = strawberry.field(description="Amount in fen (分), 0 or more.")
    source_name: str | None = strawberry.field(default=None, description="Name of an OTHER source.")


@strawberry.input(description="When the work happens.")
class ScheduleInput:
    starts_on: date = strawberry.field(description="First day.")
    ends_on: date = strawberry.field(description="Last day, not before the first.")
    note: str = strawberry.field(metadata=MULTILINE, default="", description="Recurrence or other detail.")


@strawberry.input(description="When claims are taken; times need a UTC offset.")
class ClaimWindowInput:
    opens_at: datetime = strawberry.field(description="Claims accepted from.")
    closes_at: datetime = strawberry.field(description="Claims accepted until; after `opensAt`.")


@strawberry.input(description="The contents of a service item that staff write and may revise while it is a draft.")
class ServiceItemContentInput:
    kind: ItemKind = strawberry.field(description="Activity or project.")
    category: Category = strawberry.field(description="五色土 category.")
    title: str = strawberry.field(description="Title, 1–120 characters.")
    budget: list[BudgetLineInput] = strawberry.field(
        description="Budget per fund source (0 fen or more each); empty for a volunteer-only activity."
    )
    schedule: ScheduleInput = strawberry.field(description="When the work happens.")
    claim_window: ClaimWindowInput = strawberry.field(description="When claims are taken.")
    eligible_claimant_kinds: list[ClaimantKind] = strawberry.field(description="Who may claim; at least one kind.")
    description: str = strawberry.field(metadata=MULTILINE, default="", description="What the claimant will do.")
    goals: list[str] = strawberry.field(default_factory=list, description="Goals the evaluation will look at.")
    target_groups: list[TargetGroup] = strawberry.field(default_factory=list, description="Who is served.")
    support_offered: list[SupportKind] = strawberry.field(default_factory=list, description="Support the community offers.")
    slots: int = strawberry.field(default=1, description="How many claimants will be approved (1–50).")

    def to_draft(self, community_id: str, need_ids: tuple[str, ...]) -> ItemDraft:
        """The domain's draft for a community and its needs; times without a UTC offset are refused."""
        return ItemDraft(
            community_id=community_id,
            need_ids=need_ids,
            kind=self.kind,
            category=self.category,
            title=self.title.strip(),
            description=self.description.strip(),
            goals=tuple(goal.strip() for goal in self.goals if goal.strip()),
            target_groups=tuple(dict.fromkeys(self.target_groups)) or (TargetGroup.EVERYONE,),
            budget=tuple(
                BudgetLine(line.fund_source, fen_value(line.amount_fen, field=f"budget.{index}.amountFen"), line.source_name)
                for index, line in enumerate(self.budget)
            ),
            schedule=Schedule(self.schedule.starts_on, self.schedule.ends_on, self.schedule.note.strip()),
            claim_window=ClaimWindow(_aware(self.claim_window.opens_at, "opensAt"), _aware(self.claim_window.closes_at, "closesAt")),
            eligible_claimant_kinds=frozenset(self.eligible_claimant_kinds),
            support_offered=frozenset(self.support_offered),
            slots=self.slots,
        )


@strawberry.input(description="A service item made from accepted needs (活动与项目征集).")
class CreateServiceItemInput(ServiceItemContentInput):
    community_id: strawberry.ID = strawberry.field(description="The community.")
    need_ids: list[strawberry.ID] = strawberry.field(description="Accepted needs of the community it answers; at least one.")
    idempotency_key: str | None = strawberry.field(
        default=None, description="Any unique string per item: retrying with the same key never creates a second item."
    )

    def to_new_draft(self) -> ItemDraft:
        """The draft of the new item."""
        return self.to_draft(str(self.community_id), tuple(str(need_id) for need_id in self.need_ids))


@strawberry.input(description="New contents of a draft item (its community and needs stay).")
class ReviseServiceItemInput(ServiceItemContentInput):
    item_id: strawberry.ID = strawberry.field(description="The draft item.")


@strawberry.input(description="Open a draft item for claiming.")
class PublishServiceItemInput:
    item_id: strawberry.ID = strawberry.field(description="The draft item.")


@strawberry.input(description="Reopen a halted (or published) item for claiming, with a new closing time of its claim window.")
class ReopenServiceItemInput:
    item_id: strawberry.ID = strawberry.field(description="The halted or published item.")
    claim_window_closes_at: datetime = strawberry.field(
        description="When the new claim window closes (with a UTC offset); in the future and not after the schedule ends."
    )

    def closes_at(self) -> datetime:
        """The closing time, refused without a UTC offset."""
        return _aware(self.claim_window_closes_at, "closesAt", field="claimWindowClosesAt")


@strawberry.input(description="Cancel a draft, published or halted item, saying why; its needs become accepted again.")
class CancelServiceItemInput:
    item_id: strawberry.ID = strawberry.field(description="The item.")
    reason: str = strawberry.field(metadata=MULTILINE, description="Why.")


def _aware(value: datetime, name: str, *, field: str | None = None) -> datetime:
    if value.tzinfo is None:
        raise Invalid("give the time with a UTC offset, e.g. 2026-12-01T09:00:00+08:00", field=field or f"claimWindow.{name}")
    return value
