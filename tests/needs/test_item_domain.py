"""The ServiceItem aggregate: transitions, rules, and the claims-driven lifecycle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from services.common.domain import Invalid, TransitionNotAllowed
from services.common.events import Event
from services.needs.domain import ITEM_MACHINE, BudgetLine, ClaimWindow, FundSource, ItemStatus, ServiceItem, draft_item
from services.needs.domain.outcomes import ClaimOutcomes, next_step
from tests.needs.factories import NOW, item, item_draft

LATER = NOW + timedelta(hours=1)

ACTIONS: dict[str, Callable[[ServiceItem], tuple[ServiceItem, list[Event]]]] = {
    "publish": lambda i: i.publish(actor="staff", at=LATER),
    "cancel": lambda i: i.cancel("经费调整", actor="staff", at=LATER),
    "revise": lambda i: (i.revise(replace(i.draft, title="新标题"), actor="staff", at=LATER), []),
    "republish": lambda i: i.republish(LATER + timedelta(days=3), actor="staff", at=LATER),
}
ALLOWED = {
    ("revise", ItemStatus.DRAFT): ItemStatus.DRAFT,
    ("publish", ItemStatus.DRAFT): ItemStatus.PUBLISHED,
    ("cancel", ItemStatus.DRAFT): ItemStatus.CANCELLED,
    ("cancel", ItemStatus.PUBLISHED): ItemStatus.CANCELLED,
    ("cancel", ItemStatus.HALTED): ItemStatus.CANCELLED,
    ("republish", ItemStatus.HALTED): ItemStatus.PUBLISHED,
    ("republish", ItemStatus.PUBLISHED): ItemStatus.PUBLISHED,
    ("reopen", ItemStatus.CLAIMED): ItemStatus.PUBLISHED,
    ("reopen", ItemStatus.IN_PROGRESS): ItemStatus.PUBLISHED,
    ("reopen", ItemStatus.COMPLETED): ItemStatus.PUBLISHED,
    ("halt", ItemStatus.CLAIMED): ItemStatus.HALTED,
    ("halt", ItemStatus.IN_PROGRESS): ItemStatus.HALTED,
    ("halt", ItemStatus.COMPLETED): ItemStatus.HALTED,
    ("fill", ItemStatus.PUBLISHED): ItemStatus.CLAIMED,
    ("start", ItemStatus.PUBLISHED): ItemStatus.IN_PROGRESS,
    ("start", ItemStatus.CLAIMED): ItemStatus.IN_PROGRESS,
    ("complete", ItemStatus.IN_PROGRESS): ItemStatus.COMPLETED,
    ("evaluate", ItemStatus.COMPLETED): ItemStatus.EVALUATED,
}


def test_the_table_is_exactly_the_documented_one() -> None:
    table = {(action, status): target for action, moves in ITEM_MACHINE.table.items() for status, target in moves.items()}
    assert table == ALLOWED


@pytest.mark.parametrize("status", list(ItemStatus), ids=lambda s: s.value)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_staff_action_from_every_status(action: str, status: ItemStatus) -> None:
    expected = ALLOWED.get((action, status))
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            ACTIONS[action](item(status))
        return
    after, events = ACTIONS[action](item(status))
    assert after.status is expected
    if action != "revise":
        assert after.history[-1].to_status is expected
        assert events[0].routing_key == f"needs.item.{'cancelled' if action == 'cancel' else 'published'}.v1"


@pytest.mark.parametrize("action", ["fill", "start", "complete", "evaluate", "reopen", "halt"])
@pytest.mark.parametrize("status", list(ItemStatus), ids=lambda s: s.value)
def test_every_claims_driven_move_from_every_status(action: str, status: ItemStatus) -> None:
    assert ITEM_MACHINE.allows(status, action) is ((action, status) in ALLOWED)


def test_published_event_carries_what_claims_needs() -> None:
    published, events = item().publish(actor="staff", at=LATER)
    data = events[0].data
    assert published.published_at == LATER
    assert data["item_id"] == "i1"
    assert data["community_id"] == "c1"
    assert data["budget"] == [{"fund_source": "community_welfare_fund", "amount_fen": 120_000, "source_name": None}]
    assert data["eligible_claimant_kinds"] == ["social_organization"]
    assert data["slots"] == 1
    assert data["need_ids"] == ["n1"]


def test_cannot_publish_after_the_window_closed() -> None:
    with pytest.raises(Invalid) as refused:
        item().publish(actor="staff", at=NOW + timedelta(days=8))
    assert refused.value.field == "claimWindow.closesAt"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"need_ids": ()}, "needIds"),
        ({"need_ids": ("n1", "n1")}, "needIds"),
        ({"budget": (BudgetLine(FundSource.PARTY_SERVICE_FUND, -5),)}, "budget.0.amountFen"),
        ({"budget": (BudgetLine(FundSource.OTHER, 100),)}, "budget.0.sourceName"),
        ({"budget": (BudgetLine(FundSource.PARTY_SERVICE_FUND, 1), BudgetLine(FundSource.PARTY_SERVICE_FUND, 2))}, "budget.1.fundSource"),
        ({"claim_window": ClaimWindow(NOW, NOW)}, "claimWindow.closesAt"),
        ({"claim_window": ClaimWindow(NOW, NOW - timedelta(days=1))}, "claimWindow.closesAt"),
        ({"eligible_claimant_kinds": frozenset()}, "eligibleClaimantKinds"),
        ({"slots": 0}, "slots"),
    ],
)
def test_bad_drafts_are_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        draft_item(item_draft(**changes), item_id="i", actor="staff", at=NOW)
    assert refused.value.field == field


def test_two_named_other_sources_are_allowed() -> None:
    budget = (BudgetLine(FundSource.OTHER, 100, "街道补贴"), BudgetLine(FundSource.OTHER, 200, "企业捐赠"))
    drafted, _ = draft_item(item_draft(budget=budget), item_id="i", actor="staff", at=NOW)
    assert drafted.total_fen == 300


def test_claims_lifecycle_in_order_reaches_evaluated() -> None:
    current = item(ItemStatus.PUBLISHED)
    statuses = []
    for stage in ("approved", "started", "completed", "evaluated"):
        current, _ = current.record_claim(stage, "k1", actor="claims", at=LATER)
        statuses.append(current.status)
    assert statuses == [ItemStatus.CLAIMED, ItemStatus.IN_PROGRESS, ItemStatus.COMPLETED, ItemStatus.EVALUATED]


def test_claims_events_out_of_order_or_twice_reach_the_same_state() -> None:
    current = item(ItemStatus.PUBLISHED)
    for stage in ("completed", "evaluated", "started", "completed", "approved", "approved"):
        current, _ = current.record_claim(stage, "k1", actor="claims", at=LATER)
    assert current.status is ItemStatus.EVALUATED
    assert [step.action for step in current.history] == ["fill", "start", "complete", "evaluate"]


def test_an_item_with_two_slots_is_claimed_when_both_are_approved() -> None:
    current = replace(item(ItemStatus.PUBLISHED), draft=item_draft(slots=2))
    current, events = current.record_claim("approved", "k1", actor="claims", at=LATER)
    assert (current.status, events) == (ItemStatus.PUBLISHED, [])
    current, events = current.record_claim("approved", "k2", actor="claims", at=LATER)
    assert current.status is ItemStatus.CLAIMED
    assert events[0].data["status"] == "claimed"
    current, _ = current.record_claim("started", "k1", actor="claims", at=LATER)
    current, _ = current.record_claim("completed", "k1", actor="claims", at=LATER)
    assert current.status is ItemStatus.IN_PROGRESS
    current, _ = current.record_claim("completed", "k2", actor="claims", at=LATER)
    assert current.status is ItemStatus.COMPLETED


def test_revise_cannot_move_needs_or_community() -> None:
    with pytest.raises(Invalid):
        item().revise(item_draft(need_ids=("n2",)), actor="staff", at=LATER)


OUTCOME_RULES = [
    # (status, approved, started, completed, evaluated, terminated, slots, window open) → action
    (ItemStatus.PUBLISHED, "ab", "", "", "", "", 2, True, "fill"),
    (ItemStatus.PUBLISHED, "ab", "", "", "", "a", 2, True, None),
    (ItemStatus.CLAIMED, "ab", "", "", "", "a", 2, True, "reopen"),
    (ItemStatus.CLAIMED, "ab", "", "", "", "a", 2, False, None),
    (ItemStatus.CLAIMED, "ab", "", "", "", "ab", 2, False, "halt"),
    (ItemStatus.IN_PROGRESS, "ab", "ab", "b", "", "a", 2, True, "complete"),
    (ItemStatus.IN_PROGRESS, "ab", "ab", "", "", "ab", 2, True, "reopen"),
    (ItemStatus.IN_PROGRESS, "ab", "ab", "", "", "ab", 2, False, "halt"),
    (ItemStatus.COMPLETED, "ab", "ab", "ab", "a", "b", 2, False, "evaluate"),
    (ItemStatus.COMPLETED, "ab", "ab", "ab", "", "ab", 2, False, "halt"),
    (ItemStatus.COMPLETED, "ab", "ab", "ab", "a", "", 2, False, None),
    (ItemStatus.HALTED, "ab", "ab", "", "", "ab", 2, True, None),
]


@pytest.mark.parametrize(
    ("status", "approved", "started", "completed", "evaluated", "terminated", "slots", "window", "action"), OUTCOME_RULES
)
def test_the_claims_an_item_heard_of_decide_its_next_step(
    status: ItemStatus,
    approved: str,
    started: str,
    completed: str,
    evaluated: str,
    terminated: str,
    slots: int,
    window: bool,
    action: str | None,
) -> None:
    outcomes = ClaimOutcomes.of(approved, started, completed, evaluated, terminated)
    assert next_step(status, outcomes, slots=slots, window_open=window) == action
