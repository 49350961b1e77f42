"""The notices service's MongoDB store: notices, preferences and reminders.

Every write is one conditional atomic update: a notice's derived ``_id`` makes its insert
idempotent; a reminder is claimed with a lease that only one replica's update can take; a
delivery is leased the same way before it is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from services.common.pagination import Page, paginate
from services.common.places import PlacesReadModel
from services.common.privacy import ANONYMISED_AT
from services.common.store import Collection, Database, DuplicateKey, Index
from services.common.store.stamped import stamped
from services.notices.documents import (
    notice_from_document,
    notice_to_document,
    preferences_from_document,
    preferences_to_fields,
    reminder_from_document,
    reminder_to_document,
)
from services.notices.domain import Channel, Notice, Preferences, Reminder

__all__ = ["NoticesStore"]

NOTICE_INDEXES = (
    Index((("community_id", 1), ("recipient", 1), ("created_at", -1), ("_id", -1))),
    Index((("recipient", 1), ("read_at", 1))),
    Index((("next_attempt_at", 1),)),
)
REMINDER_INDEXES = (Index((("due_at", 1),)), Index((("community_id", 1), ("ref_id", 1), ("recipient", 1))))


class NoticesStore:
    """Collections of the notices service and the operations its handlers need."""

    def __init__(self, database: Database) -> None:
        self.notices: Collection = database.collection("notices")
        self.preferences: Collection = database.collection("preferences")
        self.reminders: Collection = database.collection("reminders")
        self.claims: Collection = database.collection("claims")
        self.places = PlacesReadModel(stamped(database, "communities"))

    async def create_indexes(self) -> None:
        """Declared indexes, created at start-up."""
        await self.notices.create_indexes(NOTICE_INDEXES)
        await self.reminders.create_indexes(REMINDER_INDEXES)
        await self.claims.create_indexes((Index((("community_id", 1), ("item_id", 1))),))
        await self.places.create_indexes()

    async def insert_notice(self, notice: Notice) -> bool:
        """Store a new notice; False when it exists already (the same cause handled twice)."""
        try:
            await self.notices.insert_one(notice_to_document(notice))
        except DuplicateKey:
            return False
        return True

    async def notice(self, notice_id: str) -> Notice | None:
        """One notice."""
        document = await self.notices.find_one({"_id": notice_id})
        return notice_from_document(document) if document else None

    async def list_notices(
        self, recipient: str, community_ids: Sequence[str], *, unread_only: bool, first: int, after: str | None
    ) -> tuple[list[Notice], Page]:
        """One page of a person's notices in their communities, newest first."""
        filter = _inbox(recipient, community_ids, unread_only)
        page = await paginate(self.notices, filter, [("created_at", -1)], first=first, after=after)
        return [notice_from_document(document) for document in page.documents], page

    async def notices_since(self, recipient: str, community_ids: Sequence[str], since: datetime, *, limit: int = 100) -> list[Notice]:
        """The recipient's notices made at or after ``since``, oldest first (what a subscription sends next)."""
        filter = {**_inbox(recipient, community_ids, unread_only=False), "created_at": {"$gte": since}}
        documents = await self.notices.find(filter, sort=[("created_at", 1), ("_id", 1)], limit=limit)
        return [notice_from_document(document) for document in documents]

    async def count_notices(self, recipient: str, community_ids: Sequence[str], *, unread_only: bool) -> int:
        """How many notices the inbox has."""
        return await self.notices.count_documents(_inbox(recipient, community_ids, unread_only))

    async def mark_read(self, recipient: str, community_ids: Sequence[str], notice_ids: Sequence[str] | None, at: datetime) -> int:
        """Mark the recipient's unread notices (those named, or all) read; how many changed."""
        filter = _inbox(recipient, community_ids, unread_only=True)
        if notice_ids is not None:
            filter["_id"] = {"$in": list(notice_ids)}
        outcome = await self.notices.update_many(filter, {"$set": {"read_at": at}})
        return outcome.modified

    async def owned(self, recipient: str, community_ids: Sequence[str], notice_ids: Sequence[str]) -> set[str]:
        """Which of ``notice_ids`` are the recipient's, in these communities."""
        filter = {**_inbox(recipient, community_ids, unread_only=False), "_id": {"$in": list(notice_ids)}}
        return {document["_id"] for document in await self.notices.find(filter, projection={"_id": 1})}

    async def claim_opened(self, claim_id: str, community_id: str, item_id: str, claimant: str) -> None:
        """A submitted claim and its claimant's person (invited to the meeting on its item, told of its decision)."""
        await self.claims.update_one(
            {"_id": claim_id},
            {"$set": {"community_id": community_id, "item_id": item_id, "claimant": claimant}, "$setOnInsert": {"open": True}},
            upsert=True,
        )

    async def claim_closed(self, claim_id: str) -> None:
        """Withdrawn, rejected or terminated: no more meeting reminders."""
        await self.claims.update_one({"_id": claim_id}, {"$set": {"open": False}})

    async def claimant(self, claim_id: str) -> str | None:
        """The person who submitted a claim, if its submission was seen."""
        document = await self.claims.find_one({"_id": claim_id}, projection={"claimant": 1})
        return str(document["claimant"]) if document else None

    async def claimants_of(self, community_id: str, item_ids: Sequence[str]) -> list[str]:
        """The people with an open claim on these items."""
        documents = await self.claims.find({"community_id": community_id, "item_id": {"$in": list(item_ids)}, "open": True})
        return sorted({document["claimant"] for document in documents})

    async def person_preferences(self, person: str) -> Preferences:
        """A person's preferences (defaults if none were set)."""
        return preferences_from_document(person, await self.preferences.find_one({"_id": person}))

    async def erase_contacts(self, person: str) -> bool:
        """Erase a person's contacts (phone, WeChat, webhook URL) and the channels they fed; the inbox stays. Idempotent."""
        outcome = await self.preferences.update_one(
            {"_id": person},
            {"$set": {"phone": None, "wechat_openid": None, "webhook_url": None, "channels": []}, "$inc": {"version": 1}},
        )
        return outcome.modified > 0

    async def save_preferences(self, preferences: Preferences, *, at: datetime | None = None, community_ids: Sequence[str] = ()) -> bool:
        """Save if still at the version read (insert when new); False if someone changed them meanwhile.

        ``at`` and ``community_ids`` (when she set them, in which communities) start the retention period of her contacts
        again (see :mod:`services.notices.personal`)."""
        fields = preferences_to_fields(preferences)
        if at is not None:
            fields.update({"set_at": at, "community_ids": sorted(community_ids), ANONYMISED_AT: None})
        if preferences.version == 0:
            try:
                await self.preferences.insert_one({"_id": preferences.person, **fields, "version": 1})
            except DuplicateKey:
                return False
            return True
        outcome = await self.preferences.update_one(
            {"_id": preferences.person, "version": preferences.version}, {"$set": fields, "$inc": {"version": 1}}
        )
        return outcome.matched == 1

    async def schedule(self, reminder: Reminder) -> None:
        """Store a reminder once (the same moment scheduled again changes nothing)."""
        await self.reminders.update_one({"_id": reminder.id}, {"$setOnInsert": reminder_to_document(reminder)}, upsert=True)

    async def cancel(self, community_id: str, ref_ids: Sequence[str], recipients: Sequence[str], *, keep: Sequence[str] = ()) -> int:
        """Cancel the pending reminders about ``ref_ids`` (for ``recipients`` if any are named), except those in ``keep``."""
        filter: dict[str, Any] = {
            "community_id": community_id,
            "ref_id": {"$in": list(ref_ids)},
            "fired_at": None,
            "_id": {"$nin": list(keep)},
        }
        if recipients:
            filter["recipient"] = {"$in": list(recipients)}
        outcome = await self.reminders.update_many(filter, {"$set": {"cancelled": True}})
        return outcome.modified

    async def due_reminders(self, now: datetime, *, limit: int) -> list[Reminder]:
        """Reminders due, not fired, not cancelled, and not leased by a replica now."""
        documents = await self.reminders.find(
            {"due_at": {"$lte": now}, "fired_at": None, "cancelled": False, "lease_until": {"$lte": now}},
            sort=[("due_at", 1)],
            limit=limit,
        )
        return [reminder_from_document(document) for document in documents]

    async def claim_reminder(self, reminder_id: str, now: datetime, lease: timedelta) -> bool:
        """Take a due reminder for this replica: one conditional update, which only one replica wins."""
        outcome = await self.reminders.update_one(
            {"_id": reminder_id, "fired_at": None, "cancelled": False, "lease_until": {"$lte": now}},
            {"$set": {"lease_until": now + lease}},
        )
        return outcome.matched == 1

    async def reminder_fired(self, reminder_id: str, at: datetime) -> None:
        """The reminder's notice is stored."""
        await self.reminders.update_one({"_id": reminder_id, "fired_at": None}, {"$set": {"fired_at": at}})

    async def reminders_of(self, ref_id: str) -> list[Reminder]:
        """Every reminder about one record (tests, operators)."""
        return [reminder_from_document(document) for document in await self.reminders.find({"ref_id": ref_id}, sort=[("due_at", 1)])]

    async def due_deliveries(self, now: datetime, *, limit: int) -> list[Notice]:
        """Notices with outgoing deliveries due now."""
        documents = await self.notices.find(
            {"next_attempt_at": {"$lte": now}, "pending_channels.0": {"$exists": True}}, sort=[("next_attempt_at", 1)], limit=limit
        )
        return [notice_from_document(document) for document in documents]

    async def lease_delivery(self, notice_id: str, now: datetime, lease: timedelta) -> bool:
        """Take a notice's outgoing deliveries for this replica (one conditional update)."""
        outcome = await self.notices.update_one(
            {"_id": notice_id, "next_attempt_at": {"$lte": now}}, {"$set": {"next_attempt_at": now + lease}}
        )
        return outcome.matched == 1

    async def delivered(self, notice_id: str, channel: Channel) -> None:
        """One channel has the notice."""
        await self.notices.update_one({"_id": notice_id}, {"$pull": {"pending_channels": channel.value}})
        await self._settle(notice_id)

    async def _settle(self, notice_id: str) -> None:
        """A notice with no delivery left leaves the delivery index (``next_attempt_at``), so that looking for due
        deliveries reads only notices that have some, however many were ever sent; conditional, so idempotent."""
        await self.notices.update_one(
            {"_id": notice_id, "pending_channels": {"$size": 0}, "next_attempt_at": {"$exists": True}}, {"$unset": {"next_attempt_at": ""}}
        )

    async def delivery_failed(self, notice_id: str, channel: Channel, *, retry_at: datetime | None, error: str) -> None:
        """A channel failed: try again at ``retry_at``, or give the channel up (None)."""
        update: dict[str, Any] = {"$inc": {"attempts": 1}, "$set": {"last_error": f"{channel.value}: {error}"}}
        if retry_at is None:
            update["$pull"] = {"pending_channels": channel.value}
            update["$push"] = {"failed_channels": channel.value}
        else:
            update["$set"]["next_attempt_at"] = retry_at
        await self.notices.update_one({"_id": notice_id}, update)
        if retry_at is None:
            await self._settle(notice_id)

    async def attempts(self, notice_id: str) -> int:
        """How many delivery attempts failed so far."""
        document = await self.notices.find_one({"_id": notice_id}, projection={"attempts": 1})
        return int(document.get("attempts", 0)) if document else 0


def _inbox(recipient: str, community_ids: Sequence[str], unread_only: bool) -> dict[str, Any]:
    filter: dict[str, Any] = {"community_id": {"$in": list(community_ids)}, "recipient": recipient}
    if unread_only:
        filter["read_at"] = None
    return filter
