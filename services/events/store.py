"""The events service's store: the ordered feed, webhook endpoints and their deliveries.

The feed gives every event a sequence number (its cursor), so that a reader resuming after
cursor *n* sees every later event exactly once; an event id is stored once however often it is
delivered, by however many replicas.

The sequence is allocated by the insert itself: an entry takes the number after the feed's
highest, and the unique index on ``seq`` lets exactly one writer have it; a writer that loses
the race reads the new highest and tries the next one. So numbers are dense, and — what a
separate counter (``$inc`` then insert) cannot give without a watermark — no number becomes
visible before every lower one: a writer only takes *n + 1* after it saw *n* stored. A reader
paging ``seq > cursor`` while several replicas write therefore never steps over an entry that
is committed later. Entries are never deleted (erasure rewrites them in place), so the
highest stored ``seq`` is the feed's counter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.common.events import Event
from services.common.places import PlacesReadModel
from services.common.store import Collection, Database, DuplicateKey, Index, VersionConflict
from services.common.store.dates import aware
from services.common.store.stamped import stamped
from services.events.domain import Attempt, Delivery, DeliveryStatus, Endpoint, EndpointStatus

__all__ = ["EventsStore", "FeedEntry", "SequenceContended"]

FeedEntry = dict[str, Any]
MAX_APPEND_ATTEMPTS = 1_000
"""Lost races for one number before an append gives up (the bus then redelivers the event)."""


class SequenceContended(Exception):
    """Other writers took every number this append tried (it is retried by the bus)."""


class EventsStore:
    """Collections of the events service."""

    def __init__(self, database: Database) -> None:
        self.feed: Collection = database.collection("feed")
        self.endpoints: Collection = database.collection("webhooks")
        self.deliveries: Collection = database.collection("deliveries")
        self.places = PlacesReadModel(stamped(database, "communities"))
        self._writer = asyncio.Lock()  # spares this process's own writers lost races; correctness is the unique index's
        self._highest = 0  # the highest seq this process has seen: where the search for the feed's highest starts

    async def create_indexes(self) -> None:
        """Declared indexes."""
        await self.feed.create_indexes([Index((("seq", 1),), unique=True), Index((("community", 1), ("seq", 1)))])
        await self.endpoints.create_indexes([Index((("owner", 1),)), Index((("full", 1),)), Index((("public", 1),))])
        await self.deliveries.create_indexes(
            [
                Index((("status", 1), ("next_attempt_at", 1))),
                Index((("status", 1), ("created_at", 1))),
                Index((("endpoint_id", 1), ("seq", -1))),
                Index((("endpoint_id", 1), ("status", 1), ("next_attempt_at", 1))),
            ]
        )
        await self.places.create_indexes()

    async def append(self, event: Event) -> FeedEntry | None:
        """Add an event to the feed with the next sequence number; None if it is already there (put there by any replica)."""
        entry: FeedEntry = {
            "_id": event.id,
            "routing_key": event.routing_key,
            "type": event.type,
            "source": event.source,
            "community": event.community,
            "time": event.time,
            "subject": event.subject,
            "data": dict(event.data),
        }
        async with self._writer:
            for _ in range(MAX_APPEND_ATTEMPTS):
                entry["seq"] = await self.last_seq() + 1
                try:
                    await self.feed.insert_one(dict(entry))
                except DuplicateKey:
                    if await self.feed.find_one({"_id": event.id}, projection={"_id": 1}) is not None:
                        return None
                    continue  # another writer took this number: try the one after the new highest
                self._highest = max(self._highest, entry["seq"])
                return entry
        raise SequenceContended(event.id)

    async def read(self, filter: Mapping[str, Any], *, after: int, limit: int) -> list[FeedEntry]:
        """Visible entries after a cursor, in order."""
        return await self.feed.find({"$and": [dict(filter), {"seq": {"$gt": after}}]}, sort=[("seq", 1)], limit=limit)

    async def last_seq(self) -> int:
        """The newest cursor (0 for an empty feed): the highest stored seq (an index range from the highest seen here)."""
        newest = await self.feed.find({"seq": {"$gte": self._highest}}, sort=[("seq", -1)], limit=1, projection={"seq": 1})
        if newest:
            self._highest = max(self._highest, int(newest[0]["seq"]))
        return self._highest

    async def entries(self, event_ids: Sequence[str]) -> dict[str, FeedEntry]:
        """Feed entries by event id."""
        return {entry["_id"]: entry for entry in await self.feed.find({"_id": {"$in": list(event_ids)}})}

    async def insert_endpoint(self, endpoint: Endpoint) -> None:
        """A new endpoint."""
        await self.endpoints.insert_one({"_id": endpoint.id, **_endpoint_fields(endpoint), "version": 1})

    async def save_endpoint(self, endpoint: Endpoint) -> None:
        """A changed endpoint, if nobody changed it meanwhile."""
        outcome = await self.endpoints.update_one(
            {"_id": endpoint.id, "version": endpoint.version}, {"$set": _endpoint_fields(endpoint), "$inc": {"version": 1}}
        )
        if outcome.matched == 0:
            raise VersionConflict(endpoint.id)

    async def delete_endpoint(self, endpoint_id: str) -> None:
        """Remove an endpoint and its pending deliveries."""
        await self.endpoints.delete_one({"_id": endpoint_id})
        await self.deliveries.update_many({"endpoint_id": endpoint_id, "status": "pending"}, {"$set": {"status": "failed"}})

    async def endpoint(self, endpoint_id: str) -> Endpoint | None:
        """An endpoint."""
        document = await self.endpoints.find_one({"_id": endpoint_id})
        return None if document is None else _endpoint(document)

    async def endpoints_of(self, owner: str) -> list[Endpoint]:
        """The endpoints someone registered."""
        return [_endpoint(d) for d in await self.endpoints.find({"owner": owner}, sort=[("created_at", 1)])]

    async def active_endpoints(self) -> list[Endpoint]:
        """Endpoints that receive events."""
        return [_endpoint(d) for d in await self.endpoints.find({"status": "active"})]

    async def endpoints_following(self, community: str) -> list[Endpoint]:
        """Endpoints whose scope includes a community (for its staff and district administrators)."""
        documents = await self.endpoints.find({"$or": [{"full": community}, {"public": community}]}, sort=[("created_at", 1)])
        return [_endpoint(d) for d in documents]

    async def add_delivery(self, delivery: Delivery) -> bool:
        """A delivery to make (its id is endpoint + event: the same event is queued once per endpoint); False if it was there."""
        try:
            await self.deliveries.insert_one({"_id": delivery.id, **_delivery_fields(delivery), "version": 1})
        except DuplicateKey:
            return False
        return True

    async def due(self, now: datetime, limit: int, *, excluding: Sequence[str] = (), endpoint_id: str | None = None) -> list[Delivery]:
        """Pending deliveries whose time has come, oldest first: of one endpoint, or of any but those ``excluding``."""
        filter: dict[str, Any] = {"status": "pending", "next_attempt_at": {"$lte": now}}
        if endpoint_id is not None:
            filter["endpoint_id"] = endpoint_id
        elif excluding:
            filter["endpoint_id"] = {"$nin": list(excluding)}
        documents = await self.deliveries.find(filter, sort=[("next_attempt_at", 1)], limit=limit)
        return [_delivery(d) for d in documents]

    async def backlog(self, now: datetime) -> tuple[int, int, datetime | None]:
        """Pending deliveries due now, pending ones scheduled later, and when the oldest pending one was made (for metrics)."""
        due = await self.deliveries.count_documents({"status": "pending", "next_attempt_at": {"$lte": now}})
        pending = await self.deliveries.count_documents({"status": "pending"})
        oldest = await self.deliveries.find({"status": "pending"}, sort=[("created_at", 1)], limit=1, projection={"created_at": 1})
        return due, max(pending - due, 0), aware(oldest[0]["created_at"]) if oldest else None

    async def lease(self, delivery: Delivery, until: datetime) -> bool:
        """Take a due delivery for one attempt (another dispatcher then skips it)."""
        outcome = await self.deliveries.update_one(
            {"_id": delivery.id, "version": delivery.version, "status": "pending"},
            {"$set": {"next_attempt_at": until}, "$inc": {"version": 1}},
        )
        return outcome.modified > 0

    async def record(self, delivery: Delivery, attempt: Attempt, *, status: DeliveryStatus, next_attempt_at: datetime) -> None:
        """The outcome of one attempt."""
        await self.deliveries.update_one(
            {"_id": delivery.id},
            {
                "$set": {"status": status.value, "next_attempt_at": next_attempt_at},
                "$push": {"attempts": _attempt_fields(attempt)},
                "$inc": {"version": 1},
            },
        )

    async def postpone(self, delivery: Delivery, until: datetime) -> None:
        """Not attempted now (its endpoint is paused or disabled): looked at again at ``until``, or when the endpoint is resumed."""
        await self.deliveries.update_one(
            {"_id": delivery.id, "status": "pending"}, {"$set": {"next_attempt_at": until}, "$inc": {"version": 1}}
        )

    async def wake(self, endpoint_id: str, now: datetime) -> None:
        """The endpoint's pending deliveries are due now (it was resumed or renewed)."""
        await self.deliveries.update_many(
            {"endpoint_id": endpoint_id, "status": "pending"}, {"$set": {"next_attempt_at": now}, "$inc": {"version": 1}}
        )

    async def delivery(self, delivery_id: str) -> Delivery | None:
        """One delivery."""
        document = await self.deliveries.find_one({"_id": delivery_id})
        return None if document is None else _delivery(document)

    async def deliveries_of(self, endpoint_id: str, *, limit: int) -> list[Delivery]:
        """The delivery log of an endpoint, newest first."""
        return [_delivery(d) for d in await self.deliveries.find({"endpoint_id": endpoint_id}, sort=[("seq", -1)], limit=limit)]

    async def requeue(self, delivery: Delivery, now: datetime) -> Delivery:
        """Deliver again now (a redelivery asked for by the endpoint's owner)."""
        await self.deliveries.update_one(
            {"_id": delivery.id}, {"$set": {"status": "pending", "next_attempt_at": now}, "$inc": {"version": 1}}
        )
        return replace(delivery, status=DeliveryStatus.PENDING, next_attempt_at=now)


def _endpoint_fields(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "owner": endpoint.owner,
        "url": endpoint.url,
        "secret": endpoint.secret,
        "status": endpoint.status.value,
        "full": sorted(endpoint.full),
        "public": sorted(endpoint.public),
        "types": sorted(endpoint.types) if endpoint.types is not None else None,
        "description": endpoint.description,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
        "disabled_reason": endpoint.disabled_reason,
        "grant_expires_at": endpoint.grant_expires_at,
        "previous_secrets": [{"secret": secret, "until": until} for secret, until in endpoint.previous_secrets],
    }


def _endpoint(document: Mapping[str, Any]) -> Endpoint:
    return Endpoint(
        id=document["_id"],
        owner=document["owner"],
        url=document["url"],
        secret=document["secret"],
        status=EndpointStatus(document["status"]),
        full=frozenset(document["full"]),
        public=frozenset(document["public"]),
        types=frozenset(document["types"]) if document["types"] is not None else None,
        description=document["description"],
        created_at=aware(document["created_at"]),
        updated_at=aware(document["updated_at"]),
        disabled_reason=document.get("disabled_reason"),
        version=document["version"],
        grant_expires_at=_grant_expiry(document),
        previous_secrets=tuple((p["secret"], aware(p["until"])) for p in document.get("previous_secrets", [])),
    )


def _grant_expiry(document: Mapping[str, Any]) -> datetime | None:
    """When the endpoint's grant ends; one stored before grants existed must be renewed once (it ended when it was made)."""
    if "grant_expires_at" not in document:
        return aware(document["created_at"])
    return aware(document["grant_expires_at"]) if document["grant_expires_at"] is not None else None


def _delivery_fields(delivery: Delivery) -> dict[str, Any]:
    return {
        "endpoint_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "seq": delivery.seq,
        "routing_key": delivery.routing_key,
        "status": delivery.status.value,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "attempts": [_attempt_fields(a) for a in delivery.attempts],
        "traceparent": delivery.traceparent,
    }


def _attempt_fields(attempt: Attempt) -> dict[str, Any]:
    return {"at": attempt.at, "status_code": attempt.status_code, "error": attempt.error, "duration_ms": attempt.duration_ms}


def _delivery(document: Mapping[str, Any]) -> Delivery:
    return Delivery(
        id=document["_id"],
        endpoint_id=document["endpoint_id"],
        event_id=document["event_id"],
        seq=document["seq"],
        routing_key=document["routing_key"],
        status=DeliveryStatus(document["status"]),
        next_attempt_at=aware(document["next_attempt_at"]),
        created_at=aware(document["created_at"]),
        attempts=tuple(Attempt(aware(a["at"]), a["status_code"], a["error"], a["duration_ms"]) for a in document["attempts"]),
        version=document["version"],
        traceparent=document.get("traceparent"),
    )
