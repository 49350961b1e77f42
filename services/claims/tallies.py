"""The ``claim_tallies`` read model: claim and fund statistics per community and day, month and year, fed by
the claims events.

What a claim adds and how each event moves it is pure (:mod:`services.claims.domain.tallies`); here
the counters are moved by the claims service's consumer of its own events (:meth:`ClaimTallies.on_event`)
and recounted from the claims, the source of truth, when asked (:meth:`ClaimTallies.rebuild`). The
item's category (for the per-category budgets and disbursements) is the one the item was published
with, from the claims service's item board: an item's category is fixed once published.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from services.claims.documents import claim_from_document
from services.claims.domain import ClaimFigures
from services.claims.domain.tallies import CATEGORY_MOVES, add_counters, contributions, moves
from services.common.events import Event
from services.common.store import Collection, Database, Document
from services.common.store.counters import CounterStore, Move, ScopesOf
from services.common.store.statistics import FedCounters, Rebuilt, Source

__all__ = ["CLAIM_EVENTS", "ClaimTallies"]

CLAIM_EVENTS = ("claims.claim.*.v1", "claims.project.*.v1")
"""The claims service's own events that move the counters (its consumer is bound to them)."""


class ClaimTallies:
    """Counters of claims by status, approved and disbursed fen, completions, hours and scores, per community."""

    def __init__(self, database: Database, claims: Collection, boards: Collection, *, scopes: ScopesOf | None = None) -> None:
        self.store = CounterStore(database, "claim_tallies", scopes=scopes)
        self.boards = boards
        self.counters = FedCounters(self.store, {"claims": Source(claims, self._contributions)})

    async def create_indexes(self) -> None:
        """Declared indexes; the first generation is built from the claims at the very first start."""
        await self.counters.create_indexes()

    async def on_event(self, event: Event) -> None:
        """Move the counters by one of the service's own events (idempotent by event id, in any order)."""
        claim_id = event.data.get("claim_id")
        if not isinstance(claim_id, str):
            return
        category = await self._category(str(event.data.get("item_id"))) if event.routing_key in CATEGORY_MOVES else "other"
        await self.counters.on_event("claims", claim_id, event, moves(event, category))

    async def rebuild(self) -> Rebuilt:
        """Recount every claim into a fresh generation and switch readers to it atomically."""
        return await self.counters.rebuild()

    async def figures(self, community_ids: Sequence[str], first_day: date | None, last_day: date | None) -> ClaimFigures:
        """Figures of these communities for days ``first_day``..``last_day`` (both included, open if None)."""
        ids = list(community_ids)
        summed: dict[str, float] = {}
        for _, counts in await self.store.read(ids, first_day, last_day):  # sum the buckets first, name each counter once
            for name, amount in counts.items():
                summed[name] = summed.get(name, 0) + amount
        return add_counters(ClaimFigures(communities=len(ids)), [summed])

    async def rollup_figures(
        self, scope: str, community_ids: Sequence[str], first_day: date | None, last_day: date | None
    ) -> ClaimFigures | None:
        """Figures of a street's or district's rollup ``scope`` (O(buckets)), counted as its ``community_ids``; None
        if the rollup may miss a move of one of them (the caller then sums the communities)."""
        rows = await self.store.read_rollup(scope, community_ids, first_day, last_day)
        if rows is None:
            return None
        summed: dict[str, float] = {}
        for _, counts in rows:
            for name, amount in counts.items():
                summed[name] = summed.get(name, 0) + amount
        return add_counters(ClaimFigures(communities=len(community_ids)), [summed])

    async def _category(self, item_id: str) -> str:
        document = await self.boards.find_one({"_id": item_id}, projection={"category": 1})
        return str(document.get("category") or "other") if document is not None else "other"

    async def _contributions(self, documents: Sequence[Document]) -> list[tuple[str, Move]]:
        item_ids = list({str(document["item_id"]) for document in documents})
        boards = await self.boards.find({"_id": {"$in": item_ids}}, projection={"category": 1})
        categories = {board["_id"]: str(board.get("category") or "other") for board in boards}
        result: list[tuple[str, Move]] = []
        for document in documents:
            claim = claim_from_document(document)
            result.append((claim.community_id, contributions(claim, categories.get(claim.item_id, "other"))))
        return result
