"""Personal data in the evidence service (个人信息保护法): who uploaded each file.

Evidence is attached by a community's staff or a claiming organization's leader; the metadata
keeps the uploader's account (``uploaded_by``) and the file's name as they gave it. When a
person asks for erasure her uploads keep their record, kind, type, size and checksum, but her
account becomes its pseudonym and the name she gave reads ``已匿名`` (its extension kept, since the
content is checked against it). Past the district's retention period, every upload's account is
pseudonymised and its name reads ``已匿名`` too (a file's name may name a resident). The files themselves are evidence of the records (receipts, photos of the work)
and stay. One conditional update per piece of evidence, guarded by what it changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.common.events import Event
from services.common.places import PlacesReadModel
from services.common.privacy import ANONYMISED, ANONYMISED_AT, pseudonym
from services.common.retention import RetentionReadModel, on_privacy_event
from services.common.store import Collection, Database, Index

__all__ = ["EvidencePersonalData", "anonymised_filename"]


def anonymised_filename(filename: str) -> str:
    """``已匿名`` with the file's extension (``发票-李秀英.jpg`` → ``已匿名.jpg``)."""
    return ANONYMISED + ("." + filename.rsplit(".", 1)[-1] if "." in filename else "")


class EvidencePersonalData:
    """Her uploads erased on request, every upload's account pseudonymised past the retention period."""

    def __init__(self, database: Database, evidence: Collection, places: PlacesReadModel, *, default_days: int,
                 clock: Callable[[], datetime]) -> None:  # fmt: skip
        self._evidence, self._clock = evidence, clock
        self.retention = RetentionReadModel(database.collection("retention"), places, default_days=default_days)

    async def create_indexes(self) -> None:
        """Her uploads are found by index (an erasure, her export); the sweep by community and time."""
        await self._evidence.create_indexes(
            [Index((("uploaded_by", 1),)), Index((("community_id", 1), (ANONYMISED_AT, 1), ("uploaded_at", 1)))]
        )

    async def handle(self, event: Event) -> bool:
        """Erasure requests and retention settings; False for any other event."""
        return await on_privacy_event(event, erase=self.erase, retention=self.retention)

    async def erase(self, person: str) -> int:
        """Her uploads no longer carry her account or the names she gave them; how many changed."""
        changed, at = 0, self._clock()
        for document in await self._evidence.find({"uploaded_by": person}, projection={"_id": 1, "filename": 1}):
            outcome = await self._evidence.update_one(
                {"_id": document["_id"], "uploaded_by": person},
                {"$set": {"uploaded_by": pseudonym(person), "filename": anonymised_filename(document["filename"]), ANONYMISED_AT: at}},
            )
            changed += outcome.modified
        return changed

    async def anonymise_expired(self) -> int:
        """The retention sweep: uploads past their district's period no longer carry their uploader's account or name; how many."""
        now, changed = self._clock(), 0
        for scope in await self.retention.expired(now):
            expired = {**scope.filter(), "uploaded_at": {"$lt": scope.cutoff}, ANONYMISED_AT: None}
            for document in await self._evidence.find(expired, projection={"_id": 1, "uploaded_by": 1, "filename": 1}):
                changes = {"uploaded_by": pseudonym(document["uploaded_by"]), "filename": anonymised_filename(document["filename"])}
                outcome = await self._evidence.update_one(
                    {"_id": document["_id"], ANONYMISED_AT: None}, {"$set": {**changes, ANONYMISED_AT: now}}
                )
                changed += outcome.modified
        return changed
