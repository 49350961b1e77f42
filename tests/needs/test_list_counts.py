"""A needs list's totalCount from the counters equals a recount over the needs, for every filter the counters can answer."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.common.store import Database
from services.needs.domain import Category, NeedStatus, TargetGroup
from services.needs.list_counts import count_needs, expressible
from services.needs.store import NeedQuery, NeedsStore
from tests.needs.factories import need
from tests.stores import database

__all__ = ["database"]

COMMUNITIES = ["c1", "c2", "c3", "c4"]
S, C = NeedStatus, Category


@pytest.fixture
async def store(database: Database) -> NeedsStore:
    store = NeedsStore(database)
    await store.create_indexes()
    return store


async def _generated(store: NeedsStore, rng: random.Random) -> None:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    for n in range(120):
        created = start + timedelta(days=rng.randrange(400), hours=rng.randrange(24))
        record = replace(need(id=f"n{n}"), community_id=rng.choice(COMMUNITIES), category=rng.choice(list(C)), created_at=created)
        await store.insert_need(record, [])
    for _ in range(2):  # reviewed, reclassified, planned, resolved…
        for n in range(0, 120, 2):
            loaded = await store.need(f"n{n}")
            assert loaded is not None
            await store.save_need(replace(loaded[0], status=rng.choice(list(S)), category=rng.choice(list(C))), [])
    await store.tallies.rebuild()  # stored without events: the counters recount them from the records


QUERIES = [
    NeedQuery(COMMUNITIES),
    NeedQuery(COMMUNITIES, statuses=[S.SUBMITTED, S.UNDER_REVIEW]),
    NeedQuery(["c1", "c3"], statuses=[S.ACCEPTED]),
    NeedQuery(COMMUNITIES, categories=[C.BLUE_GUARD, C.RED_CLASSROOM]),
    NeedQuery(["c2"], categories=[C.GREEN_GUARDIANS], statuses=[S.SUBMITTED, S.RESOLVED, S.REJECTED]),
    NeedQuery(["c1", "c1", "c9"], statuses=list(S)),
    NeedQuery(COMMUNITIES, target_groups=[TargetGroup.ELDERLY]),  # not expressible: counted over the needs
]


async def test_total_count_equals_a_recount_for_every_filter(store: NeedsStore) -> None:
    await _generated(store, random.Random(16))
    for query in QUERIES:
        recount = await store.count_needs(query)
        assert await count_needs(store, query) == recount, query
        assert recount > 0, query
        assert expressible(query) is not bool(query.target_groups)
    assert await count_needs(store, NeedQuery([], statuses=[S.SUBMITTED])) == 0
