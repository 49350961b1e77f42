"""The disclosure service's store: the public read model kept from the domain events, and report facts.

One document per item, claim, meeting and organization, each changed by one conditional
upsert that records the event id in the same update (a redelivered event changes nothing);
report facts are inserted under ``<event id>:<n>``, so they too are counted once. Nothing
personal is ever written here: no phone, no member, no submitter, no account id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from services.common.events import Event, new_event
from services.common.outbox import OUTBOX_INDEX
from services.common.places import PlacesReadModel
from services.common.store import Collection, Database, DuplicateKey, Index
from services.common.store.aggregate import HANDLED_EVENTS, OUTBOX, VERSION
from services.common.store.stamped import stamped
from services.disclosure.domain import Fact, Period

__all__ = ["PAGE", "DisclosureStore"]

PAGE = 500
"""Documents read per round trip when a report walks its facts (memory stays bounded)."""


class DisclosureStore:
    """Collections of the disclosure service."""

    def __init__(self, database: Database) -> None:
        self.items: Collection = database.collection("items")
        self.claims: Collection = database.collection("claims")
        self.meetings: Collection = database.collection("meetings")
        self.organizations: Collection = database.collection("organizations")
        self.periods: Collection = database.collection("periods")
        self.facts: Collection = database.collection("facts")
        self.places = PlacesReadModel(stamped(database, "communities"))

    async def create_indexes(self) -> None:
        """Declared indexes (``community_id`` first)."""
        await self.items.create_indexes([Index((("community_id", 1), ("published_at", 1)))])
        await self.claims.create_indexes([Index((("item_id", 1), ("approved_at", 1)))])  # an item's claims, asked for by item
        await self.meetings.create_indexes([Index((("community_id", 1), ("concluded_at", 1)))])
        await self.organizations.create_indexes([Index((("community_id", 1), ("founded_on", 1)))])
        await self.facts.create_indexes([Index((("community_id", 1), ("table", 1), ("day", 1)))])
        await self.periods.create_indexes([OUTBOX_INDEX])
        await self.places.create_indexes()

    async def apply(
        self,
        collection: Collection,
        record_id: str,
        event: Event,
        *,
        set: Mapping[str, Any],
        inc: Mapping[str, Any] | None = None,
        push: Mapping[str, Any] | None = None,
    ) -> bool:
        """One conditional upsert of a record from ``event``; False if the event was handled already."""
        update: dict[str, Any] = {"$set": {"community_id": event.community, **set}, "$push": {HANDLED_EVENTS: event.id, **(push or {})}}
        if inc:
            update["$inc"] = dict(inc)
        try:
            outcome = await collection.update_one({"_id": record_id, HANDLED_EVENTS: {"$ne": event.id}}, update, upsert=True)
        except DuplicateKey:
            return False
        return outcome.matched > 0 or outcome.upserted_id is not None

    async def add_facts(self, event: Event, facts: Sequence[Fact]) -> None:
        """Insert an event's report facts (each once, however often the event comes: the id is the event's and the fact's)."""
        for fact in facts:
            document = {
                "_id": f"{event.id}:{fact.table}:{'|'.join(fact.key)}",
                "community_id": event.community,
                "table": fact.table,
                "key": list(fact.key),
                "value": fact.value,
                "day": fact.day,
                "row": dict(fact.row),
            }
            try:
                await self.facts.insert_one(document)
            except DuplicateKey:
                continue

    async def record(self, collection: Collection, record_id: str) -> dict[str, Any] | None:
        """One read-model document."""
        return await collection.find_one({"_id": record_id})

    async def published_items(self, community_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Items that were published, of these communities, oldest first."""
        return await self.items.find(
            {"community_id": {"$in": list(community_ids)}, "published_at": {"$ne": None}}, sort=[("published_at", 1), ("_id", 1)]
        )

    async def approved_claims(self, item_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Claims of these items that were approved."""
        return await self.claims.find({"item_id": {"$in": list(item_ids)}, "approved_at": {"$ne": None}}, sort=[("approved_at", 1)])

    async def claims_by_ids(self, claim_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Claims by id."""
        return {document["_id"]: document for document in await self.claims.find({"_id": {"$in": list(claim_ids)}})}

    async def concluded_meetings(self, community_id: str) -> list[dict[str, Any]]:
        """Concluded intention meetings of a community, in order."""
        return await self.meetings.find({"community_id": community_id, "concluded_at": {"$ne": None}}, sort=[("concluded_at", 1)])

    async def organization_names(self, organization_ids: Iterable[str]) -> dict[str, str]:
        """Registered names of organizations."""
        ids = [i for i in set(organization_ids) if i]
        documents = await self.organizations.find({"_id": {"$in": ids}}, projection={"name": 1}) if ids else []
        return {document["_id"]: str(document.get("name", "")) for document in documents}

    async def period_days(self, district_id: str | None) -> int | None:
        """The disclosure period a district set, if any."""
        if district_id is None:
            return None
        document = await self.periods.find_one({"_id": district_id})
        return int(document["days"]) if document else None

    async def set_period(self, district_id: str, days: int, *, actor: str, at: datetime) -> None:
        """Set (or change) a district's disclosure period and announce it, in one conditional update (retried on a race)."""
        while True:
            current = await self.periods.find_one({"_id": district_id})
            previous = int(current["days"]) if current else None
            data = {"district_id": district_id, "days": days, "previous_days": previous, "actor": actor}
            event = new_event(
                "disclosure.period.set.v1", service="disclosure", community=district_id, subject=district_id, time=at, data=data
            )
            update = {"$set": {"days": days, "set_by": actor, "set_at": at}, "$push": {OUTBOX: event.to_document()}, "$inc": {VERSION: 1}}
            guard = {"_id": district_id, VERSION: current[VERSION]} if current else {"_id": district_id, VERSION: {"$exists": False}}
            try:
                outcome = await self.periods.update_one(guard, update, upsert=current is None)
            except DuplicateKey:
                continue
            if outcome.matched or outcome.upserted_id is not None:
                return

    async def walk_facts(self, community_ids: Sequence[str], tables: Sequence[str], period: Period) -> AsyncIterator[dict[str, Any]]:
        """Facts of the communities and tables within the period, a page at a time (keyset on ``_id``)."""
        for community_id in community_ids:
            base = {
                "community_id": community_id,
                "table": {"$in": list(tables)},
                "day": {"$gte": period.starts_on.isoformat(), "$lte": period.ends_on.isoformat()},
            }
            async for document in _pages(self.facts, base):
                yield document

    async def walk_organizations(self, community_ids: Sequence[str]) -> AsyncIterator[dict[str, Any]]:
        """Organizations of the communities, a page at a time."""
        for community_id in community_ids:
            async for document in _pages(self.organizations, {"community_id": community_id}):
                yield document


async def _pages(collection: Collection, base: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
    after: str | None = None
    while True:
        filter = dict(base) if after is None else {"$and": [dict(base), {"_id": {"$gt": after}}]}
        page = await collection.find(filter, sort=[("_id", 1)], limit=PAGE)
        for document in page:
            yield document
        if len(page) < PAGE:
            return
        after = page[-1]["_id"]
