"""A collection whose reads are cached under a change stamp: repeated identical reads cost one lookup while nothing changed.

District views read the same things again and again (the district's communities, the counters of 500
communities, the first page of a district-wide list) while, between two reads, usually nothing was written.
:class:`StampedCollection` wraps a collection of the :mod:`port <services.common.store.port>`: every write
through it bumps the collection's *stamp* (one counter per collection in the database's ``stamps``
collection, shared by every replica) after the write, and ``find``, ``count_documents`` and ``aggregate``
answer from a small per-process cache when the stamp is the one their answer was computed under. So a read
costs one point lookup of the stamp plus a copy of the cached answer, however much work the query was; a
write anywhere (by any replica) makes every cached answer of that collection stale at once.

Consistency: a write's call returns after its stamp moved, so a read that starts after a write returns sees
the write; a read racing a write sees the data before or after it, as without the cache. Only writes through
a stamped handle move the stamp: every handle of such a collection must be stamped (the stores make them
so), or, for bulk writers that bump once per batch (the counters), call :meth:`StampedCollection.bump`.
The write and its stamp's move are two updates: a process that dies between them leaves other processes'
answers cached under the old stamp, so no answer is used more than :data:`CACHED_FOR_S` after it was computed.

Within :func:`one_reading` (each GraphQL request runs in one), each stamp is looked up once, at the first read
that needs it: the request reads one state of each stamped collection (as a read racing a write may anyway),
and a district view that reads the counters of 25 streets looks their stamp up once, not 25 times. A write
through a stamped handle within it forgets its stamp there, so that what the request reads after its own write
includes the write.
"""

from __future__ import annotations

import pickle
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from services.common.store.port import Collection, Database, Document, Filter, Index, Update, UpdateOutcome

__all__ = ["CACHED_ANSWERS", "CACHED_FOR_S", "STAMPS", "StampedCollection", "one_reading", "stamped"]

T = TypeVar("T")

STAMPS = "stamps"
"""The collection holding one change counter per stamped collection (``_id``: the collection's name)."""
CACHED_ANSWERS = 128
"""Answers kept per stamped handle (least recently used dropped first)."""
CACHED_FOR_S = 10.0
"""Longest an answer is used under an unmoved stamp (a writer that died between its write and its stamp's move)."""


class _Reading:
    """The stamps one reading looked up so far; closed when it ends (a task it started may outlive it)."""

    __slots__ = ("open", "stamps")

    def __init__(self) -> None:
        self.open = True
        self.stamps: dict[str, int] = {}


_READING: ContextVar[_Reading | None] = ContextVar("renling_reading", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """Within: each stamp is looked up once and kept, until a write through a stamped handle moves it.

    Tasks started within inherit the reading while it lasts; once it ends they look stamps up again.
    """
    reading = _Reading()
    token = _READING.set(reading)
    try:
        yield
    finally:
        reading.open = False
        reading.stamps.clear()
        _READING.reset(token)


def _seen() -> dict[str, int] | None:
    reading = _READING.get()
    return reading.stamps if reading is not None and reading.open else None


def stamped(database: Database, name: str, *, bump_on_write: bool = True, stamp: str | None = None) -> StampedCollection:
    """Collection ``name`` of ``database``, its reads cached under its stamp (``stamp``: another collection's, when
    what is cached depends on both, e.g. counters and the document naming their current generation)."""
    return StampedCollection(database.collection(name), database.collection(STAMPS), bump_on_write=bump_on_write, stamp=stamp)


def _frozen(answer: Any) -> bytes:
    """A cached answer as pickled bytes: each hit unpickles a fresh copy (at C speed, ~9x a copy in Python), so a
    caller may change what it got. Only this process's own answers are ever unpickled."""
    return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)


class StampedCollection:
    """A :class:`~services.common.store.port.Collection` whose ``find``/``count_documents``/``aggregate`` are
    cached under the collection's stamp, and whose writes move it (unless ``bump_on_write`` is off: the owner
    then calls :meth:`bump` after a batch of writes)."""

    def __init__(self, inner: Collection, stamps: Collection, *, bump_on_write: bool = True, stamp: str | None = None) -> None:
        self.inner = inner
        self._stamps = stamps
        self._stamp_id = stamp or inner.name
        self._bump_on_write = bump_on_write
        self._answers: OrderedDict[tuple[Any, ...], tuple[int, Any, float]] = OrderedDict()

    @property
    def name(self) -> str:
        """The collection's name."""
        return self.inner.name

    async def stamp(self) -> int:
        """The collection's change counter now (0 before its first stamped write)."""
        seen = _seen()
        if seen is not None:
            known = seen.get(self._stamp_id)
            if known is not None:
                return known
        document = await self._stamps.find_one({"_id": self._stamp_id})
        value = int(document["n"]) if document is not None else 0
        if seen is not None:
            seen[self._stamp_id] = value
        return value

    async def bump(self) -> None:
        """Move the stamp: every answer cached for this collection (in any process) is stale from now on."""
        await self._stamps.update_one({"_id": self._stamp_id}, {"$inc": {"n": 1}}, upsert=True)
        seen = _seen()
        if seen is not None:
            seen.pop(self._stamp_id, None)  # what this reading reads next includes its own write

    async def memo(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """What ``compute`` (a pure function of this collection's documents) returns, computed once per stamp and
        ``key``: a figure derived from many documents costs one stamp lookup while nothing was written. The value
        is shared between callers: it must not be changed."""
        stamp = await self.stamp()
        memo_key = ("memo", key)
        hit, value = self._get(memo_key, stamp)
        if hit:
            found: T = value
            return found
        computed = await compute()
        self._put(memo_key, stamp, computed)
        return computed

    async def _after_write(self) -> None:
        if self._bump_on_write:
            await self.bump()

    def _get(self, key: tuple[Any, ...], stamp: int) -> tuple[bool, Any]:
        """(True, the value kept for ``key``) if it was kept under ``stamp`` and is recent enough, else (False, None)."""
        entry = self._answers.get(key)
        if entry is None or entry[0] != stamp or time.monotonic() - entry[2] >= CACHED_FOR_S:
            return False, None
        self._answers.move_to_end(key)
        return True, entry[1]

    def _put(self, key: tuple[Any, ...], stamp: int, value: Any) -> None:
        self._answers[key] = (stamp, value, time.monotonic())
        self._answers.move_to_end(key)
        while len(self._answers) > CACHED_ANSWERS:
            self._answers.popitem(last=False)

    async def _answer(self, key: tuple[Any, ...], read: Callable[[], Awaitable[Any]]) -> Any:
        """What ``read`` (a query of the inner collection) answers, from the cache while the stamp has not moved; a
        fresh copy each time (kept pickled), so a caller may change what it got."""
        stamp = await self.stamp()
        hit, frozen = self._get(key, stamp)
        if hit:
            return pickle.loads(frozen)
        answer = await read()
        self._put(key, stamp, _frozen(answer))
        return answer

    async def insert_one(self, document: Document) -> None:
        """Insert, then move the stamp."""
        try:
            await self.inner.insert_one(document)
        finally:
            await self._after_write()

    async def find_one(self, filter: Filter, *, projection: Mapping[str, Any] | None = None) -> Document | None:
        """Not cached: a point lookup costs what the stamp's lookup does."""
        return await self.inner.find_one(filter, projection=projection)

    async def find(
        self,
        filter: Filter,
        *,
        sort: Sequence[tuple[str, int]] = (),
        limit: int = 0,
        projection: Mapping[str, Any] | None = None,
    ) -> list[Document]:
        """Matches in order, from the cache while the stamp has not moved."""
        key = ("find", repr(filter), repr(list(sort)), limit, repr(projection))
        documents: list[Document] = await self._answer(key, lambda: self.inner.find(filter, sort=sort, limit=limit, projection=projection))
        return documents

    async def update_one(self, filter: Filter, update: Update, *, upsert: bool = False) -> UpdateOutcome:
        """One atomic update, then move the stamp."""
        try:
            return await self.inner.update_one(filter, update, upsert=upsert)
        finally:
            await self._after_write()

    async def update_many(self, filter: Filter, update: Update) -> UpdateOutcome:
        """Each match updated, then move the stamp."""
        try:
            return await self.inner.update_many(filter, update)
        finally:
            await self._after_write()

    async def find_one_and_update(
        self, filter: Filter, update: Update, *, upsert: bool = False, return_new: bool = True
    ) -> Document | None:
        """Atomic update returning the document, then move the stamp."""
        try:
            return await self.inner.find_one_and_update(filter, update, upsert=upsert, return_new=return_new)
        finally:
            await self._after_write()

    async def delete_one(self, filter: Filter) -> int:
        """Delete the first match, then move the stamp."""
        try:
            return await self.inner.delete_one(filter)
        finally:
            await self._after_write()

    async def delete_many(self, filter: Filter) -> int:
        """Delete every match, then move the stamp."""
        try:
            return await self.inner.delete_many(filter)
        finally:
            await self._after_write()

    async def count_documents(self, filter: Filter) -> int:
        """How many match, from the cache while the stamp has not moved."""
        return int(await self._answer(("count", repr(filter)), lambda: self.inner.count_documents(filter)))

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[Document]:
        """All results of a pipeline, from the cache while the stamp has not moved."""
        rows: list[Document] = await self._answer(("aggregate", repr(list(pipeline))), lambda: self.inner.aggregate(pipeline))
        return rows

    async def create_indexes(self, indexes: Sequence[Index]) -> None:
        """Create the declared indexes."""
        await self.inner.create_indexes(indexes)
