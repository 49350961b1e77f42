"""Issue 15.8: need statistics from per-community, per-day counters kept from each need's and item's change.

The counters (``need_tallies``) must equal a recount over the needs and items for any period and
set of communities, on memory:// and MongoDB alike; a change applied twice moves nothing; and
records stored before the counters existed are counted once at start-up.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.common.graphql.period import PeriodInput, bounds
from services.common.store import Database, insert_aggregate
from services.needs.documents import item_to_fields, need_to_fields
from services.needs.domain import BudgetLine, Category, FundSource, ItemStatus, Need, NeedStatus, ServiceItem
from services.needs.store import NeedsStore
from tests.needs.factories import item, item_draft, need
from tests.stores import database

__all__ = ["database"]

COMMUNITIES = ["c1", "c2", "c3"]
START = datetime(2025, 10, 1, tzinfo=UTC)
PERIODS = [
    PeriodInput(),
    PeriodInput(from_=date(2026, 1, 1), to=date(2026, 12, 31)),
    PeriodInput(from_=date(2026, 2, 1), to=date(2026, 2, 28)),
    PeriodInput(to=date(2025, 12, 31)),
    PeriodInput(from_=date(2024, 1, 1), to=date(2024, 12, 31)),
]


@pytest.fixture
async def store(database: Database) -> NeedsStore:
    store = NeedsStore(database)
    await store.create_indexes()
    return store


def _at(rng: random.Random) -> datetime:
    return START + timedelta(days=rng.randrange(450), hours=rng.randrange(24))  # late UTC hours are the next local day


def _records(rng: random.Random) -> tuple[list[Need], list[ServiceItem]]:
    needs = [
        replace(need(id=f"n{n}"), community_id=rng.choice(COMMUNITIES), category=rng.choice(list(Category)), created_at=_at(rng))
        for n in range(90)
    ]
    items = []
    for n in range(30):
        budget = (BudgetLine(FundSource.PARTY_SERVICE_FUND, 100 * rng.randrange(1, 900)), BudgetLine(FundSource.OTHER, 7_000, "捐赠"))
        draft = item_draft(community_id=rng.choice(COMMUNITIES), category=rng.choice(list(Category)), budget=budget)
        items.append(replace(item(id=f"i{n}"), draft=draft, created_at=_at(rng)))
    return needs, items


async def _store_and_change(store: NeedsStore, rng: random.Random, *, twice: bool = False) -> None:
    needs, items = _records(rng)
    for record in needs:
        await store.insert_need(record, [])
    for service_item in items:
        await store.insert_item(service_item, [])
    for _ in range(3):  # statuses and categories move on (staff review, reclassify, plan, resolve…)
        for record in needs:
            loaded = await store.need(record.id)
            assert loaded is not None
            changed = replace(loaded[0], status=rng.choice(list(NeedStatus)), category=rng.choice(list(Category)))
            await store.save_need(changed, [])
            if twice:
                await store.tallies.need_changed(loaded[0], changed)  # the same change seen again
        for service_item in items:
            found = await store.item(service_item.id)
            assert found is not None
            moved = replace(found[0], status=rng.choice(list(ItemStatus)))
            await store.save_item(moved, [])
            if twice:
                await store.tallies.item_changed(found[0], moved)


async def _assert_counters_equal_a_recount(store: NeedsStore) -> None:
    for communities in (COMMUNITIES, ["c2"], ["c1", "c3"]):
        for period in PERIODS:
            span = bounds(period)
            assert await store.need_counts(communities, span) == await store.recount_need_counts(communities, span), period
            assert await store.planned_budgets(communities, span) == await store.recount_planned_budgets(communities, span), period


async def test_the_need_counters_equal_a_recount_for_any_period_and_communities(store: NeedsStore) -> None:
    await _store_and_change(store, random.Random(15))
    everything = await store.need_counts(COMMUNITIES, bounds(None))
    assert sum(sum(counts["status"].values()) for counts in everything.values()) == 90
    assert any(await store.planned_budgets(COMMUNITIES, bounds(None)))
    await _assert_counters_equal_a_recount(store)


async def test_a_need_or_item_change_seen_twice_moves_no_counter(store: NeedsStore) -> None:
    await _store_and_change(store, random.Random(16), twice=True)
    await _assert_counters_equal_a_recount(store)


async def test_needs_and_items_stored_before_the_counters_are_counted_once_at_start_up(store: NeedsStore) -> None:
    needs, items = _records(random.Random(17))
    for record in needs:
        await insert_aggregate(store.needs, {"_id": record.id, **need_to_fields(record)})  # as an older version stored them
    for service_item in items:
        await insert_aggregate(store.items, {"_id": service_item.id, **item_to_fields(service_item)})
    assert not any(counts["status"] for counts in (await store.need_counts(COMMUNITIES, bounds(None))).values())
    await store.create_indexes()  # start-up
    await store.create_indexes()  # and again
    await _assert_counters_equal_a_recount(store)
    assert sum(sum(counts["status"].values()) for counts in (await store.need_counts(COMMUNITIES, bounds(None))).values()) == 90
