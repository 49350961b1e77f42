"""Counters fed by a service's own domain events, and rebuilt from its records when asked.

The records are the source of truth; the counters (:class:`~services.common.store.counters.CounterStore`)
are a read model moved by the consumer of the service's own events. Each event carries the
version its change gave the record (``aggregate_version``, added by the store as it writes the
outbox) and the facts its move is computed from.

How a generation counts each record exactly once, while writes and events go on:

* A record enters a generation through its *cut*: the version at which the record was counted
  whole into that generation (``stats_cut.g<generation>`` in the record's document, set by one
  update guarded by that version, so no change can slip between the read and the cut).
* An event moves a generation only if its ``aggregate_version`` is past the record's cut there:
  changes up to the cut are in the counted record, later ones arrive as events, which are
  delivered after their change was stored, hence after the cut.
* A record a generation has not cut yet (new since the last build) is cut by its first event:
  the consumer counts the record whole at its current version (the counts wait in the cut as
  ``pending`` until applied, so a crash in between is finished by the next delivery).
* A rebuild starts a generation, cuts every record page by page (bounded work per page) and adds
  each page's counts in one move per community, then switches readers to it in one conditional
  update. Events meanwhile move both the current and the building generation by the same rule.

Idempotence: every move records its id (the event id, ``cut:<record>``, ``rebuild:<page>``) in each
bucket it updates, in the same conditional update (a bucket keeps its recent markers only), and an event's
move is then recorded in the record's applied list of the generation (:meth:`CounterStore.hold`), which every
later delivery of it checks first; a cut's move is guarded for good by the cut itself (its pending counts are
dropped once applied), a rebuild page's by the generation being switched in once. Events applied out of order give the same
counts (moves add). Events written before ``aggregate_version`` existed move nothing: their
changes were already in the records when the first generation was built from them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from services.common.domain import Conflict
from services.common.events import Event
from services.common.store.aggregate import VERSION
from services.common.store.counters import CounterStore, Move, add_moves
from services.common.store.port import Collection, Document

__all__ = ["AGGREGATE_VERSION", "CUT", "FedCounters", "Rebuilt", "Source", "versioned"]

AGGREGATE_VERSION = "aggregate_version"
"""Event data: the version the change gave its record (how a generation knows whether it counted it)."""
CUT = "stats_cut"
PAGE = 500

Contributions = Callable[[Sequence[Document]], Awaitable[list[tuple[str, Move]]]]
"""(community id, what the record adds) of each of a page of record documents."""


def versioned(events: Sequence[Event], version: int) -> list[Event]:
    """The events of a change, each carrying the version the change gives its record."""
    return [replace(event, data={**event.data, AGGREGATE_VERSION: version}) for event in events]


@dataclass(frozen=True, slots=True)
class Source:
    """One kind of record the counters count: its collection and what each record adds."""

    records: Collection
    contributions: Contributions


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild did: the generation it built, the records it counted, whether readers switched to it."""

    generation: int
    records: int
    switched: bool


class FedCounters:
    """The counters of one service, moved by its events and rebuilt from its records."""

    def __init__(self, counters: CounterStore, sources: Mapping[str, Source], *, page_size: int = PAGE) -> None:
        self.counters = counters
        self.sources = dict(sources)
        self.page_size = page_size

    async def create_indexes(self) -> None:
        """Declared indexes; at the very first start (no generation yet) the first generation is built."""
        await self.counters.create_indexes()
        if (await self.counters.generations()).current is None:
            await self.rebuild()

    async def on_event(self, source: str, record_id: str, event: Event, move: Move) -> None:
        """Move every live generation by an event's ``move`` if the event is past the record's cut there."""
        version = event.data.get(AGGREGATE_VERSION)
        if not isinstance(version, int):
            return  # written before events carried versions: already in the records the counters were built from
        await self.apply_change(source, record_id, event.id, version, move)

    async def apply_change(self, source: str, record_id: str, change_id: str, version: int, move: Move) -> None:
        """Move every live generation by the change that gave the record ``version`` (idempotent by ``change_id``)."""
        live = (await self.counters.generations()).live
        if not live:
            return
        records = self.sources[source]
        document = await records.records.find_one({"_id": record_id})
        if document is None:
            return
        record = f"{source}/{record_id}"
        for generation in live:
            cut = await self._cut(records, document, generation)
            if cut is not None and version > cut and move:
                await self.counters.apply(generation, str(document["community_id"]), change_id, move, record=record)

    async def rebuild(self) -> Rebuilt:
        """Recount every record into a fresh generation, page by page, then switch readers to it atomically."""
        generation = await self.counters.start_generation()
        counted = 0
        for name, source in self.sources.items():
            after: Any = None
            page_number = 0
            while True:
                filter = {"_id": {"$gt": after}} if after is not None else {}
                page = await source.records.find(filter, sort=[("_id", 1)], limit=self.page_size)
                if not page:
                    break
                await asyncio.sleep(0)  # bounded work per step: other work (writes, events) goes on between pages
                totals: dict[str, dict[date, dict[str, float]]] = {}
                for document, (community_id, move) in zip(page, await source.contributions(page), strict=True):
                    if await self._mark(source, document, generation):
                        add_moves(totals.setdefault(community_id, {}), move)
                    else:  # changed meanwhile (or an event cut it first): cut it on its own
                        fresh = await source.records.find_one({"_id": document["_id"]})
                        if fresh is not None:
                            await self._cut(source, fresh, generation)
                    counted += 1
                for community_id, move in totals.items():
                    await self.counters.apply(generation, community_id, f"rebuild:{name}:{page_number}", move)
                after, page_number = page[-1]["_id"], page_number + 1
        return Rebuilt(generation, counted, await self.counters.switch_to(generation))

    async def _mark(self, source: Source, document: Document, generation: int) -> bool:
        """Cut a record into a generation the rebuild counts it into (its page's move adds it)."""
        key = f"{CUT}.g{generation}"
        outcome = await source.records.update_one(
            {"_id": document["_id"], VERSION: document[VERSION], key: {"$exists": False}}, {"$set": {key: {"version": document[VERSION]}}}
        )
        return outcome.modified > 0

    async def _cut(self, source: Source, document: Document, generation: int) -> int | None:
        """The version at which the record is counted in ``generation``, counting it whole now if it is not yet."""
        key = f"{CUT}.g{generation}"
        for _ in range(16):
            entry = (document.get(CUT) or {}).get(f"g{generation}")
            if entry is not None:
                if "pending" in entry:
                    await self._settle(source, document, generation, entry)
                return int(entry["version"])
            [(community_id, move)] = await source.contributions([document])
            pending = [[day.isoformat(), name, amount] for day, changes in move.items() for name, amount in changes.items()]
            entry = {"version": document[VERSION], "pending": pending, "community_id": community_id}
            outcome = await source.records.update_one(
                {"_id": document["_id"], VERSION: document[VERSION], key: {"$exists": False}}, {"$set": {key: entry}}
            )
            if outcome.modified:
                await self._settle(source, document, generation, entry)
                return int(document[VERSION])
            fresh = await source.records.find_one({"_id": document["_id"]})
            if fresh is None:
                return None
            document = fresh
        raise Conflict("the record is changing too fast to be counted; the event will be retried")

    async def _settle(self, source: Source, document: Document, generation: int, entry: Mapping[str, Any]) -> None:
        """Apply a cut's pending counts (idempotent), then drop them from the cut."""
        move: dict[date, dict[str, float]] = {}
        for day, name, amount in entry["pending"]:
            add_moves(move, {date.fromisoformat(day): {name: amount}})
        await self.counters.apply(generation, str(entry["community_id"]), f"cut:{document['_id']}", move)
        key = f"{CUT}.g{generation}.pending"
        await source.records.update_one({"_id": document["_id"], key: {"$exists": True}}, {"$unset": {key: ""}})
