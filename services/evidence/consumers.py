"""The evidence service learns the records evidence may belong to from the other services' events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.common.bus import Subscription
from services.common.event_data import optional_text
from services.common.events import Event
from services.common.places import COMMUNITY_REGISTERED
from services.common.privacy import ERASURE_REQUESTED, RETENTION_SET
from services.evidence.domain import Record, RecordType
from services.evidence.personal import EvidencePersonalData
from services.evidence.store import EvidenceStore

__all__ = ["BINDINGS", "EvidenceConsumers"]

BINDINGS = ("needs.need.submitted.v1", "needs.item.drafted.v1", "claims.#", COMMUNITY_REGISTERED, ERASURE_REQUESTED, RETENTION_SET)
_CLAIM_PARTS = {
    "claims.project.funds_disbursed.v1": ("disbursement_id", RecordType.DISBURSEMENT),
    "claims.project.supervised.v1": ("visit_id", RecordType.SUPERVISION),
    "claims.project.progress_reported.v1": ("report_id", RecordType.PROGRESS_REPORT),
}


class EvidenceConsumers:
    """Remembers each record (idempotent by event id); erasure requests and retention settings go to the personal data."""

    def __init__(self, store: EvidenceStore, personal: EvidencePersonalData | None = None) -> None:
        self._store, self._personal = store, personal

    def subscription(self) -> Subscription:
        """The evidence service's consumer."""
        return Subscription(consumer="evidence", bindings=BINDINGS, handler=self.handle)

    async def handle(self, event: Event) -> None:
        """The records this event announces."""
        key, data = event.routing_key, event.data
        if key == COMMUNITY_REGISTERED:
            await self._store.places.on_community_registered(event)
            return
        if self._personal is not None and await self._personal.handle(event):
            return
        for record in _records(key, data, event.community):
            await self._store.remember(record, event)


def _records(key: str, data: Mapping[str, Any], community: str) -> list[Record]:
    get = data.get
    if key == "needs.need.submitted.v1" and get("need_id"):
        return [Record(str(get("need_id")), RecordType.NEED, community)]
    if key == "needs.item.drafted.v1" and get("item_id"):
        return [Record(str(get("item_id")), RecordType.SERVICE_ITEM, community)]
    if key.startswith("claims.meeting.") and get("meeting_id"):
        return [Record(str(get("meeting_id")), RecordType.MEETING, community)]
    claim_id = optional_text(data, "claim_id")
    if claim_id is None:
        return []
    organization = optional_text(data, "organization_id")
    records = [Record(claim_id, RecordType.CLAIM, community, organization, claim_id)]
    part = _CLAIM_PARTS.get(key)
    if part is not None and get(part[0]):
        records.append(Record(str(get(part[0])), part[1], community, organization, claim_id))
    return records
