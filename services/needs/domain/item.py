"""The ServiceItem (公益服务项目 / 活动) aggregate: drafted from needs, funded, published, claimed.

States: draft → published → claimed → in progress → completed → evaluated; cancelled (reason)
from draft, published or halted. After publication the claims service drives it through its
events; :meth:`ServiceItem.advance` moves it as far as the claims it has heard of justify
(the rules are in :mod:`services.needs.domain.outcomes`), so events arriving out of order or
twice still lead to the same state. A terminated claim frees its slot: the item re-opens for
claiming while the window is open, completes with the claims that finished, or — when every
approved claim was terminated after the window closed — halts until staff reopen it with a
new window or cancel it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from services.common.domain import Invalid, StateMachine, Transition, local_date, raise_all
from services.common.events import Event, new_event
from services.needs.domain.outcomes import ClaimOutcomes, next_step
from services.needs.domain.vocabulary import Category, ClaimantKind, FundSource, ItemKind, ItemStatus, SupportKind, TargetGroup

__all__ = ["ITEM_MACHINE", "BudgetLine", "ClaimWindow", "ItemDraft", "ItemStatus", "Schedule", "ServiceItem", "draft_item"]

SERVICE = "needs"
MAX_SLOTS = 50
MAX_FEN = 10**13


S = ItemStatus
ITEM_MACHINE: StateMachine[ItemStatus] = StateMachine(
    "service item",
    {
        "revise": {S.DRAFT: S.DRAFT},
        "publish": {S.DRAFT: S.PUBLISHED},
        "cancel": {S.DRAFT: S.CANCELLED, S.PUBLISHED: S.CANCELLED, S.HALTED: S.CANCELLED},
        "fill": {S.PUBLISHED: S.CLAIMED},
        "reopen": {S.CLAIMED: S.PUBLISHED, S.IN_PROGRESS: S.PUBLISHED, S.COMPLETED: S.PUBLISHED},
        "halt": {S.CLAIMED: S.HALTED, S.IN_PROGRESS: S.HALTED, S.COMPLETED: S.HALTED},
        "republish": {S.HALTED: S.PUBLISHED, S.PUBLISHED: S.PUBLISHED},
        "start": {S.PUBLISHED: S.IN_PROGRESS, S.CLAIMED: S.IN_PROGRESS},
        "complete": {S.IN_PROGRESS: S.COMPLETED},
        "evaluate": {S.COMPLETED: S.EVALUATED},
    },
)


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """Money from one fund source, in integer fen (分)."""

    fund_source: FundSource
    amount_fen: int
    source_name: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The event form."""
        return {"fund_source": self.fund_source.value, "amount_fen": self.amount_fen, "source_name": self.source_name}


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the work happens."""

    starts_on: date
    ends_on: date
    note: str = ""


@dataclass(frozen=True, slots=True)
class ClaimWindow:
    """When claims are taken."""

    opens_at: datetime
    closes_at: datetime

    def is_open(self, at: datetime) -> bool:
        """True between opening and closing."""
        return self.opens_at <= at < self.closes_at


@dataclass(frozen=True, slots=True)
class ItemDraft:
    """What staff fill in to create or revise an item."""

    community_id: str
    need_ids: tuple[str, ...]
    kind: ItemKind
    category: Category
    title: str
    description: str
    goals: tuple[str, ...]
    target_groups: tuple[TargetGroup, ...]
    budget: tuple[BudgetLine, ...]
    schedule: Schedule
    claim_window: ClaimWindow
    eligible_claimant_kinds: frozenset[ClaimantKind]
    support_offered: frozenset[SupportKind]
    slots: int = 1


@dataclass(frozen=True, slots=True)
class ServiceItem:
    """A funded activity or project open for claiming in one community."""

    id: str
    draft: ItemDraft
    status: ItemStatus
    created_by: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    cancel_reason: str | None = None
    approved_claim_ids: tuple[str, ...] = ()
    started_claim_ids: tuple[str, ...] = ()
    completed_claim_ids: tuple[str, ...] = ()
    evaluated_claim_ids: tuple[str, ...] = ()
    terminated_claim_ids: tuple[str, ...] = ()
    history: tuple[Transition[ItemStatus], ...] = field(default=())
    version: int = 0

    @property
    def community_id(self) -> str:
        """The community the item belongs to."""
        return self.draft.community_id

    @property
    def total_fen(self) -> int:
        """The whole budget in fen."""
        return sum(line.amount_fen for line in self.draft.budget)

    def revise(self, draft: ItemDraft, *, actor: str, at: datetime) -> ServiceItem:
        """Change a draft; published items are fixed."""
        ITEM_MACHINE.target(self.status, "revise")
        if draft.need_ids != self.draft.need_ids or draft.community_id != self.draft.community_id:
            raise Invalid("the needs and community of an item cannot change", field="needIds")
        _validate(draft)
        return replace(self, draft=draft, updated_at=at)

    def publish(self, *, actor: str, at: datetime) -> tuple[ServiceItem, list[Event]]:
        """Open it for claiming (活动与项目征集发布)."""
        if self.draft.claim_window.closes_at <= at:
            raise Invalid("the claim window has already closed", field="claimWindow.closesAt")
        item, events = self._move("publish", actor=actor, at=at, routing_key="needs.item.published.v1", extra=self.published_data())
        return replace(item, published_at=at), events

    def cancel(self, reason: str, *, actor: str, at: datetime) -> tuple[ServiceItem, list[Event]]:
        """Withdraw it, saying why; its needs become available again."""
        reason = reason.strip()
        if not reason:
            raise Invalid("a cancellation needs a reason", field="reason")
        item, events = self._move("cancel", actor=actor, at=at, reason=reason, routing_key="needs.item.cancelled.v1")
        return replace(item, cancel_reason=reason), events

    def record_claim(self, stage: str, claim_id: str, *, actor: str, at: datetime) -> tuple[ServiceItem, list[Event]]:
        """A claim was approved, started, completed or evaluated; advance as far as that allows."""
        item = self._with_claim(stage, claim_id, at)
        return item.advance(actor=actor, at=at)

    def republish(self, closes_at: datetime, *, actor: str, at: datetime) -> tuple[ServiceItem, list[Event]]:
        """Staff reopen a halted item for claiming with a new closing time of the claim window (or move a
        published item's closing time, e.g. when it re-opened after a termination and the window ran out)."""
        if closes_at <= at:
            raise Invalid("the new claim window must close in the future", field="claimWindowClosesAt")
        if local_date(closes_at) > self.draft.schedule.ends_on:
            raise Invalid("the claim window would close after the activity has ended", field="claimWindowClosesAt")
        window = ClaimWindow(min(self.draft.claim_window.opens_at, at), closes_at)
        item = replace(self, draft=replace(self.draft, claim_window=window))
        was = {"opens_at": self.draft.claim_window.opens_at.isoformat(), "closes_at": self.draft.claim_window.closes_at.isoformat()}
        changes = {"claim_window": {"old": was, "new": item.published_data()["claim_window"]}}
        return item._move(
            "republish", actor=actor, at=at, routing_key="needs.item.published.v1",
            extra={**item.published_data(), "reopened": True, "changes": changes},
        )  # fmt: skip

    @property
    def outcomes(self) -> ClaimOutcomes:
        """The claims heard of, by stage."""
        return ClaimOutcomes.of(
            self.approved_claim_ids, self.started_claim_ids, self.completed_claim_ids, self.evaluated_claim_ids, self.terminated_claim_ids
        )

    def _with_claim(self, stage: str, claim_id: str, at: datetime) -> ServiceItem:
        stages = {
            "approved": "approved_claim_ids",
            "started": "started_claim_ids",
            "completed": "completed_claim_ids",
            "evaluated": "evaluated_claim_ids",
            "terminated": "terminated_claim_ids",
        }
        name = stages.get(stage)
        if name is None:
            raise ValueError(f"unknown claim stage {stage!r}")
        ids: tuple[str, ...] = getattr(self, name)
        if claim_id in ids:
            return self
        return replace(self, **{name: (*ids, claim_id)}, updated_at=at)  # type: ignore[arg-type]

    def advance(self, *, actor: str, at: datetime) -> tuple[ServiceItem, list[Event]]:
        """Take every step the recorded claims justify."""
        item, events = self, []
        window_open = self.draft.claim_window.is_open(at)
        while (action := next_step(item.status, item.outcomes, slots=item.draft.slots, window_open=window_open)) is not None:
            item, step = item._move(action, actor=actor, at=at)
            events += step
        return item, events

    def published_data(self) -> dict[str, Any]:
        """What the claims service needs to take claims without calling back."""
        draft = self.draft
        return {
            "kind": draft.kind.value,
            "title": draft.title,
            "target_groups": [group.value for group in draft.target_groups],
            "budget": [line.to_data() for line in draft.budget],
            "total_fen": self.total_fen,
            "claim_window": {"opens_at": draft.claim_window.opens_at.isoformat(), "closes_at": draft.claim_window.closes_at.isoformat()},
            "eligible_claimant_kinds": sorted(kind.value for kind in draft.eligible_claimant_kinds),
            "support_offered": sorted(kind.value for kind in draft.support_offered),
            "slots": draft.slots,
        }

    def _move(
        self,
        action: str,
        *,
        actor: str,
        at: datetime,
        reason: str | None = None,
        routing_key: str = "needs.item.status_changed.v1",
        extra: dict[str, Any] | None = None,
    ) -> tuple[ServiceItem, list[Event]]:
        transition = ITEM_MACHINE.move(self.status, action, actor=actor, at=at, reason=reason)
        item = replace(self, status=transition.to_status, updated_at=at, history=(*self.history, transition))
        data = {
            "item_id": self.id,
            "community_id": self.community_id,
            "category": self.draft.category.value,
            "created_on": local_date(self.created_at).isoformat(),
            "budget": [line.to_data() for line in self.draft.budget],
            "need_ids": list(self.draft.need_ids),
            **transition.to_data(),
            **(extra or {}),
        }
        event = new_event(routing_key, service=SERVICE, community=self.community_id, data=data, subject=self.id, time=at)
        return item, [event]


def draft_item(draft: ItemDraft, *, item_id: str, actor: str, at: datetime) -> tuple[ServiceItem, list[Event]]:
    """A new item in draft; its needs are then planned (linked to it)."""
    _validate(draft)
    item = ServiceItem(id=item_id, draft=draft, status=S.DRAFT, created_by=actor, created_at=at, updated_at=at)
    event = new_event(
        "needs.item.drafted.v1",
        service=SERVICE,
        community=draft.community_id,
        subject=item_id,
        time=at,
        data={
            "item_id": item_id,
            "community_id": draft.community_id,
            "need_ids": list(draft.need_ids),
            "status": S.DRAFT.value,
            "actor": actor,
        },
    )
    return item, [event]


def _validate(draft: ItemDraft) -> None:
    """Every rule a draft breaks, reported together."""
    raise_all(_problems(draft))


def _problems(draft: ItemDraft) -> Iterator[Invalid]:
    if not draft.title.strip():
        yield Invalid("the title must not be empty", field="title")
    if len(draft.title) > 120:
        yield Invalid("the title is longer than 120 characters", field="title")
    if len(draft.description) > 8_000:
        yield Invalid("the description is longer than 8000 characters", field="description")
    if not draft.need_ids:
        yield Invalid("an item is made from at least one accepted need", field="needIds")
    if len(set(draft.need_ids)) != len(draft.need_ids):
        yield Invalid("a need is listed twice", field="needIds")
    yield from _budget_problems(draft.budget)
    schedule_reversed = draft.schedule.ends_on < draft.schedule.starts_on
    if schedule_reversed:
        yield Invalid("the schedule ends before it starts", field="schedule.endsOn")
    if draft.claim_window.closes_at <= draft.claim_window.opens_at:
        yield Invalid("the claim window must close after it opens", field="claimWindow.closesAt")
    elif not schedule_reversed and local_date(draft.claim_window.closes_at) > draft.schedule.ends_on:
        yield Invalid("the claim window closes after the activity has ended", field="claimWindow.closesAt")
    if not draft.eligible_claimant_kinds:
        yield Invalid("name at least one kind of claimant", field="eligibleClaimantKinds")
    if not 1 <= draft.slots <= MAX_SLOTS:
        yield Invalid(f"slots must be between 1 and {MAX_SLOTS}", field="slots")
    if any(len(goal) > 500 for goal in draft.goals):
        yield Invalid("a goal is longer than 500 characters", field="goals")


def _budget_problems(budget: tuple[BudgetLine, ...]) -> Iterator[Invalid]:
    """Whole fen per fund source, each source once. An empty budget (or lines of 0 fen) is a
    volunteer-only activity: many cost nothing but the volunteers' time."""
    seen: set[tuple[FundSource, str | None]] = set()
    for index, line in enumerate(budget):
        if line.amount_fen < 0:
            yield Invalid("a budget amount is 0 fen or more", field=f"budget.{index}.amountFen")
        if line.amount_fen > MAX_FEN:
            yield Invalid("a budget amount is implausibly large", field=f"budget.{index}.amountFen")
        name = (line.source_name or "").strip() or None
        if line.fund_source is FundSource.OTHER and name is None:
            yield Invalid("name the other fund source", field=f"budget.{index}.sourceName")
        key = (line.fund_source, name if line.fund_source is FundSource.OTHER else None)
        if key in seen:
            yield Invalid("a fund source is listed twice", field=f"budget.{index}.fundSource")
        seen.add(key)
