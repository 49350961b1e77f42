"""Issue 16.3: a scope rollup (street, district) moves with its communities' buckets; every bucket keeps few change
markers, and a record's change still moves each bucket once, however late it is delivered again."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from services.common.store import Database
from services.common.store import counters as counters_module
from services.common.store.counters import CounterStore
from tests.stores import plain_database

__all__ = ["plain_database"]

PLACES = {"c1": ["street:s1", "district:d1"], "c2": ["street:s1", "district:d1"], "c3": ["street:s2", "district:d1"]}


async def _scopes(community_id: str) -> Sequence[str] | None:
    return PLACES.get(community_id)


async def test_a_scope_keeps_its_last_markers_and_moves_once_per_change_however_late_redelivered(
    plain_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counters_module, "MARKERS", 5)
    store = CounterStore(plain_database, "rollup_test", scopes=_scopes)
    await store.create_indexes()
    generation = await store.start_generation()
    assert await store.switch_to(generation)
    rng = random.Random(3)
    moves = [
        (rng.choice(list(PLACES)), f"change-{n}", {date(2025, 1, 1) + timedelta(days=rng.randrange(60)): {"n": rng.randrange(1, 4)}})
        for n in range(40)
    ]
    for number, (community, change, move) in enumerate(moves):
        await store.apply(generation, community, change, move, record=f"records/r{number % 7}")
    buckets = await store.collection.find({})
    assert any(bucket["community_id"] == "district:d1" for bucket in buckets)
    assert all(len(bucket["changes"]) <= 5 for bucket in buckets)  # markers bounded, the communities' too
    before = await store.collection.find({}, sort=[("_id", 1)])
    for number, (community, change, move) in reversed(list(enumerate(moves))):  # every change again, long after its markers left
        await store.apply(generation, community, change, move, record=f"records/r{number % 7}")
    assert await store.collection.find({}, sort=[("_id", 1)]) == before

    def total(rows: list[tuple[str, dict[str, float]]]) -> float:
        return sum(counts.get("n", 0) for _, counts in rows)

    for first, last in ((None, None), (date(2025, 1, 10), date(2025, 2, 14)), (date(2025, 2, 1), date(2025, 2, 28))):
        district_rows = await store.read_rollup("district:d1", list(PLACES), first, last)
        street_rows = await store.read_rollup("street:s1", ["c1", "c2"], first, last)
        assert district_rows is not None
        assert street_rows is not None
        assert total(district_rows) == total(await store.read(list(PLACES), first, last))
        assert total(street_rows) == total(await store.read(["c1", "c2"], first, last))
        expected = sum(
            amount
            for community, _, move in moves
            for day, counters in move.items()
            for amount in counters.values()
            if community in ("c1", "c2") and (first is None or first <= day) and (last is None or day <= last)
        )
        assert total(street_rows) == expected
    assert len(await store.read(["district:d1"])) == 1  # all time: one year bucket, not communities × buckets
