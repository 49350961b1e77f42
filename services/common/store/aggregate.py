"""One aggregate = one document: insert and save with the outbox, guarded by ``version``.

Every change is a single conditional atomic update: the new fields, ``version + 1``, the events
to publish (appended to ``outbox``) and, for a consumer, the id of the event it handled
(appended to ``handled_events``), all matched on the version the change was decided from. A
concurrent change makes the guard fail: the caller reloads and decides again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.common.events import Event
from services.common.store.port import Collection, Document

__all__ = ["HANDLED_EVENTS", "OUTBOX", "VERSION", "VersionConflict", "insert_aggregate", "save_aggregate"]

VERSION = "version"
OUTBOX = "outbox"
HANDLED_EVENTS = "handled_events"


class VersionConflict(Exception):
    """The document changed since it was read; reload and decide again."""


async def insert_aggregate(collection: Collection, document: Mapping[str, Any], events: Sequence[Event] = ()) -> Document:
    """Insert a new aggregate at version 1 with its first events in the outbox."""
    stored: Document = {
        **document,
        VERSION: 1,
        OUTBOX: [event.to_document() for event in events],
        HANDLED_EVENTS: [],
    }
    await collection.insert_one(stored)
    return stored


async def save_aggregate(
    collection: Collection,
    aggregate_id: str,
    *,
    expected_version: int,
    changes: Mapping[str, Any],
    events: Sequence[Event] = (),
    handled_event: str | None = None,
    unset: Sequence[str] = (),
) -> None:
    """Apply ``changes`` if the document is still at ``expected_version``; else :class:`VersionConflict`.

    ``unset`` removes fields (a sparse unique index ignores a missing field, not a null one).
    """
    guard: dict[str, Any] = {"_id": aggregate_id, VERSION: expected_version}
    update: dict[str, Any] = {"$inc": {VERSION: 1}}
    if changes:
        update["$set"] = dict(changes)
    if unset:
        update["$unset"] = dict.fromkeys(unset, "")
    push: dict[str, Any] = {}
    if events:
        push[OUTBOX] = {"$each": [event.to_document() for event in events]}
    if handled_event is not None:
        guard[HANDLED_EVENTS] = {"$ne": handled_event}
        push[HANDLED_EVENTS] = handled_event
    if push:
        update["$push"] = push
    outcome = await collection.update_one(guard, update)
    if outcome.matched == 0:
        raise VersionConflict(f"{collection.name}/{aggregate_id} is no longer at version {expected_version}")
