"""Personal data in the audit trail (个人信息保护法): values erased in place, every hash kept.

When a resident asks for erasure (``orgs.subject.erasure_requested.v1``, ``data.person`` her account)
every entry naming her (found by the ``mentions`` index) loses its personal values that name her —
and, in an entry she made, all of them (her own words). When an entry is past its district's
retention period (``orgs.district.retention_set.v1``, else ``PERSONAL_DATA_RETENTION_DAYS``) every
personal value it holds is erased, whoever it names. The value and its salt go, the digest the
hash covers stays (with when and why), so ``verifyAuditChain`` still verifies the whole chain.

Each entry changes by one update guarded by its ``redactions`` count, so a repeated request or
sweep changes nothing twice and two at once never lose each other's erasure. Entries sealed
before version 2 (their hash covers the values themselves) cannot be erased without breaking
the chain: they are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from services.audit.domain import ERASURE, RETENTION, AuditEntry, erased, naming, unerased
from services.audit.store import AuditStore, entry_from_document, redacted_fields
from services.common.events import Event
from services.common.privacy import ANONYMISED_AT
from services.common.retention import Expired, RetentionReadModel, on_privacy_event
from services.common.store import Database

__all__ = ["BATCH", "AuditPrivacy"]

BATCH = 500
"""Entries read per round of an erasure or a sweep."""


class AuditPrivacy:
    """Erasure requests and the retention sweep over the audit trail."""

    def __init__(self, database: Database, store: AuditStore, *, default_days: int, clock: Callable[[], datetime]) -> None:
        self._store, self._clock = store, clock
        self.retention = RetentionReadModel(database.collection("retention"), store.places, default_days=default_days)

    async def handle(self, event: Event) -> None:
        """After the event's own entry is chained: an erasure request erases, a retention setting is kept."""
        await on_privacy_event(event, erase=self.erase, retention=self.retention)

    async def erase(self, person: str) -> int:
        """Every entry naming her account no longer holds her values; how many entries changed."""
        now = self._clock()
        return await self._in_batches({"mentions": person}, lambda entry: erased(entry, naming(entry, person), at=now, why=ERASURE))

    async def anonymise_expired(self) -> int:
        """The retention sweep: entries past their district's period lose every personal value; how many changed."""
        now, changed = self._clock(), 0
        for scope in await self.retention.expired(now):
            changed += await self._sweep(scope, at=now)
        return changed

    async def _sweep(self, scope: Expired, *, at: datetime) -> int:
        expired = {**scope.filter(), ANONYMISED_AT: None, "at": {"$lt": scope.cutoff}}
        return await self._in_batches(
            expired, lambda entry: erased(entry, unerased(entry), at=at, why=RETENTION), extra={ANONYMISED_AT: at}
        )

    async def _in_batches(
        self, filter: dict[str, Any], change: Callable[[AuditEntry], AuditEntry], *, extra: Mapping[str, Any] | None = None
    ) -> int:
        """Rewrite what ``filter`` selects, ``BATCH`` entries at a time (a changed entry leaves the selection)."""
        changed = 0
        while True:
            batch = await self._store.entries.find(filter, sort=[("community_id", 1), ("seq", 1)], limit=BATCH)
            done = sum([await self._rewrite(document, change, extra or {}) for document in batch])
            changed += done
            if len(batch) < BATCH or done == 0:
                return changed

    async def _rewrite(self, document: Mapping[str, Any], change: Callable[[AuditEntry], AuditEntry], extra: Mapping[str, Any]) -> int:
        entry = entry_from_document(document)
        after = change(entry)
        count = int(document.get("redactions", 0))
        fields: dict[str, Any] = {**extra}
        if after is not entry:
            fields |= {**redacted_fields(after), "redactions": count + 1}
        if not fields:
            return 0  # nothing to erase (``mentions`` is made from the very values an erasure looks through)
        guard = {"_id": document["_id"], "redactions": count} if count else {"_id": document["_id"], "redactions": {"$in": [0, None]}}
        return (await self._store.entries.update_one(guard, {"$set": fields})).modified
