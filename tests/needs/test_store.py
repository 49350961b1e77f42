"""The needs store's contract, on memory:// and on a real MongoDB when MONGODB_URL is set."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.common.store import Database, VersionConflict
from services.needs.domain import Category, ItemStatus, NeedStatus
from services.needs.store import ItemQuery, NeedQuery, NeedsStore
from tests.needs.factories import NOW, item, need
from tests.stores import database

__all__ = ["database"]


@pytest.fixture
async def store(database: Database) -> NeedsStore:
    store = NeedsStore(database)
    await store.create_indexes()
    return store


async def test_need_round_trips_and_saves_are_version_guarded(store: NeedsStore) -> None:
    original = need(supporter_ids=("r1",))
    await store.insert_need(original, [])
    loaded, handled = await store.need("n1") or (None, None)
    assert loaded == replace(original, version=1)
    assert handled == frozenset()

    accepted, events = loaded.accept(actor="staff", at=NOW + timedelta(hours=1))
    await store.save_need(accepted, events)
    with pytest.raises(VersionConflict):
        await store.save_need(accepted, events)

    reloaded = await store.need("n1")
    assert reloaded is not None
    assert reloaded[0].status is NeedStatus.ACCEPTED
    assert reloaded[0].version == 2
    assert reloaded[0].history == accepted.history


async def test_item_round_trips(store: NeedsStore) -> None:
    original = item()
    await store.insert_item(original, [])

    loaded = await store.item("i1")

    assert loaded is not None
    assert loaded[0] == replace(original, version=1)


async def test_counts_by_community_status_and_category_in_one_aggregation(store: NeedsStore) -> None:
    await store.insert_need(need(id="a"), [])
    await store.insert_need(need(NeedStatus.ACCEPTED, id="b"), [])
    await store.insert_need(need(id="c", category=Category.RED_CLASSROOM), [])
    await store.insert_need(need(id="d", community_id="c2"), [])
    await store.tallies.rebuild()  # stored without events: the counters recount them from the records

    counts = await store.need_counts(["c1", "c2", "c3"])
    assert counts == await store.recount_need_counts(["c1", "c2", "c3"])

    assert counts["c1"] == {
        "status": {"submitted": 2, "accepted": 1},
        "category": {"blue_guard": 2, "red_classroom": 1},
        "category_status": {"blue_guard/submitted": 1, "blue_guard/accepted": 1, "red_classroom/submitted": 1},
    }
    assert counts["c2"] == {"status": {"submitted": 1}, "category": {"blue_guard": 1}, "category_status": {"blue_guard/submitted": 1}}
    assert counts["c3"] == {"status": {}, "category": {}, "category_status": {}}


async def test_lists_filter_and_hide_drafts_where_asked(store: NeedsStore) -> None:
    await store.insert_item(item(), [])
    await store.insert_item(replace(item(ItemStatus.PUBLISHED), id="i2"), [])
    await store.insert_need(need(id="a", title="加装扶手"), [])
    await store.insert_need(need(id="b", title="楼道灯"), [])

    items, _ = await store.list_items(ItemQuery(["c1"], hide_drafts_in=["c1"]), first=10, after=None)
    everything, _ = await store.list_items(ItemQuery(["c1"]), first=10, after=None)
    found, _ = await store.list_needs(NeedQuery(["c1"], text="扶手"), first=10, after=None)

    assert [i.id for i in items] == ["i2"]
    assert sorted(i.id for i in everything) == ["i1", "i2"]
    assert [n.id for n in found] == ["a"]
    assert await store.count_needs(NeedQuery(["c1"])) == 2
