"""Domain objects for tests, valid unless told otherwise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.needs.domain import (
    BudgetLine,
    Category,
    ClaimantKind,
    ClaimWindow,
    FundSource,
    ItemDraft,
    ItemKind,
    ItemStatus,
    Need,
    NeedDraft,
    NeedSource,
    NeedStatus,
    Schedule,
    ServiceItem,
    SupportKind,
    TargetGroup,
    draft_item,
    submit,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def need(status: NeedStatus = NeedStatus.SUBMITTED, **changes: Any) -> Need:
    """A need of community c1 in the given status."""
    draft = NeedDraft("c1", "楼道灯坏了", "3号楼2单元", Category.BLUE_GUARD, (TargetGroup.ELDERLY,), NeedSource.RESIDENT, "3号楼", False)
    submitted, _ = submit(draft, need_id=changes.pop("id", "n1"), submitter="resident-1", at=NOW)
    return replace(submitted, status=status, **changes)


def item_draft(**changes: Any) -> ItemDraft:
    """A valid draft: a project from need n1 with a welfare-fund budget, window open a week."""
    draft = ItemDraft(
        community_id="c1",
        need_ids=("n1",),
        kind=ItemKind.PROJECT,
        category=Category.BLUE_GUARD,
        title="楼道照明改造",
        description="",
        goals=("每个楼道有灯",),
        target_groups=(TargetGroup.ELDERLY,),
        budget=(BudgetLine(FundSource.COMMUNITY_WELFARE_FUND, 120_000),),
        schedule=Schedule(date(2026, 12, 1), date(2026, 12, 31)),
        claim_window=ClaimWindow(NOW, NOW + timedelta(days=7)),
        eligible_claimant_kinds=frozenset({ClaimantKind.SOCIAL_ORGANIZATION}),
        support_offered=frozenset({SupportKind.VENUE}),
    )
    return replace(draft, **changes)


def item(status: ItemStatus = ItemStatus.DRAFT, **changes: Any) -> ServiceItem:
    """An item of community c1 in the given status."""
    drafted, _ = draft_item(item_draft(), item_id="i1", actor="staff-1", at=NOW)
    return replace(drafted, status=status, **changes)
