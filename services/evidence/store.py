"""The evidence service's store: the records evidence may belong to (kept from events), evidence metadata, files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.common.events import Event, new_event
from services.common.outbox import OUTBOX_INDEX
from services.common.places import PlacesReadModel
from services.common.store import Collection, Database, DuplicateKey, Index
from services.common.store.aggregate import HANDLED_EVENTS, insert_aggregate
from services.common.store.dates import aware
from services.common.store.stamped import stamped
from services.evidence.blobs import BlobStore, ChunkedBlobStore
from services.evidence.domain import Evidence, EvidenceKind, Record, RecordType

__all__ = ["EVIDENCE_ATTACHED", "EvidenceStore", "attached_event", "evidence_from_document"]

EVIDENCE_ATTACHED = "evidence.evidence.attached.v1"


class EvidenceStore:
    """Collections of the evidence service, and its file storage."""

    def __init__(self, database: Database, blobs: BlobStore | None = None) -> None:
        self.records: Collection = database.collection("records")
        self.evidence: Collection = database.collection("evidence")
        self.blobs: BlobStore = blobs or ChunkedBlobStore(database)
        self.places = PlacesReadModel(stamped(database, "communities"))

    async def create_indexes(self) -> None:
        """Declared indexes (``community_id`` first)."""
        await self.records.create_indexes([Index((("community_id", 1), ("type", 1)))])
        await self.evidence.create_indexes(
            [Index((("community_id", 1), ("record_id", 1))), Index((("record_id", 1), ("uploaded_at", 1))), OUTBOX_INDEX]
        )
        await self.blobs.create_indexes()
        await self.places.create_indexes()

    async def remember(self, record: Record, event: Event) -> None:
        """A record announced by an event (one conditional upsert, idempotent by event id)."""
        fields = {"type": record.type.value, "community_id": record.community_id}
        if record.organization_id is not None:
            fields["organization_id"] = record.organization_id
        if record.claim_id is not None:
            fields["claim_id"] = record.claim_id
        try:
            await self.records.update_one(
                {"_id": record.id, HANDLED_EVENTS: {"$ne": event.id}}, {"$set": fields, "$push": {HANDLED_EVENTS: event.id}}, upsert=True
            )
        except DuplicateKey:
            return

    async def record(self, record_id: str) -> Record | None:
        """A known record."""
        document = await self.records.find_one({"_id": record_id})
        if document is None:
            return None
        return Record(
            document["_id"],
            RecordType(document["type"]),
            document["community_id"],
            document.get("organization_id"),
            document.get("claim_id"),
        )

    async def add(self, evidence: Evidence, data: bytes, thumbnail: bytes | None) -> bool:
        """Store the file (and thumbnail), then the metadata that makes it visible; False if this upload was stored already."""
        await self.blobs.put(evidence.id, data, content_type=evidence.content_type)
        if thumbnail is not None:
            await self.blobs.put(f"{evidence.id}.thumbnail", thumbnail, content_type="image/jpeg")
        try:
            await insert_aggregate(self.evidence, _document(evidence), [attached_event(evidence)])
        except DuplicateKey:
            return False
        return True

    async def one(self, evidence_id: str) -> Evidence | None:
        """One piece of evidence."""
        document = await self.evidence.find_one({"_id": evidence_id})
        return None if document is None else evidence_from_document(document)

    async def of_record(self, record_id: str) -> list[Evidence]:
        """Evidence of a record, oldest first."""
        return [evidence_from_document(d) for d in await self.evidence.find({"record_id": record_id}, sort=[("uploaded_at", 1)])]

    async def uploaded_by(self, person: str) -> list[Evidence]:
        """What one account uploaded, newest first (her personal data export)."""
        documents = await self.evidence.find({"uploaded_by": person}, sort=[("uploaded_at", -1)], limit=1_000)
        return [evidence_from_document(document) for document in documents]

    async def disbursements_without_receipt(self, community_id: str) -> list[Record]:
        """Disbursements of a community that have no receipt attached."""
        disbursements = await self.records.find({"community_id": community_id, "type": RecordType.DISBURSEMENT.value}, sort=[("_id", 1)])
        ids = [d["_id"] for d in disbursements]
        receipts = await self.evidence.find({"record_id": {"$in": ids}, "kind": EvidenceKind.RECEIPT.value}, projection={"record_id": 1})
        covered = {r["record_id"] for r in receipts}
        return [
            Record(d["_id"], RecordType.DISBURSEMENT, community_id, d.get("organization_id"), d.get("claim_id"))
            for d in disbursements
            if d["_id"] not in covered
        ]


def attached_event(evidence: Evidence) -> Event:
    """``evidence.evidence.attached.v1``: a file was attached to a record (for the audit trail; no content, no link)."""
    data = {
        "evidence_id": evidence.id, "community_id": evidence.community_id, "record_id": evidence.record_id,
        "record_type": evidence.record_type.value, "kind": evidence.kind.value, "filename": evidence.filename,
        "content_type": evidence.content_type, "size_bytes": evidence.size_bytes, "sha256": evidence.sha256, "actor": evidence.uploaded_by,
    }  # fmt: skip
    return new_event(
        EVIDENCE_ATTACHED, service="evidence", community=evidence.community_id, subject=evidence.id, time=evidence.uploaded_at, data=data
    )


def _document(evidence: Evidence) -> dict[str, Any]:
    return {
        "_id": evidence.id,
        "record_id": evidence.record_id,
        "record_type": evidence.record_type.value,
        "community_id": evidence.community_id,
        "kind": evidence.kind.value,
        "filename": evidence.filename,
        "content_type": evidence.content_type,
        "size_bytes": evidence.size_bytes,
        "sha256": evidence.sha256,
        "uploaded_by": evidence.uploaded_by,
        "uploaded_at": evidence.uploaded_at,
        "has_thumbnail": evidence.has_thumbnail,
    }


def evidence_from_document(document: Mapping[str, Any]) -> Evidence:
    """The evidence a stored document holds."""
    return Evidence(
        id=document["_id"],
        record_id=document["record_id"],
        record_type=RecordType(document["record_type"]),
        community_id=document["community_id"],
        kind=EvidenceKind(document["kind"]),
        filename=document["filename"],
        content_type=document["content_type"],
        size_bytes=int(document["size_bytes"]),
        sha256=document["sha256"],
        uploaded_by=document["uploaded_by"],
        uploaded_at=aware(document["uploaded_at"]),
        has_thumbnail=bool(document["has_thumbnail"]),
    )
