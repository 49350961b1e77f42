"""The ``need_heads`` read model: the newest needs of each community and status, so a district's
newest-first list reads O(communities × statuses) small documents instead of every matching need.

One document per (community, status) holds the newest needs in that status (``entries``: one
string, a line per need of its created time, as stored, and its id — so lines sort as the needs
list does, and a list is read as one value — newest first, at most :data:`KEEP`) and whether it
holds all of them (``complete``).
Each list is always a true prefix: what it lacks is older than its last entry. A page merges the
lists of the communities and statuses asked for and takes the newest ``first + 1``; it is exact
when every list that is not complete ends older than the page's last row — otherwise (and for any
other filter or order) the caller reads the needs as before. On MongoDB a newest-first query over
500 communities' index ranges sorts every match in memory (above 200 ranges the planner does not
merge them); this reads one document per range and merges ~``first`` rows.

Kept by the store after each need's change, like the statistics counters: every change is read,
decided and written back guarded by the document's ``version``; adding a need already there or
removing one that is not moves nothing. A list that could stop being a true prefix (a need older
than the list's newest moving into an incomplete list, ties within a millisecond, too few left
after removals) is read again from the needs (:data:`KEEP` rows of one community and status).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.common.domain import Conflict
from services.common.pagination import MAX_PAGE_SIZE
from services.common.store import Collection, DuplicateKey, Index

__all__ = ["KEEP", "Entry", "NeedHeads", "Refill", "entry_of", "entry_of_document", "need_id_of"]

KEEP = 2 * MAX_PAGE_SIZE
"""Needs kept per community and status (a page asks for at most MAX_PAGE_SIZE + 1)."""
REFILL_BELOW = MAX_PAGE_SIZE + 1
"""An incomplete list with fewer entries is read again from the needs."""
MAX_ATTEMPTS = 16
BUILT = "built"
"""The document that says every list was made (missing lists then mean no need in that status)."""

Entry = str
"""``created at|need id`` (:func:`entry_of`): in string order as the needs list orders (created_at, _id); newest first."""
Refill = Callable[[str, str, int], Awaitable[list[Entry]]]
"""(community id, status, limit) → that many newest needs of the community in the status, from the needs."""


def entry_of(at: datetime, need_id: str) -> Entry:
    """The entry of a need created at ``at`` (as stored: MongoDB keeps milliseconds), fixed width so strings sort by time."""
    return f"{at.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}|{need_id}"


def need_id_of(entry: Entry) -> str:
    """The need id an entry names."""
    return entry.partition("|")[2]


def _ms(entry: Entry) -> str:
    """The entry's time to the millisecond, so entries made on any backend compare alike."""
    return entry[:23]


@dataclass(frozen=True, slots=True)
class _List:
    entries: list[Entry]
    complete: bool


class NeedHeads:
    """The newest needs per community and status."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    async def create_indexes(self) -> None:
        """Declared indexes (community first; pages read by ``_id``)."""
        await self.collection.create_indexes([Index((("community_id", 1), ("status", 1)))])

    async def built(self) -> bool:
        """Whether every list was made (not so in a store from before this read model, or one whose making stopped)."""
        return await self.collection.find_one({"_id": BUILT}, projection={"_id": 1}) is not None

    async def changed(self, community_id: str, before: str | None, after: str, entry: Entry, refill: Refill) -> None:
        """A need of ``community_id`` moved from status ``before`` (None: new) to ``after``."""
        if before == after:
            return
        if before is not None:
            await self._change(community_id, before, lambda current: _removed(current, entry), refill)
        await self._change(community_id, after, lambda current: _added(current, entry), refill)

    async def _change(self, community_id: str, status: str, decide: Callable[[_List], _List | None], refill: Refill) -> None:
        """Read the list, decide (None: read it again from the needs), write it back if nobody changed it meanwhile."""
        key = f"{community_id}:{status}"
        for _ in range(MAX_ATTEMPTS):
            document = await self.collection.find_one({"_id": key})
            if document is None:
                with contextlib.suppress(DuplicateKey):
                    await self.collection.insert_one(
                        {"_id": key, "community_id": community_id, "status": status, "entries": "", "complete": True, "version": 0}
                    )
                continue
            current = _List(_lines(document["entries"]), bool(document["complete"]))
            decided = decide(current)
            if decided is None:
                rows = await refill(community_id, status, KEEP + 1)
                decided = _List(rows[:KEEP], len(rows) <= KEEP)
            if decided == current:
                return
            outcome = await self.collection.update_one(
                {"_id": key, "version": document["version"]},
                {
                    "$set": {"entries": "\n".join(decided.entries), "complete": decided.complete},
                    "$inc": {"version": 1},
                },
            )
            if outcome.matched:
                return
        raise Conflict("the needs lists are being changed by others; try again")

    async def rebuild(self, groups: Mapping[tuple[str, str], list[Entry]]) -> None:
        """Start-up, until built: every (community, status) list from the needs, given grouped; then the mark."""
        for (community_id, status), rows in groups.items():
            ordered = sorted(rows, reverse=True)
            entries = "\n".join(ordered[:KEEP])
            await self.collection.update_one(
                {"_id": f"{community_id}:{status}"},
                {
                    "$set": {"community_id": community_id, "status": status, "entries": entries, "complete": len(ordered) <= KEEP},
                    "$inc": {"version": 1},
                },
                upsert=True,
            )
        with contextlib.suppress(DuplicateKey):
            await self.collection.insert_one({"_id": BUILT})

    async def page(self, community_ids: Sequence[str], statuses: Sequence[str], first: int, after: Entry | None) -> list[Entry] | None:
        """The newest ``first + 1`` needs (after ``after``) of these communities and statuses, or None when the lists cannot say."""
        keys = [f"{community_id}:{status}" for community_id in dict.fromkeys(community_ids) for status in dict.fromkeys(statuses)]
        documents = await self.collection.find({"_id": {"$in": [*keys, BUILT]}}, projection={"entries": 1, "complete": 1})
        if not any(document["_id"] == BUILT for document in documents):
            return None
        streams: list[list[Entry]] = []
        bound: Entry | None = None  # the newest end of the lists that are not complete: what they lack is older
        for document in documents:
            if document["_id"] == BUILT:
                continue
            entries = _lines(document["entries"])
            if not document["complete"]:
                if not entries:
                    return None
                bound = entries[-1] if bound is None else max(bound, entries[-1])
            streams.append([entry for entry in entries if after is None or entry < after])
        merged = list(itertools.islice(heapq.merge(*streams, reverse=True), first + 1))
        if bound is not None and (len(merged) <= first or merged[-1] <= bound):
            return None
        return merged


def _lines(entries: str) -> list[Entry]:
    """A stored list's entries, newest first."""
    return sorted(entries.split("\n"), reverse=True) if entries else []


def _removed(current: _List, entry: Entry) -> _List | None:
    entries = [e for e in current.entries if need_id_of(e) != need_id_of(entry)]
    if len(entries) == len(current.entries):
        return current  # not there (or beyond the list): nothing moves
    if not current.complete and len(entries) < REFILL_BELOW:
        return None
    return _List(entries, current.complete)


def _added(current: _List, entry: Entry) -> _List | None:
    if any(need_id_of(e) == need_id_of(entry) for e in current.entries):
        return current  # there already
    if not current.complete and (not current.entries or _ms(entry) <= _ms(max(current.entries))):
        return None  # not certainly the newest: where it belongs among what the list lacks is not known here
    entries = sorted([*current.entries, entry], reverse=True)
    if len(entries) <= KEEP:
        return _List(entries, current.complete)
    if _ms(entries[KEEP - 1]) == _ms(entries[KEEP]):
        return None  # a tie at the cut within a millisecond: read it again from the needs
    return _List(entries[:KEEP], False)


def entry_of_document(document: Mapping[str, Any]) -> Entry:
    """A stored need document's entry."""
    return entry_of(document["created_at"], str(document["_id"]))
