"""Statistics reads at district scale: the needs counters of 500 communities, read over all time, a year and a month.

The counters are filled as the needs service's consumer fills them (one move per need, on its
creation day, over three years: the day, month and year buckets of the community, and of its street
and district rollups, the communities announced in the places read model: one district, streets of
``--street-size`` communities), then timed for the whole district, what ``needStats`` on a District
costs in the needs service without the gateway: summed over the communities (``NeedTallies.counts``,
what a caller who may not see every community gets), and read from the district's and one street's
rollup (``NeedTallies.rollup_counts``, what the district's administrator gets). Each read is timed
alone and with ``--concurrency`` readers at once (administrators on one event loop, as one service
process serves them). Printed: documents read and p50/p95 per read, on ``memory://`` (or ``MONGODB_URL``).

    .venv/bin/python -m bench.statistics [--communities 500] [--needs 100000] [--repeats 20] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial

from services.common.domain import local_date
from services.common.places import CommunityPlace, PlacesReadModel, district_scope, street_scope
from services.common.store import connect
from services.common.store.stamped import stamped
from services.needs.domain import Category, NeedStatus
from services.needs.tallies import NeedTallies

__all__ = ["main"]

FIRST = date(2024, 1, 1)


async def _timed(read: Callable[[], Awaitable[object]], repeats: int, concurrency: int) -> tuple[float, float]:
    """p50 and p95 in ms of ``repeats`` rounds of ``concurrency`` reads arriving at once (each read's latency from
    the round's start: a read waits for those the loop serves before it)."""
    timings: list[float] = []

    async def one(began: float) -> None:
        await read()
        timings.append((time.perf_counter() - began) * 1_000)

    for _ in range(repeats):
        began = time.perf_counter()
        await asyncio.gather(*(one(began) for _ in range(concurrency)))
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.95))]


async def run(communities: int, needs: int, repeats: int, street_size: int, concurrency: int) -> None:
    """Fill the counters, then time district reads."""
    client = connect(os.environ.get("MONGODB_URL") or "memory://")
    database = client.database(f"renling_bench_statistics_{random.randrange(10**6)}")
    try:
        places = PlacesReadModel(stamped(database, "communities"))
        ids = [f"community-{n:03d}" for n in range(communities)]
        for number, community in enumerate(ids):
            await places.record(
                CommunityPlace(community, community, f"street-{number // street_size:02d}", "d1"), f"registered-{community}"
            )
        tallies = NeedTallies(database, database.collection("needs"), database.collection("items"), scopes=places.rollup_scopes)
        await tallies.create_indexes()
        generation = (await tallies.store.generations()).current
        assert generation is not None
        rng = random.Random(16)
        street = ids[:street_size]
        started = time.perf_counter()
        for number in range(needs):
            day = FIRST + timedelta(days=rng.randrange(3 * 365))
            category, status = rng.choice(list(Category)).value, rng.choice(list(NeedStatus)).value
            move = {day: {f"category_status:{category}/{status}": 1}}
            await tallies.store.apply(generation, rng.choice(ids), f"need-{number}", move)
        print(f"filled: {needs} needs over {communities} communities in {time.perf_counter() - started:.1f} s")
        periods = {
            "all time": (None, None),
            "one year (2025)": (datetime(2024, 12, 31, 16, tzinfo=UTC), datetime(2025, 12, 31, 16, tzinfo=UTC)),
            "a year from mid-March": (datetime(2025, 3, 16, 16, tzinfo=UTC), datetime(2026, 3, 16, 16, tzinfo=UTC)),
            "one month": (datetime(2025, 5, 31, 16, tzinfo=UTC), datetime(2025, 6, 30, 16, tzinfo=UTC)),
        }
        district, street_key = district_scope("d1"), street_scope("street-00")
        for name, period in periods.items():
            start, end = period
            first_day = local_date(start) if start else None
            last_day = local_date(end) - timedelta(days=1) if end else None
            summed = (await tallies.counts(ids, period))[0]
            rolled = await tallies.rollup_counts(district, ids, period)
            assert rolled is not None, name
            assert rolled[0]["category_status"] == _added(summed), name  # the rollup is the sum
            reads: dict[str, tuple[int, Callable[[], Awaitable[object]]]] = {
                "summed": (len(await tallies.store.read(ids, first_day, last_day)), partial(tallies.counts, ids, period)),
                "district rollup": (
                    len(await tallies.store.read([district], first_day, last_day)),
                    partial(tallies.rollup_counts, district, ids, period),
                ),
                "street rollup": (
                    len(await tallies.store.read([street_key], first_day, last_day)),
                    partial(tallies.rollup_counts, street_key, street, period),
                ),
            }
            for kind, (documents, read) in reads.items():
                alone, alone95 = await _timed(read, repeats, 1)
                together, together95 = await _timed(read, repeats, concurrency)
                print(
                    f"{name:>22} {kind:>15}: {documents:>6} documents, p50 {alone:7.1f} ms, p95 {alone95:7.1f} ms;"
                    f" {concurrency} at once p50 {together:7.1f} ms, p95 {together95:7.1f} ms"
                )
    finally:
        await database.drop()
        await client.close()


def _added(per_community: dict[str, dict[str, dict[str, int]]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts in per_community.values():
        for key, amount in counts["category_status"].items():
            total[key] = total.get(key, 0) + amount
    return total


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--communities", type=int, default=500)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--street-size", type=int, default=50, help="communities per street")
    parser.add_argument("--concurrency", type=int, default=8, help="district administrators reading at once")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.communities, arguments.needs, arguments.repeats, arguments.street_size, arguments.concurrency))


if __name__ == "__main__":
    main()
