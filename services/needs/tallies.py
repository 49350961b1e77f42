"""The ``need_tallies`` read model: need statistics per community and day, month and year, fed by the needs events.

What a need or an item adds and how each event moves it is pure (:mod:`services.needs.domain.tallies`);
here the counters are moved by the needs service's consumer of its own events (:meth:`NeedTallies.on_event`)
and recounted from the records, the source of truth, when asked (:meth:`NeedTallies.rebuild`). So
``needStats(period)`` sums O(communities × (years + months + days)) bucket documents, never needs; a street's or
district's rollup (:meth:`NeedTallies.rollup_counts`, kept when ``scopes`` are given) reads O(years + months + days).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from services.common.domain import local_date
from services.common.events import Event
from services.common.store import Collection, Database, Document
from services.common.store.counters import CounterStore, Move, ScopesOf, add_moves, moved
from services.common.store.statistics import FedCounters, Rebuilt, Source
from services.needs.documents import item_from_document, need_from_document
from services.needs.domain import Need, ServiceItem
from services.needs.domain.tallies import item_counters, moves, need_counters

__all__ = ["NEED_EVENTS", "NeedTallies"]

Period = tuple[datetime | None, datetime | None]
NEED_EVENTS = ("needs.need.*.v1", "needs.item.*.v1")
"""The needs service's own events that move the counters (its consumer is bound to them)."""


class NeedTallies:
    """Counters of needs (by status, category, category/status) and planned budgets, per community."""

    def __init__(self, database: Database, needs: Collection, items: Collection, *, scopes: ScopesOf | None = None) -> None:
        self.store = CounterStore(database, "need_tallies", scopes=scopes)
        self.counters = FedCounters(self.store, {"needs": Source(needs, _need_contributions), "items": Source(items, _item_contributions)})

    async def create_indexes(self) -> None:
        """Declared indexes; the first generation is built from the records at the very first start."""
        await self.counters.create_indexes()

    async def on_event(self, event: Event) -> None:
        """Move the counters by one of the service's own events (idempotent by event id, in any order)."""
        if event.routing_key.startswith("needs.need."):
            await self.counters.on_event("needs", str(event.data.get("need_id")), event, moves(event))
        elif event.routing_key.startswith("needs.item."):
            await self.counters.on_event("items", str(event.data.get("item_id")), event, moves(event))

    async def need_changed(self, before: Need, after: Need, events: Sequence[Event], version: int) -> None:
        """FALLBACK for what a need's change moves that its events do not say: applied right after the save, under
        the change's version. Today that is a change of category without an event (``classifyNeed``, ``reviseNeed``);
        once such changes emit events whose data carry the facts (``changes.category`` {old, new}, ``created_on``,
        ``status``), :func:`moves` accounts for them and nothing is applied here. A crash between the save and this
        call loses only this remainder, until the next rebuild."""
        remainder = _unaccounted(moved(need_counters(before), need_counters(after)), events)
        if remainder:
            await self.counters.apply_change("needs", after.id, f"unevented:{after.id}@{version}", version, remainder)

    async def item_changed(self, before: ServiceItem, after: ServiceItem, events: Sequence[Event], version: int) -> None:
        """The same FALLBACK for an item (today none is needed: only drafts, which plan nothing, change without an event)."""
        remainder = _unaccounted(moved(item_counters(before), item_counters(after)), events)
        if remainder:
            await self.counters.apply_change("items", after.id, f"unevented:{after.id}@{version}", version, remainder)

    async def rebuild(self) -> Rebuilt:
        """Recount every need and item into a fresh generation and switch readers to it atomically."""
        return await self.counters.rebuild()

    async def counts(
        self, community_ids: Sequence[str], period: Period
    ) -> tuple[dict[str, dict[str, dict[str, int]]], dict[str, dict[str, int]]]:
        """Per community: need counts (``status``, ``category``, ``category_status``) and planned fen per
        ``category/fund_source``, of needs and items created in ``period``."""
        first_day, last_day = _days(period)
        communities = tuple(community_ids)

        async def figures() -> tuple[dict[str, dict[str, dict[str, int]]], dict[str, dict[str, int]]]:
            return _figures(communities, await self.store.read(communities, first_day, last_day))

        return await self.store.memo(("counts", communities, first_day, last_day), figures)  # shared: read only

    async def rollup_counts(
        self, scope: str, community_ids: Sequence[str], period: Period
    ) -> tuple[dict[str, dict[str, int]], dict[str, int]] | None:
        """Need counts and planned fen of a street's or district's rollup ``scope`` (as :meth:`counts` for one
        community), or None if the rollup may miss a move of one of ``community_ids``, the scope's communities."""
        first_day, last_day = _days(period)
        rows = await self.store.read_rollup(scope, community_ids, first_day, last_day)
        if rows is None:
            return None
        counts, budgets = _figures([scope], rows)
        return counts[scope], budgets[scope]


def _figures(
    community_ids: Sequence[str], rows: Sequence[tuple[str, dict[str, float]]]
) -> tuple[dict[str, dict[str, dict[str, int]]], dict[str, dict[str, int]]]:
    """Per community: the counts and planned fen its bucket rows add up to."""
    sums: dict[str, dict[str, float]] = {cid: {} for cid in community_ids}
    for community_id, row in rows:
        summed = sums[community_id]  # sum the buckets first, name each counter once per community
        for name, amount in row.items():
            summed[name] = summed.get(name, 0) + amount
    counts: dict[str, dict[str, dict[str, int]]] = {}
    budgets: dict[str, dict[str, int]] = {}
    for community_id, summed in sums.items():
        found: dict[str, dict[str, int]] = {"status": {}, "category": {}, "category_status": {}}
        planned: dict[str, int] = {}
        for name, amount in summed.items():
            if not amount:
                continue  # a counter moved back to zero (every need left that status) is no figure
            kind, _, key = name.partition(":")
            if kind == "planned":
                planned[key] = int(amount)
            elif kind == "category_status":
                category, _, status = key.partition("/")
                found["category_status"][key] = int(amount)
                found["status"][status] = found["status"].get(status, 0) + int(amount)
                found["category"][category] = found["category"].get(category, 0) + int(amount)
        counts[community_id], budgets[community_id] = found, planned
    return counts, budgets


def _unaccounted(move: Move, events: Sequence[Event]) -> Move:
    """What ``move`` moves beyond what ``events`` move (zero moves left out)."""
    remainder: dict[date, dict[str, float]] = {}
    add_moves(remainder, move)
    for event in events:
        add_moves(remainder, {day: {name: -amount for name, amount in changes.items()} for day, changes in moves(event).items()})
    nonzero = {day: {name: amount for name, amount in changes.items() if amount} for day, changes in remainder.items()}
    return {day: changes for day, changes in nonzero.items() if changes}


async def _need_contributions(documents: Sequence[Document]) -> list[tuple[str, Move]]:
    return [(str(document["community_id"]), need_counters(need_from_document(document))) for document in documents]


async def _item_contributions(documents: Sequence[Document]) -> list[tuple[str, Move]]:
    return [(str(document["community_id"]), item_counters(item_from_document(document))) for document in documents]


def _days(period: Period) -> tuple[date | None, date | None]:
    """The calendar days of ``[start, end)`` (``end`` is midnight after the last day)."""
    start, end = period
    return (local_date(start) if start else None, local_date(end) - timedelta(days=1) if end else None)
