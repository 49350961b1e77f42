"""Statistics reads at district scale: the needs counters of 500 communities, read over all time, a year and a month.

The counters are filled as the needs service's consumer fills them (one move per need, on its
creation day, over three years: the day, month and year buckets), then ``NeedTallies.counts`` is
timed for the whole district — what ``needStats`` on a District costs in the needs service, without
the gateway. Printed: documents read and p50/p95 per read, on ``memory://`` (or ``MONGODB_URL``).

    .venv/bin/python -m bench.statistics [--communities 500] [--needs 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from services.common.domain import local_date
from services.common.store import connect
from services.needs.domain import Category, NeedStatus
from services.needs.tallies import NeedTallies

__all__ = ["main"]

FIRST = date(2024, 1, 1)


async def run(communities: int, needs: int, repeats: int) -> None:
    """Fill the counters, then time district reads."""
    client = connect(os.environ.get("MONGODB_URL") or "memory://")
    database = client.database(f"renling_bench_statistics_{random.randrange(10**6)}")
    try:
        tallies = NeedTallies(database, database.collection("needs"), database.collection("items"))
        await tallies.create_indexes()
        generation = (await tallies.store.generations()).current
        assert generation is not None
        rng = random.Random(16)
        ids = [f"community-{n:03d}" for n in range(communities)]
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
        for name, period in periods.items():
            start, end = period
            first_day = local_date(start) if start else None
            last_day = local_date(end) - timedelta(days=1) if end else None
            documents = len(await tallies.store.read(ids, first_day, last_day))
            timings = []
            for _ in range(repeats):
                began = time.perf_counter()
                await tallies.counts(ids, period)
                timings.append((time.perf_counter() - began) * 1_000)
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
            print(f"{name:>22}: {documents:>6} documents, p50 {statistics.median(timings):7.1f} ms, p95 {p95:7.1f} ms")
    finally:
        await database.drop()
        await client.close()


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--communities", type=int, default=500)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.communities, arguments.needs, arguments.repeats))


if __name__ == "__main__":
    main()
