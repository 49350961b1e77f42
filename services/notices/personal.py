"""Personal data in the notices service (个人信息保护法): her contacts, and the notices addressed to her account.

An erasure request clears her contacts (phone, WeChat, webhook URL, and the channels they fed)
and leaves her inbox, reminders and claim links addressed to her pseudonym: the notices stay (the
counts of what was sent stay), her account is gone from them. Contacts are kept as long as the
district's retention period after she last set them (``set_at``, stamped with the communities her
token named then): a resident who keeps using a channel sets it again; contacts past the period
are cleared. Preferences saved before ``set_at`` was recorded carry no date and are not swept
(they are cleared by an erasure request). One conditional update per document.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.common.events import Event
from services.common.privacy import ANONYMISED_AT, pseudonym
from services.common.retention import Expired, RetentionReadModel, on_privacy_event
from services.common.store import Database, Index
from services.notices.store import NoticesStore

__all__ = ["CLEARED", "NoticesPersonalData"]

CLEARED: dict[str, object] = {"phone": None, "wechat_openid": None, "webhook_url": None, "channels": []}
"""What her preferences hold once her contacts are erased."""


class NoticesPersonalData:
    """Erasure and retention of what the notices service holds about a person."""

    def __init__(self, database: Database, store: NoticesStore, *, default_days: int, clock: Callable[[], datetime]) -> None:
        self._store, self._clock = store, clock
        self.retention = RetentionReadModel(database.collection("retention"), store.places, default_days=default_days)

    async def create_indexes(self) -> None:
        """Her reminders and claim links are found by index on erasure; the sweep finds contacts by when they were set."""
        await self._store.reminders.create_indexes([Index((("recipient", 1),))])
        await self._store.claims.create_indexes([Index((("claimant", 1),))])
        await self._store.preferences.create_indexes([Index((("community_ids", 1), (ANONYMISED_AT, 1), ("set_at", 1)))])

    async def handle(self, event: Event) -> bool:
        """Erasure requests and retention settings; False for any other event."""
        return await on_privacy_event(event, erase=self.erase, retention=self.retention)

    async def erase(self, person: str) -> int:
        """Her contacts cleared; her notices, reminders and claim links addressed to her pseudonym; how many changed."""
        alias = pseudonym(person)
        changed = int(await self._store.erase_contacts(person))
        for collection, field in (
            (self._store.notices, "recipient"),
            (self._store.reminders, "recipient"),
            (self._store.claims, "claimant"),
        ):
            outcome = await collection.update_many({field: person}, {"$set": {field: alias}})
            changed += outcome.modified
        return changed

    async def anonymise_expired(self) -> int:
        """The retention sweep: contacts set before their district's cutoff are cleared; how many preferences changed."""
        now, changed = self._clock(), 0
        for scope in await self.retention.expired(now):
            changed += await self._clear(scope, at=now)
        return changed

    async def _clear(self, scope: Expired, *, at: datetime) -> int:
        where = {("community_ids" if key == "community_id" else key): value for key, value in scope.filter().items()}
        expired = {**where, "set_at": {"$lt": scope.cutoff}, ANONYMISED_AT: None}
        changed = 0
        for document in await self._store.preferences.find(expired, projection={"_id": 1}):
            outcome = await self._store.preferences.update_one(
                {"_id": document["_id"], **expired}, {"$set": {**CLEARED, ANONYMISED_AT: at}, "$inc": {"version": 1}}
            )
            changed += outcome.modified
        return changed
