"""The audit service's store: entries chained per community, and each chain's head.

An entry is inserted under ``<community>:<seq>`` (unique), then the head moves from ``seq − 1``
to ``seq`` in one conditional update. A writer that finds its ``seq`` taken rolls the head
forward to the entry that took it and tries the next; a process stopped between the two
writes is thus completed by the next writer, and no entry is ever lost or chained twice.
The event id is unique within its community too: an event redelivered is recorded once.

A version 2 entry keeps each personal value's digest and salt (``sealed``) and the texts of its
unerased personal values (``mentions``, indexed, so an erasure finds her entries); an erasure
rewrites the values, ``sealed`` and ``mentions`` in one update guarded by ``redactions`` (the
number of erasures the entry has seen), never its hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.audit.domain import GENESIS, AuditEntry, Change, Sealed, draft_entry, mentions, seal
from services.common.events import Event
from services.common.places import PlacesReadModel
from services.common.privacy import ANONYMISED_AT
from services.common.store import Collection, Database, DuplicateKey, Index
from services.common.store.dates import aware
from services.common.store.stamped import stamped

__all__ = ["PAGE", "AuditStore", "entry_document", "entry_from_document", "redacted_fields"]

PAGE = 500
"""Entries read per round trip when a chain is verified."""


class AuditStore:
    """Collections of the audit service."""

    def __init__(self, database: Database) -> None:
        self.entries: Collection = database.collection("entries")
        self.heads: Collection = database.collection("heads")
        self.places = PlacesReadModel(stamped(database, "communities"))

    async def create_indexes(self) -> None:
        """Declared indexes (``community_id`` first)."""
        await self.entries.create_indexes(
            [
                Index((("community_id", 1), ("event_id", 1)), unique=True),
                Index((("community_id", 1), ("seq", 1)), unique=True),
                Index((("record_id", 1), ("at", 1), ("seq", 1))),  # a record's trail is asked for by the record alone
                Index((("mentions", 1),)),  # an erasure finds the entries naming her
                Index((("community_id", 1), (ANONYMISED_AT, 1), ("at", 1))),  # the retention sweep finds old unswept entries
            ]
        )
        await self.places.create_indexes()

    async def append(self, event: Event) -> AuditEntry | None:
        """Chain the event's entry to its community's trail; None if it is there already."""
        draft = draft_entry(event)
        while True:
            if await self.entries.find_one({"community_id": draft.community_id, "event_id": event.id}, projection={"_id": 1}) is not None:
                return None
            head = await self.heads.find_one({"_id": draft.community_id}) or {"seq": 0, "hash": GENESIS}
            entry = seal(draft, seq=int(head["seq"]) + 1, previous_hash=str(head["hash"]))
            try:
                await self.entries.insert_one(entry_document(entry))
            except DuplicateKey:
                taken = await self.entries.find_one({"_id": _key(entry.community_id, entry.seq)})
                if taken is not None:
                    await self._advance(entry.community_id, int(head["seq"]), taken["seq"], taken["hash"])
                continue
            await self._advance(entry.community_id, int(head["seq"]), entry.seq, entry.hash)
            return entry

    async def _advance(self, community_id: str, from_seq: int, seq: int, hash: str) -> None:
        try:
            await self.heads.update_one({"_id": community_id, "seq": from_seq}, {"$set": {"seq": seq, "hash": hash}}, upsert=from_seq == 0)
        except DuplicateKey:
            return

    async def of_record(self, record_id: str, *, after_seq: int, limit: int) -> list[AuditEntry]:
        """A record's entries, oldest first."""
        documents = await self.entries.find({"record_id": record_id, "seq": {"$gt": after_seq}}, sort=[("at", 1), ("seq", 1)], limit=limit)
        return [entry_from_document(d) for d in documents]

    async def of_community(self, community_id: str, *, after_seq: int, limit: int) -> list[AuditEntry]:
        """A community's entries in chain order."""
        documents = await self.entries.find({"community_id": community_id, "seq": {"$gt": after_seq}}, sort=[("seq", 1)], limit=limit)
        return [entry_from_document(d) for d in documents]

    async def head(self, community_id: str) -> tuple[int, str] | None:
        """The last sequence number and hash of a community's chain."""
        head = await self.heads.find_one({"_id": community_id})
        return (int(head["seq"]), str(head["hash"])) if head else None


def _key(community_id: str, seq: int) -> str:
    return f"{community_id}:{seq:012d}"


def redacted_fields(entry: AuditEntry) -> dict[str, Any]:
    """What an erasure rewrites: the personal values, their seals and the texts they mention."""
    return {
        "actor": entry.actor,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in entry.changes],
        "sealed": [
            {"slot": key, "digest": s.digest, "salt": s.salt, "erased_at": s.erased_at, "why": s.why} for key, s in entry.sealed.items()
        ],
        "mentions": mentions(entry),
    }


def entry_document(entry: AuditEntry) -> dict[str, Any]:
    """An entry as stored."""
    if entry.version > 1:
        return {**_document_v1(entry), "version": entry.version, **redacted_fields(entry), "redactions": 0}
    return _document_v1(entry)


def _document_v1(entry: AuditEntry) -> dict[str, Any]:
    return {
        "_id": _key(entry.community_id, entry.seq),
        "community_id": entry.community_id,
        "seq": entry.seq,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "event_id": entry.event_id,
        "event_type": entry.event_type,
        "actor": entry.actor,
        "at": entry.at,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in entry.changes],
        "previous_hash": entry.previous_hash,
        "hash": entry.hash,
    }


def entry_from_document(document: Mapping[str, Any]) -> AuditEntry:
    """An entry read back."""
    return AuditEntry(
        community_id=document["community_id"],
        record_type=document["record_type"],
        record_id=document["record_id"],
        event_id=document["event_id"],
        event_type=document["event_type"],
        actor=document.get("actor"),
        at=aware(document["at"]),
        changes=tuple(Change(c["field"], c.get("old"), c.get("new")) for c in document.get("changes", [])),
        seq=int(document["seq"]),
        previous_hash=document["previous_hash"],
        hash=document["hash"],
        version=int(document.get("version", 1)),
        sealed={
            s["slot"]: Sealed(s["digest"], s.get("salt"), aware(s["erased_at"]) if s.get("erased_at") else None, s.get("why"))
            for s in document.get("sealed", [])
        },
    )
