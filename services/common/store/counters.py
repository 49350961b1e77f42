"""Per-community, per-day counters: a statistics read model that answers any period in O(communities × days).

A record's change moves the counters by what the record adds now minus what it added before
(:func:`moved`); each day's document takes the move in one conditional update that also records
the change's id, so a change applied twice (a redelivered event, a retried command) moves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from services.common.store.port import Collection, DuplicateKey, Index

__all__ = ["COUNTER_INDEXES", "Counters", "apply_move", "moved", "read_counters"]

Counters = Mapping[date, Mapping[str, float]]
"""Counter name → amount, per calendar day."""
COUNTER_INDEXES = (Index((("community_id", 1), ("day", 1))),)
"""Counters are read per community over a range of days."""
CHANGES = "changes"


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
