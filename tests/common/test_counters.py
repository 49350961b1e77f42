"""Issue 16.3: counters per community by day, month and year; a period is read as whole years + months + days.

Every read must equal the sum of the moves of its days, whatever the period (open ends included);
the month and year buckets must equal the sums of their days; a move applied twice moves nothing;
and a read touches O(communities × (years + 24 + 62)) documents, not one per day.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest

from services.common.store import Database
from services.common.store.counters import CounterStore, bucket_ranges
from tests.stores import plain_database

__all__ = ["plain_database"]

COMMUNITIES = ("c1", "c2", "c3")
FIRST = date(2024, 11, 20)
Moves = list[tuple[str, date, str, int]]


def _days_of(ranges: list[tuple[str, str | None, str | None]], universe: list[date]) -> list[date]:
    """The days of ``universe`` the ranges cover (a day once per range that covers it)."""
    covered = []
    for grain, low, high in ranges:
        for day in universe:
            key = {"d": day.isoformat(), "m": day.isoformat()[:7], "y": day.isoformat()[:4]}[grain]
            if (low is None or key >= low) and (high is None or key <= high):
                covered.append(day)
    return covered


@pytest.mark.parametrize("seed", range(4))
def test_bucket_ranges_cover_each_day_of_the_period_exactly_once(seed: int) -> None:
    rng = random.Random(seed)
    universe = [FIRST + timedelta(days=n) for n in range(1_200)]
    for _ in range(60):
        first = rng.choice([None, *universe[:900]])
        last = rng.choice([None, *universe[300:]])
        ranges = bucket_ranges(first, last)
        expected = [day for day in universe if (first is None or day >= first) and (last is None or day <= last)]
        assert sorted(_days_of(ranges, universe)) == expected, (first, last, ranges)
        assert len(ranges) <= 5


def test_whole_years_and_months_are_read_as_such() -> None:
    assert bucket_ranges(None, None) == [("y", None, None)]
    assert bucket_ranges(date(2025, 1, 1), date(2026, 12, 31)) == [("y", "2025", "2026")]
    assert bucket_ranges(date(2026, 3, 1), date(2026, 3, 31)) == [("m", "2026-03", "2026-03")]
    assert bucket_ranges(date(2025, 12, 30), date(2027, 1, 2)) == [
        ("d", "2025-12-30", "2025-12-31"),
        ("y", "2026", "2026"),
        ("d", "2027-01-01", "2027-01-02"),
    ]
    assert bucket_ranges(date(2026, 5, 5), date(2026, 5, 4)) == []


@pytest.fixture
async def counters(plain_database: Database) -> CounterStore:
    store = CounterStore(plain_database, "test_tallies")
    await store.create_indexes()
    generation = await store.start_generation()
    assert await store.switch_to(generation)
    return store


async def _apply_random(counters: CounterStore, rng: random.Random, *, twice: bool = False) -> Moves:
    applied: Moves = []
    generation = (await counters.generations()).current
    assert generation is not None
    for number in range(300):
        community, day = rng.choice(COMMUNITIES), FIRST + timedelta(days=rng.randrange(1_000))
        name, amount = rng.choice(["a", "b", "c:x/y"]), rng.randrange(-3, 9)
        await counters.apply(generation, community, f"change-{number}", {day: {name: amount}})
        if twice:
            await counters.apply(generation, community, f"change-{number}", {day: {name: amount}})
        applied.append((community, day, name, amount))
    return applied


def _expected(moves: Moves, communities: tuple[str, ...], first: date | None, last: date | None) -> dict[str, int]:
    total: defaultdict[str, int] = defaultdict(int)
    for community, day, name, amount in moves:
        if community in communities and (first is None or day >= first) and (last is None or day <= last):
            total[name] += amount
    return {name: amount for name, amount in total.items() if amount}


async def _read(counters: CounterStore, communities: tuple[str, ...], first: date | None, last: date | None) -> dict[str, int]:
    total: defaultdict[str, int] = defaultdict(int)
    for _, counts in await counters.read(communities, first, last):
        for name, amount in counts.items():
            total[name] += int(amount)
    return {name: amount for name, amount in total.items() if amount}


async def test_any_period_reads_the_sum_of_its_days_moves(counters: CounterStore) -> None:
    rng = random.Random(7)
    moves = await _apply_random(counters, rng)
    for _ in range(40):
        first = rng.choice([None, FIRST + timedelta(days=rng.randrange(700))])
        last = rng.choice([None, (first or FIRST) + timedelta(days=rng.randrange(700))])
        communities = rng.choice([COMMUNITIES, ("c2",), ("c1", "c3")])
        assert await _read(counters, communities, first, last) == _expected(moves, communities, first, last), (first, last)


async def test_a_move_applied_twice_moves_nothing(counters: CounterStore) -> None:
    moves = await _apply_random(counters, random.Random(8), twice=True)
    assert await _read(counters, COMMUNITIES, None, None) == _expected(moves, COMMUNITIES, None, None)


async def test_month_and_year_buckets_equal_the_sums_of_their_days(counters: CounterStore) -> None:
    await _apply_random(counters, random.Random(9))
    for community in COMMUNITIES:
        days = await counters.read_grain([community], "d", "0000", "9999")
        months = await counters.read_grain([community], "m", "0000", "9999")
        years = await counters.read_grain([community], "y", "0000", "9999")
        assert days
        assert months
        assert years
        for grain, rows in (("m", months), ("y", years)):
            summed: defaultdict[str, int] = defaultdict(int)
            for _, counts in days:
                for name, amount in counts.items():
                    summed[name] += int(amount)
            regrouped: defaultdict[str, int] = defaultdict(int)
            for _, counts in rows:
                for name, amount in counts.items():
                    regrouped[name] += int(amount)
            assert dict(regrouped) == dict(summed), grain
        everything = {row["period"] for row in await counters.collection.find({"community_id": community, "grain": "d"})}
        for month in {period[:7] for period in everything}:
            in_month = await counters.read_grain([community], "d", f"{month}-01", f"{month}-31")
            [(_, month_counts)] = await counters.read_grain([community], "m", month, month)
            summed_month: defaultdict[str, int] = defaultdict(int)
            for _, counts in in_month:
                for name, amount in counts.items():
                    summed_month[name] += int(amount)
            assert {k: int(v) for k, v in month_counts.items()} == dict(summed_month), month


async def test_a_read_touches_whole_years_months_and_days_not_every_day(counters: CounterStore) -> None:
    await _apply_random(counters, random.Random(10))
    every_day = await counters.collection.count_documents({"grain": "d"})
    assert every_day > 250
    assert len(await counters.read(COMMUNITIES, None, None)) <= len(COMMUNITIES) * 4  # a few years each
    one_year = await counters.read(COMMUNITIES, date(2025, 3, 17), date(2026, 3, 16))
    assert len(one_year) <= len(COMMUNITIES) * (24 + 62)
    assert len(one_year) < every_day / 2


async def test_readers_see_the_current_generation_only_until_the_next_one_is_switched_in(counters: CounterStore) -> None:
    current = (await counters.generations()).current
    assert current is not None
    await counters.apply(current, "c1", "e1", {date(2026, 1, 5): {"a": 2}})
    building = await counters.start_generation()
    await counters.apply(building, "c1", "rebuild", {date(2026, 1, 5): {"a": 5}})
    assert await _read(counters, ("c1",), None, None) == {"a": 2}  # a half-built generation is never read
    superseding = await counters.start_generation()
    assert not await counters.switch_to(building)  # superseded by a later build
    await counters.apply(superseding, "c1", "rebuild", {date(2026, 1, 5): {"a": 7}})
    assert await counters.switch_to(superseding)
    assert await _read(counters, ("c1",), None, None) == {"a": 7}


async def test_a_switch_deletes_the_generations_before_the_one_readers_leave(counters: CounterStore) -> None:
    first = (await counters.generations()).current
    assert first is not None
    await counters.apply(first, "c1", "e1", {date(2026, 1, 5): {"a": 2}}, record="records/r1")
    second = await counters.start_generation()
    await counters.apply(second, "c1", "rebuild", {date(2026, 1, 5): {"a": 2}})
    assert await counters.switch_to(second)
    assert await counters.collection.count_documents({"gen": str(first)}) > 0  # the one left stays for reads begun before
    third = await counters.start_generation()
    await counters.apply(third, "c1", "rebuild", {date(2026, 1, 5): {"a": 2}})
    await counters.apply(third, "c1", "e2", {date(2026, 1, 6): {"a": 1}}, record="records/r1")
    assert await counters.switch_to(third)
    assert await counters.collection.count_documents({"gen": str(first)}) == 0
    assert await counters.applied.count_documents({"gen": str(first)}) == 0
    assert await counters.collection.count_documents({"gen": str(second)}) > 0
    assert await counters.applied.count_documents({"gen": str(third)}) == 1
    assert await _read(counters, ("c1",), None, None) == {"a": 3}


async def test_buckets_before_the_earliest_named_year_are_read_too(counters: CounterStore) -> None:
    current = (await counters.generations()).current
    assert current is not None
    await counters.apply(current, "c1", "recent", {date(2026, 4, 2): {"a": 1}})
    assert await _read(counters, ("c1",), None, None) == {"a": 1}
    await counters.apply(current, "c1", "long-ago", {date(2009, 6, 30): {"a": 10}})  # e.g. a disbursement dated long ago
    assert await _read(counters, ("c1",), None, None) == {"a": 11}
    assert await _read(counters, ("c1",), None, date(2010, 1, 1)) == {"a": 10}
    assert await _read(counters, ("c1",), date(2009, 6, 1), date(2009, 6, 30)) == {"a": 10}
    assert await _read(counters, ("c1",), date(2011, 1, 1), None) == {"a": 1}
    await counters.apply(current, "c1", "later", {date(2015, 3, 1): {"a": 100}})
    assert await _read(counters, ("c1",), None, date(2012, 12, 31)) == {"a": 10}
    assert await _read(counters, ("c1",), None, date(2015, 12, 31)) == {"a": 110}
    assert await _read(counters, ("c1",), None, None) == {"a": 111}
