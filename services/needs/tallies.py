"""Need statistics as per-community, per-day counters kept from each need's and item's changes.

A need counts on the day it was created: by status, by category, and by category and status; an
item's budget counts as planned (per category and fund source) on the day the item was created,
while it is neither a draft nor cancelled. So ``needStats(period)`` sums days, never needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from services.common.domain import local_date
from services.common.store import Collection
from services.common.store.counters import COUNTER_INDEXES, Counters, apply_move, moved, read_counters
from services.needs.domain import ItemStatus, Need, ServiceItem

__all__ = ["NeedTallies", "item_counters", "need_counters"]

Period = tuple[datetime | None, datetime | None]
NOT_PLANNED = (ItemStatus.DRAFT, ItemStatus.CANCELLED)


def need_counters(need: Need) -> Counters:
    """What one need adds: on its creation day, one per status, category and category/status."""
    category, status = need.category.value, need.status.value
    return {local_date(need.created_at): {f"status:{status}": 1, f"category:{category}": 1, f"category_status:{category}/{status}": 1}}


def item_counters(item: ServiceItem) -> Counters:
    """What one item adds: its budget as planned, per category/fund source, on its creation day (not drafts or cancelled)."""
    if item.status in NOT_PLANNED:
        return {}
    planned: defaultdict[str, float] = defaultdict(int)
    for line in item.draft.budget:
        planned[f"planned:{item.draft.category.value}/{line.fund_source.value}"] += line.amount_fen
    return {local_date(item.created_at): dict(planned)}


class NeedTallies:
    """The ``need_tallies`` read model: counters per community and day."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    async def create_indexes(self) -> None:
        """Declared indexes (community first)."""
        await self.collection.create_indexes(COUNTER_INDEXES)

    async def need_changed(self, before: Need | None, after: Need) -> None:
        """Move the counters by a need's change (idempotent per change)."""
        move = moved(need_counters(before) if before is not None else None, need_counters(after))
        await apply_move(self.collection, after.community_id, f"need:{after.id}@{_version(before)}", move)

    async def item_changed(self, before: ServiceItem | None, after: ServiceItem) -> None:
        """Move the counters by an item's change (idempotent per change)."""
        move = moved(item_counters(before) if before is not None else None, item_counters(after))
        await apply_move(self.collection, after.community_id, f"item:{after.id}@{_version(before)}", move)

    async def counts(
        self, community_ids: Sequence[str], period: Period
    ) -> tuple[dict[str, dict[str, dict[str, int]]], dict[str, dict[str, int]]]:
        """Per community: need counts (``status``, ``category``, ``category_status``) and planned fen per
        ``category/fund_source``, of needs and items created in ``period``."""
        first_day, last_day = _days(period)
        counts: dict[str, dict[str, dict[str, int]]] = {cid: {"status": {}, "category": {}, "category_status": {}} for cid in community_ids}
        budgets: dict[str, dict[str, int]] = {cid: {} for cid in community_ids}
        for community_id, row in await read_counters(self.collection, community_ids, first_day, last_day):
            for name, amount in row.items():
                kind, _, key = name.partition(":")
                if not amount:
                    continue
                bucket = budgets[community_id] if kind == "planned" else counts[community_id].get(kind)
                if bucket is not None:
                    bucket[key] = bucket.get(key, 0) + int(amount)
        return counts, budgets


def _version(before: Need | ServiceItem | None) -> str:
    return str(before.version) if before is not None else "new"


def _days(period: Period) -> tuple[date | None, date | None]:
    """The calendar days of ``[start, end)`` (``end`` is midnight after the last day)."""
    start, end = period
    return (local_date(start) if start else None, local_date(end) - timedelta(days=1) if end else None)
