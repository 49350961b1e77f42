"""Per-community counters by day, month and year: a statistics read model whose reads do not grow with time.

A move (``{day: {counter: amount}}``) updates, for each day it touches, three bucket documents
of the community — the day, its month and its year — each in one conditional upsert that also
records the change's id, so a change applied twice (a redelivered event) moves nothing. A figure
for a period is read as whole years + whole months + the remaining days (:func:`bucket_ranges`),
so an all-time or one-year district figure reads O(communities × (years + 24 + 62)) documents.

Counters live in *generations*: a rebuild fills a fresh generation while the current one keeps
serving, then switches to it in one conditional update (:meth:`CounterStore.switch_to`), so a
reader never sees a half-built model. The generation document lives beside the counters; a bucket's
``gen`` is the generation's number as text (every condition of a read is then a string equality).

Rollups: given ``scopes`` (community id → the keys of the scopes it rolls up into, e.g. ``street:<id>`` and
``district:<id>``), every move applied to a community's buckets is also applied to each of its scopes' buckets
(the scope key in place of the community id), one conditional upsert each, marked ``<community>/<change id>`` (a
rebuild's page move has one id for every community of the page). A street's or a district's figure then reads
O(buckets) documents, not O(communities × buckets).

Idempotence, with bounded markers: a bucket keeps the markers of its last :data:`MARKERS` moves only (a community's
year, or a district's, would otherwise record every change of the year, and each move would scan them). A change of
a record is guarded for good by the record's list of applied changes (:meth:`CounterStore.holds` before the move,
:meth:`CounterStore.hold` after it, per generation and record: a record has few changes), so a replay of an old
event moves nothing, however long after. The buckets' recent markers guard the window between: two deliveries of
one change at once, or a redelivery after a crash in the middle of a move, while fewer than :data:`MARKERS` other
moves hit that bucket; past that window such a redelivery would count twice (until a rebuild). Within a move, the
scopes move before the community's bucket, and only while that bucket does not hold the change yet. A generation
started with scopes is marked as holding rollups; a move of a community whose scopes are not known yet (orgs has not
announced it) is applied to the community only, and the generation is marked as lacking rollups for it *before*, so
a scope read that covers it falls back to summing the communities (exact, only slower) until a rebuild.

Old generations: when readers switch to a generation, the buckets and applied lists of the generations before
the one they leave are deleted (the one they leave stays until the next switch: a read that began before the
switch still finds its buckets)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from services.common.store.port import Collection, Database, DuplicateKey, Index
from services.common.store.stamped import stamped

__all__ = [
    "BUCKET_INDEXES",
    "COUNTER_INDEXES",
    "MARKERS",
    "CounterStore",
    "Counters",
    "Generations",
    "Move",
    "ScopesOf",
    "add_moves",
    "apply_move",
    "bucket_keys",
    "bucket_ranges",
    "moved",
    "read_counters",
]

T = TypeVar("T")

Counters = Mapping[date, Mapping[str, float]]
"""Counter name → amount, per calendar day (what one record adds)."""
Move = Mapping[date, Mapping[str, float]]
"""Counter name → change, per calendar day (what one change moves)."""
BUCKET_INDEXES = (Index((("community_id", 1), ("gen", 1), ("grain", 1), ("period", 1))),)
"""Bucket counters are read per community (first, as everywhere), generation, grain and a range of periods."""
COUNTER_INDEXES = (Index((("community_id", 1), ("day", 1))),)
"""Day-only counters (:func:`apply_move`, :func:`read_counters`) are read per community over a range of days."""
CHANGES = "changes"
GENERATION = "generation"
DAY, MONTH, YEAR = "d", "m", "y"
EARLIEST_YEAR = 2020
"""An open-ended read names the year buckets from here on; a generation that holds older buckets (a disbursement
dated long ago) is marked in the generation document, and such a read then also looks them up by range."""
ANCIENT = "ancient"
ROLLUPS = "rollups"
"""Generation document: the generations that hold scope rollups from their start."""
LACKING = "lacking"
"""Generation document: ``<generation>|<community>`` of communities whose moves a generation's rollups miss."""
MARKERS = 64
"""A bucket keeps the markers of its last this many moves; the lasting guard of a record's change is the record's
applied list (:meth:`CounterStore.holds`)."""
ScopesOf = Callable[[str], Awaitable[Sequence[str] | None]]
"""The scope keys a community's moves roll up into; None while the community is unknown."""


@dataclass(frozen=True, slots=True)
class Generations:
    """Which generation readers use (None before the first build) and which one a rebuild is filling."""

    current: int | None
    building: int | None
    ancient: frozenset[int] = frozenset()
    """Generations holding buckets of years before :data:`EARLIEST_YEAR`."""
    rollups: frozenset[int] = frozenset()
    """Generations whose scope rollups were kept from their start."""
    lacking: frozenset[str] = frozenset()
    """``<generation>|<community>``: communities whose moves a generation's rollups miss."""

    def rollups_cover(self, community_ids: Iterable[str]) -> bool:
        """Do the current generation's rollups hold every move of these communities?"""
        current = self.current
        if current is None or current not in self.rollups:
            return False
        return not any(f"{current}|{community}" in self.lacking for community in community_ids)

    @property
    def live(self) -> tuple[int, ...]:
        """The generations a change must move: the current one and the one being built."""
        return tuple(g for g in (self.current, self.building) if g is not None)


def moved(before: Counters | None, after: Counters) -> dict[date, dict[str, float]]:
    """``after`` minus ``before`` per day and counter; zero moves left out."""
    old = before or {}
    result: dict[date, dict[str, float]] = {}
    for day in set(after) | set(old):
        new_day, old_day = after.get(day, {}), old.get(day, {})
        changes = {name: new_day.get(name, 0) - old_day.get(name, 0) for name in set(new_day) | set(old_day)}
        changes = {name: amount for name, amount in changes.items() if amount}
        if changes:
            result[day] = changes
    return result


def add_moves(total: dict[date, dict[str, float]], move: Move) -> None:
    """Add ``move`` into ``total`` in place."""
    for day, changes in move.items():
        bucket = total.setdefault(day, {})
        for name, amount in changes.items():
            bucket[name] = bucket.get(name, 0) + amount


def bucket_keys(day: date) -> tuple[tuple[str, str], ...]:
    """The (grain, period) of the day, month and year buckets a day's move updates."""
    return ((DAY, day.isoformat()), (MONTH, f"{day.year:04d}-{day.month:02d}"), (YEAR, f"{day.year:04d}"))


def bucket_ranges(first_day: date | None, last_day: date | None) -> list[tuple[str, str | None, str | None]]:
    """Days ``first_day``..``last_day`` (both included; None: open) as (grain, first period, last period) ranges
    of whole years, whole months and the remaining days, none overlapping; a None bound is open."""
    low, high = first_day or date.min, last_day or date.max
    if low > high:
        return []
    first_year = low.year if low == date(low.year, 1, 1) else low.year + 1
    last_year = high.year if high == date(high.year, 12, 31) else high.year - 1
    if first_year > last_year:
        return _months_and_days(low, high)
    years = (YEAR, None if first_day is None else f"{first_year:04d}", None if last_day is None else f"{last_year:04d}")
    head = _months_and_days(low, date(first_year, 1, 1) - timedelta(days=1)) if low < date(first_year, 1, 1) else []
    tail = _months_and_days(date(last_year, 12, 31) + timedelta(days=1), high) if date(last_year, 12, 31) < high else []
    return [*head, years, *tail]


def _months_and_days(low: date, high: date) -> list[tuple[str, str | None, str | None]]:
    """Days ``low``..``high`` (less than two years apart, not both whole years) as whole months and remaining days."""
    first_month = _month_start(low) if low.day == 1 else _next_month(low)
    last_month = _month_start(high) if _next_month(high) - timedelta(days=1) == high else _month_start(high) - timedelta(days=1)
    if _month_start(last_month) < first_month:
        return [(DAY, low.isoformat(), high.isoformat())]
    ranges: list[tuple[str, str | None, str | None]] = []
    if low < first_month:
        ranges.append((DAY, low.isoformat(), (first_month - timedelta(days=1)).isoformat()))
    last = _month_start(last_month)
    ranges.append((MONTH, first_month.isoformat()[:7], last.isoformat()[:7]))
    end_of_last = _next_month(last) - timedelta(days=1)
    if end_of_last < high:
        ranges.append((DAY, (end_of_last + timedelta(days=1)).isoformat(), high.isoformat()))
    return ranges


def _periods(grain: str, low: str | None, high: str | None) -> list[str]:
    """Every period of a range of :func:`bucket_ranges`; an open range of years is bounded by the years the
    platform can have counted (from :data:`EARLIEST_YEAR` to a few years ahead of today)."""
    if grain == DAY:
        first, last = date.fromisoformat(str(low)), date.fromisoformat(str(high))
        return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    if grain == MONTH:
        months, month = [], date.fromisoformat(f"{low}-01")
        while month.isoformat()[:7] <= str(high):
            months.append(month.isoformat()[:7])
            month = _next_month(month)
        return months
    first_year = int(low) if low is not None else EARLIEST_YEAR
    last_year = int(high) if high is not None else date.today().year + 5
    return [f"{year:04d}" for year in range(first_year, last_year + 1)]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


class CounterStore:
    """One service's counters (collection ``name``) and their generation document (``name_generations``)."""

    def __init__(self, database: Database, name: str, *, scopes: ScopesOf | None = None) -> None:
        self.collection = stamped(database, name, bump_on_write=False)  # bumped once per move, not per bucket
        self.generation: Collection = stamped(database, f"{name}_generations", stamp=name)  # a switch moves the counters' stamp
        self.applied: Collection = database.collection(f"{name}_applied")
        self.scopes = scopes

    async def create_indexes(self) -> None:
        """Declared indexes (community first)."""
        await self.collection.create_indexes(BUCKET_INDEXES)

    async def generations(self) -> Generations:
        """The current and the building generation."""
        document = await self.generation.find_one({"_id": GENERATION})
        if document is None:
            return Generations(None, None)
        return Generations(
            document.get("current"),
            document.get("building"),
            frozenset(document.get(ANCIENT, ())),
            frozenset(document.get(ROLLUPS, ())),
            frozenset(document.get(LACKING, ())),
        )

    async def start_generation(self) -> int:
        """A fresh generation to build into (holding rollups if the store has scopes); it supersedes any build
        still unfinished."""
        while True:
            document = await self.generation.find_one({"_id": GENERATION})
            if document is None:
                try:
                    rollups = [1] if self.scopes is not None else []
                    await self.generation.insert_one({"_id": GENERATION, "current": None, "building": 1, "next": 2, ROLLUPS: rollups})
                    return 1
                except DuplicateKey:
                    continue  # another replica started one at the same moment
            number = int(document["next"])
            update: dict[str, Any] = {"$set": {"building": number, "next": number + 1}}
            if self.scopes is not None:
                update["$addToSet"] = {ROLLUPS: number}
            outcome = await self.generation.update_one({"_id": GENERATION, "next": number}, update)
            if outcome.modified:
                return number

    async def switch_to(self, generation: int) -> bool:
        """Readers use ``generation`` from now on, if it is still the one being built (one conditional update)."""
        before = await self.generation.find_one({"_id": GENERATION})
        outcome = await self.generation.update_one(
            {"_id": GENERATION, "building": generation}, {"$set": {"current": generation, "building": None}}
        )
        if not outcome.modified:
            return False
        left = before.get("current") if before is not None else None
        if isinstance(left, int):
            await self._forget_before(min(left, generation))
        return True

    async def _forget_before(self, generation: int) -> None:
        """Delete the buckets and applied lists of every generation numbered below ``generation`` (none is read any more)."""
        old = {"gen": {"$in": [str(number) for number in range(1, generation)]}}  # one delete each, not one per generation
        await self.collection.delete_many(old)
        await self.applied.delete_many(old)
        await self.collection.bump()

    async def holds(self, generation: int, record: str, change_id: str) -> bool:
        """Has ``change_id`` of ``record`` (``<source>/<record id>``) moved ``generation`` (for good)?"""
        found = await self.applied.find_one({"_id": f"{generation}|{record}", CHANGES: change_id}, projection={"_id": 1})
        return found is not None

    async def hold(self, generation: int, record: str, change_id: str) -> None:
        """Record that ``change_id`` of ``record`` has moved ``generation``: no later delivery of it moves it again."""
        await self.applied.update_one(
            {"_id": f"{generation}|{record}"}, {"$addToSet": {CHANGES: change_id}, "$setOnInsert": {"gen": str(generation)}}, upsert=True
        )

    async def apply(self, generation: int, community_id: str, change_id: str, move: Move, *, record: str | None = None) -> None:
        """Apply a move to one generation: per day touched, one conditional upsert each of its day, month and
        year buckets, each skipped by a bucket that already holds ``change_id`` among its recent markers; the same
        for each of the community's scopes (marked ``<community>/<change id>``), or, while its scopes are unknown,
        the generation is marked as lacking rollups for the community first. With ``record`` (the change is one of
        that record's), nothing moves if the record's applied list holds the change, and the list holds it after."""
        if record is not None:
            if await self.holds(generation, record, change_id):
                return
            await self._apply(generation, community_id, change_id, move)
            await self.hold(generation, record, change_id)  # after the move: the buckets' markers guard the gap
            return
        await self._apply(generation, community_id, change_id, move)

    async def _apply(self, generation: int, community_id: str, change_id: str, move: Move) -> None:
        buckets: dict[tuple[str, str], dict[str, float]] = {}
        for day, changes in move.items():
            for key in bucket_keys(day):
                bucket = buckets.setdefault(key, {})
                for name, amount in changes.items():
                    bucket[name] = bucket.get(name, 0) + amount
        if any(day.year < EARLIEST_YEAR for day in move):
            await self.generation.update_one({"_id": GENERATION}, {"$addToSet": {ANCIENT: generation}})
        scopes: Sequence[str] = ()
        if self.scopes is not None:
            found = await self.scopes(community_id)
            if found is None:  # marked before the community's buckets move: a crash between costs only speed
                await self.generation.update_one({"_id": GENERATION}, {"$addToSet": {LACKING: f"{generation}|{community_id}"}})
            scopes = found or ()
        for (grain, period), changes in buckets.items():
            changes = {name: amount for name, amount in changes.items() if amount}
            if not changes:
                continue
            suffix = f"{grain}{period}"
            own = f"{generation}|{community_id}|{suffix}"
            if scopes and await self.collection.find_one({"_id": own, CHANGES: change_id}, projection={"_id": 1}) is None:
                for scope in scopes:  # before the community's bucket: once that holds the change, no scope moves again
                    marker = f"{community_id}/{change_id}"
                    await self._upsert(f"{generation}|{scope}|{suffix}", marker, changes, scope, generation, grain, period)
            await self._upsert(own, change_id, changes, community_id, generation, grain, period)
        await self.collection.bump()  # once the whole move is in: cached reads of the buckets are stale

    async def _upsert(
        self,
        bucket_id: str,
        marker: str,
        changes: Mapping[str, float],
        owner: str,
        generation: int,
        grain: str,
        period: str,
    ) -> None:
        """One bucket moved by ``changes`` unless it already holds ``marker`` (one conditional upsert); the bucket
        keeps only its last :data:`MARKERS` markers."""
        push: Any = {"$each": [marker], "$slice": -MARKERS}
        with contextlib.suppress(DuplicateKey):  # the bucket already holds this change
            await self.collection.update_one(
                {"_id": bucket_id, CHANGES: {"$ne": marker}},
                {
                    "$inc": {f"counts.{name}": amount for name, amount in changes.items()},
                    "$setOnInsert": {"community_id": owner, "gen": str(generation), "grain": grain, "period": period},
                    "$push": {CHANGES: push},
                },
                upsert=True,
            )

    async def memo(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """What ``compute`` (a pure function of the counters) returns, computed once per change of the counters
        (:meth:`StampedCollection.memo <services.common.store.stamped.StampedCollection.memo>`): the same figures
        asked for again cost one stamp lookup. The value is shared between callers: it must not be changed."""
        return await self.collection.memo(key, compute)

    async def read(
        self, community_ids: Iterable[str], first_day: date | None = None, last_day: date | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """(community id, counts) of the buckets covering days ``first_day``..``last_day`` (both included; open ends
        if None) in the current generation: whole years, whole months and the remaining days, each bucket looked up
        by its id (one query of point lookups; years before :data:`EARLIEST_YEAR` by range, if there are any)."""
        return await self._read(await self.generations(), community_ids, first_day, last_day)

    async def read_rollup(
        self, scope: str, community_ids: Iterable[str], first_day: date | None = None, last_day: date | None = None
    ) -> list[tuple[str, dict[str, Any]]] | None:
        """The buckets of scope ``scope`` (as :meth:`read`), or None if the current generation's rollups may miss a
        move of one of ``community_ids`` (the scope's communities): the caller then sums the communities."""
        generations = await self.generations()
        if not generations.rollups_cover(community_ids):
            return None
        return await self._read(generations, [scope], first_day, last_day)

    async def _read(
        self, generations: Generations, community_ids: Iterable[str], first_day: date | None, last_day: date | None
    ) -> list[tuple[str, dict[str, Any]]]:
        current, ranges = generations.current, bucket_ranges(first_day, last_day)
        if current is None or not ranges:
            return []
        communities = list(community_ids)
        keys = [f"{grain}{period}" for grain, low, high in ranges for period in _periods(grain, low, high)]
        ids = [f"{current}|{community}|{key}" for community in communities for key in keys]
        rows = await self.collection.find({"_id": {"$in": ids}}, projection={"community_id": 1, "counts": 1}) if ids else []
        for grain, low, high in ranges:
            if grain == YEAR and low is None and current in generations.ancient:  # years before EARLIEST_YEAR, by range
                period = {"$lt": f"{EARLIEST_YEAR:04d}", **({"$lte": high} if high is not None else {})}
                filter = {"community_id": {"$in": communities}, "gen": str(current), "grain": YEAR, "period": period}
                rows += await self.collection.find(filter, projection={"community_id": 1, "counts": 1})
        return [(row["community_id"], row.get("counts") or {}) for row in rows]  # the store's copies, not copied again

    async def read_grain(self, community_ids: Iterable[str], grain: str, first: str, last: str) -> list[tuple[str, dict[str, Any]]]:
        """(community id, counts) of the buckets of one grain (``d``, ``m``, ``y``) from period ``first`` to ``last``."""
        current = (await self.generations()).current
        if current is None:
            return []
        filter = {
            "community_id": {"$in": list(community_ids)},
            "gen": str(current),
            "grain": grain,
            "period": {"$gte": first, "$lte": last},
        }
        rows = await self.collection.find(filter, projection={"community_id": 1, "counts": 1})
        return [(str(row["community_id"]), dict(row.get("counts", {}))) for row in rows]


# Day-only counters without generations or month/year buckets, for a read model that needs no more
# (a read over all time costs communities × days: prefer :class:`CounterStore` for district figures).


async def apply_move(collection: Collection, community_id: str, change_id: str, move: Mapping[date, Mapping[str, float]]) -> None:
    """Apply a move: one conditional upsert per day, skipped by a day that already holds ``change_id``."""
    for day, changes in move.items():
        try:
            await collection.update_one(
                {"_id": f"{community_id}:{day.isoformat()}", CHANGES: {"$ne": change_id}},
                {
                    "$inc": {f"counts.{name}": amount for name, amount in changes.items()},
                    "$setOnInsert": {"community_id": community_id, "day": day.isoformat()},
                    "$push": {CHANGES: change_id},
                },
                upsert=True,
            )
        except DuplicateKey:
            continue  # the day already holds this change


async def read_counters(
    collection: Collection, community_ids: Iterable[str], first_day: date | None = None, last_day: date | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """(community id, counts) of each day ``first_day``..``last_day`` (both included; open ends if None)."""
    filter: dict[str, Any] = {"community_id": {"$in": list(community_ids)}}
    days = {**({"$gte": first_day.isoformat()} if first_day else {}), **({"$lte": last_day.isoformat()} if last_day else {})}
    if days:
        filter["day"] = days
    rows = await collection.find(filter, projection={"community_id": 1, "counts": 1})
    return [(str(row["community_id"]), dict(row.get("counts", {}))) for row in rows]
