"""The audit service's use cases: a record's and a community's trail, and checking a community's chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.audit.domain import GENESIS, AuditEntry, ChainCheck, masked, reading, verify
from services.audit.store import PAGE, AuditStore
from services.common.domain import Invalid
from services.common.identity import Principal

if TYPE_CHECKING:
    from services.audit.privacy import AuditPrivacy

__all__ = ["MAX_PAGE", "AuditHandlers"]

MAX_PAGE = 500


class AuditHandlers:
    """Use cases of the audit service."""

    def __init__(self, store: AuditStore) -> None:
        self.store = store
        self.privacy: AuditPrivacy | None = None

    async def anonymise_expired(self) -> int:
        """The retention sweep, once (the app runs it every ``privacy_sweep_interval_s``)."""
        assert self.privacy is not None
        return await self.privacy.anonymise_expired()

    async def record_trail(self, principal: Principal, record_id: str, *, after_seq: int, first: int) -> list[AuditEntry]:
        """A record's changes, oldest first; personal values masked unless the caller is its community's staff."""
        entries = await self.store.of_record(record_id, after_seq=after_seq, limit=_limit(first))
        if not entries:
            return []
        return await self._shown(principal, entries[0].community_id, entries, field="recordId")

    async def community_trail(self, principal: Principal, community_id: str, *, after_seq: int, first: int) -> list[AuditEntry]:
        """A community's changes in chain order."""
        entries = await self.store.of_community(community_id, after_seq=after_seq, limit=_limit(first))
        return await self._shown(principal, community_id, entries, field="communityId")

    async def check_chain(self, principal: Principal, community_id: str) -> ChainCheck:
        """Recompute the community's whole chain, page by page."""
        await self._shown(principal, community_id, [], field="communityId")
        checked, seq, previous, after = 0, 1, GENESIS, 0
        while True:
            page = await self.store.of_community(community_id, after_seq=after, limit=PAGE)
            result = verify(page, start_seq=seq, previous_hash=previous)
            checked += result.checked
            if not result.valid:
                return ChainCheck(checked, result.broken_at, result.head_hash)
            if len(page) < PAGE:
                break
            seq, previous, after = page[-1].seq + 1, result.head_hash, page[-1].seq
        head = await self.store.head(community_id)
        if head is not None and (head[0] != checked or head[1] != result.head_hash):
            return ChainCheck(checked, checked + 1, result.head_hash)  # entries were cut off the end
        return ChainCheck(checked, None, result.head_hash)

    async def _shown(self, principal: Principal, community_id: str, entries: list[AuditEntry], *, field: str) -> list[AuditEntry]:
        district = await self.store.places.district_of(community_id)
        unmasked = reading(principal, community_id, district, field=field)
        return entries if unmasked else [masked(entry) for entry in entries]


def _limit(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise Invalid(f"first is from 1 to {MAX_PAGE}", field="first")
    return first
