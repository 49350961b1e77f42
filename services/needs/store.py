"""The needs service's MongoDB store: needs, service items and the communities read model.

Every write is one conditional atomic update through the kernel's aggregate helpers; reads
are scoped by ``community_id``, which leads every compound index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.common.events import Event
from services.common.outbox import OUTBOX_INDEX
from services.common.pagination import Page, paginate
from services.common.places import PlacesReadModel
from services.common.privacy import ANONYMISED_AT, pseudonym
from services.common.retention import Expired, RetentionReadModel
from services.common.store import Collection, Database, Index, insert_aggregate, save_aggregate
from services.common.store.aggregate import HANDLED_EVENTS, VERSION
from services.common.store.search import SEARCH_GRAMS, text_filter
from services.common.store.stamped import stamped
from services.common.store.statistics import versioned
from services.needs.documents import item_from_document, item_to_fields, need_from_document, need_to_fields
from services.needs.domain import Category, ItemKind, ItemStatus, Need, NeedStatus, ServiceItem, TargetGroup
from services.needs.tallies import NeedTallies

__all__ = ["ItemQuery", "NeedQuery", "NeedsStore", "Period"]

Period = tuple[datetime | None, datetime | None]
"""From (inclusive) and to (exclusive) instants; None for open-ended."""

NEED_INDEXES = (
    Index((("community_id", 1), ("status", 1), ("created_at", -1))),
    Index((("community_id", 1), ("category", 1), ("status", 1))),
    Index((("community_id", 1), ("support_count", -1), ("_id", -1))),
    Index((("community_id", 1), ("created_at", -1), ("_id", -1))),
    Index((("community_id", 1), ("submitter_id", 1), ("created_at", -1))),
    Index((("community_id", 1), ("supporter_ids", 1), ("created_at", -1))),
    Index((("community_id", 1), (SEARCH_GRAMS, 1))),
    OUTBOX_INDEX,
)
ITEM_INDEXES = (
    Index((("community_id", 1), ("status", 1), ("created_at", -1))),
    Index((("community_id", 1), ("category", 1), ("status", 1))),
    Index((("community_id", 1), ("need_ids", 1))),
    Index((("community_id", 1), (SEARCH_GRAMS, 1))),
    OUTBOX_INDEX,
)


@dataclass(frozen=True, slots=True)
class NeedQuery:
    """Filters of a needs list; ``community_ids`` is already limited to what the caller may see."""

    community_ids: Sequence[str]
    categories: Sequence[Category] = ()
    statuses: Sequence[NeedStatus] = ()
    target_groups: Sequence[TargetGroup] = ()
    text: str | None = None
    most_supported: bool = False
    submitter_id: str | None = None
    supporter_id: str | None = None


@dataclass(frozen=True, slots=True)
class ItemQuery:
    """Filters of a service-items list."""

    community_ids: Sequence[str]
    categories: Sequence[Category] = ()
    statuses: Sequence[ItemStatus] = ()
    kinds: Sequence[ItemKind] = ()
    text: str | None = None
    hide_drafts_in: Sequence[str] = ()


class NeedsStore:
    """Collections of the needs service and the operations its handlers need."""

    def __init__(self, database: Database, *, retention_days: int = 0) -> None:
        self.needs: Collection = stamped(database, "needs")
        self.items: Collection = stamped(database, "items")
        self.places = PlacesReadModel(stamped(database, "communities"))
        self.tallies = NeedTallies(database, self.needs, self.items, scopes=self.places.rollup_scopes)
        self.retention = RetentionReadModel(database.collection("retention"), self.places, default_days=retention_days)

    @property
    def outbox_collections(self) -> tuple[Collection, ...]:
        """Collections whose documents carry an outbox."""
        return (self.needs, self.items)

    async def create_indexes(self) -> None:
        """Declared indexes, created at start-up."""
        await self.needs.create_indexes(NEED_INDEXES)
        await self.items.create_indexes(ITEM_INDEXES)
        await self.tallies.create_indexes()
        await self.places.create_indexes()

    async def insert_need(self, need: Need, events: Sequence[Event]) -> None:
        """A new need, with its submitted event (carrying the need's version; the statistics follow the event)."""
        await insert_aggregate(self.needs, {"_id": need.id, **need_to_fields(need)}, versioned(events, 1))

    async def save_need(self, need: Need, events: Sequence[Event] = (), *, handled_event: str | None = None) -> None:
        """Save a changed need if nobody changed it meanwhile (raises VersionConflict); its events carry the new
        version, and the statistics follow them (what they do not say: :meth:`NeedTallies.need_changed`)."""
        before = await self.needs.find_one({"_id": need.id, "version": need.version})
        stored = versioned(events, need.version + 1)
        await save_aggregate(
            self.needs, need.id, expected_version=need.version, changes=need_to_fields(need), events=stored, handled_event=handled_event
        )
        if before is not None:
            await self.tallies.need_changed(need_from_document(before), need, stored, need.version + 1)

    async def needs_of_person(self, person: str, *, limit: int = 1_000) -> tuple[list[Need], list[str]]:
        """The needs she submitted (newest first) and the ids of those she supports: her personal data here."""
        submitted = await self.needs.find({"submitter_id": person}, sort=[("created_at", -1)], limit=limit)
        supported = await self.needs.find({"supporter_ids": person}, projection={"_id": 1}, limit=limit)
        return [need_from_document(d) for d in submitted], [d["_id"] for d in supported]

    async def anonymise_person(self, person: str, *, at: datetime) -> int:
        """Erase one resident from every need: she no longer submitted or supported any (counts stay); how many changed."""
        changed = 0
        for document in await self.needs.find({"submitter_id": person}, projection={"_id": 1}):
            outcome = await self.needs.update_one(
                {"_id": document["_id"], "submitter_id": person},
                {"$set": {"submitter_id": None, "location": "", ANONYMISED_AT: at}, "$inc": {VERSION: 1}},
            )
            changed += outcome.modified
        for document in await self.needs.find({"supporter_ids": person}, projection={"_id": 1, "supporter_ids": 1, VERSION: 1}):
            supporters = [pseudonym(s) if s == person else s for s in document["supporter_ids"]]
            outcome = await self.needs.update_one(
                {"_id": document["_id"], VERSION: document[VERSION]}, {"$set": {"supporter_ids": supporters}, "$inc": {VERSION: 1}}
            )
            changed += outcome.modified
        return changed

    async def anonymise_expired(self, scope: Expired, *, at: datetime) -> int:
        """Anonymise every need of the scope made before its cutoff, not yet anonymised (submitter, supporters, address); how many."""
        changed = 0
        expired = {**scope.filter(), "created_at": {"$lt": scope.cutoff}, ANONYMISED_AT: None}
        for document in await self.needs.find(expired, projection={"_id": 1, "supporter_ids": 1}):
            supporters = [pseudonym(s) if not s.startswith("anonymised-") else s for s in document.get("supporter_ids", ())]
            outcome = await self.needs.update_one(
                {"_id": document["_id"], **expired},
                {"$set": {"submitter_id": None, "location": "", "supporter_ids": supporters, ANONYMISED_AT: at}, "$inc": {VERSION: 1}},
            )
            changed += outcome.modified
        return changed

    async def need(self, need_id: str) -> tuple[Need, frozenset[str]] | None:
        """A need and the ids of the events it has handled."""
        document = await self.needs.find_one({"_id": need_id})
        if document is None:
            return None
        return need_from_document(document), frozenset(document.get(HANDLED_EVENTS, ()))

    async def needs_by_ids(self, need_ids: Iterable[str]) -> dict[str, Need]:
        """Several needs in one query."""
        documents = await self.needs.find({"_id": {"$in": list(need_ids)}})
        return {document["_id"]: need_from_document(document) for document in documents}

    async def list_needs(self, query: NeedQuery, *, first: int, after: str | None) -> tuple[list[Need], Page]:
        """One page of needs, newest or most supported first."""
        sort = [("support_count", -1), ("created_at", -1)] if query.most_supported else [("created_at", -1)]
        page = await paginate(self.needs, _need_filter(query), sort, first=first, after=after)
        return [need_from_document(document) for document in page.documents], page

    async def count_needs(self, query: NeedQuery) -> int:
        """How many needs match."""
        return await self.needs.count_documents(_need_filter(query))

    async def insert_item(self, item: ServiceItem, events: Sequence[Event]) -> None:
        """A new item in draft."""
        await insert_aggregate(self.items, {"_id": item.id, **item_to_fields(item)}, versioned(events, 1))

    async def save_item(self, item: ServiceItem, events: Sequence[Event] = (), *, handled_event: str | None = None) -> None:
        """Save a changed item if nobody changed it meanwhile (raises VersionConflict); its events carry the new version
        and the statistics follow them (what they do not say: :meth:`NeedTallies.item_changed`)."""
        before = await self.items.find_one({"_id": item.id, "version": item.version})
        stored = versioned(events, item.version + 1)
        await save_aggregate(
            self.items, item.id, expected_version=item.version, changes=item_to_fields(item), events=stored, handled_event=handled_event
        )
        if before is not None:
            await self.tallies.item_changed(item_from_document(before), item, stored, item.version + 1)

    async def item(self, item_id: str) -> tuple[ServiceItem, frozenset[str]] | None:
        """An item and the ids of the events it has handled."""
        document = await self.items.find_one({"_id": item_id})
        if document is None:
            return None
        return item_from_document(document), frozenset(document.get(HANDLED_EVENTS, ()))

    async def items_by_ids(self, item_ids: Iterable[str]) -> dict[str, ServiceItem]:
        """Several items in one query."""
        documents = await self.items.find({"_id": {"$in": list(item_ids)}})
        return {document["_id"]: item_from_document(document) for document in documents}

    async def list_items(self, query: ItemQuery, *, first: int, after: str | None) -> tuple[list[ServiceItem], Page]:
        """One page of items, newest first."""
        page = await paginate(self.items, _item_filter(query), [("created_at", -1)], first=first, after=after)
        return [item_from_document(document) for document in page.documents], page

    async def count_items(self, query: ItemQuery) -> int:
        """How many items match."""
        return await self.items.count_documents(_item_filter(query))

    async def need_counts(self, community_ids: Sequence[str], period: Period = (None, None)) -> dict[str, dict[str, dict[str, int]]]:
        """Per community: needs (submitted in ``period``, if given) counted by status, by category, and by
        category and status (``category/status`` keys), from the day, month and year counters."""
        return (await self.tallies.counts(community_ids, period))[0]

    async def planned_budgets(self, community_ids: Sequence[str], period: Period = (None, None)) -> dict[str, dict[str, int]]:
        """Per community: fen planned in items published (not drafts, not cancelled; created in ``period``),
        by ``category/fund_source`` keys, from the day, month and year counters."""
        return (await self.tallies.counts(community_ids, period))[1]

    async def recount_need_counts(
        self, community_ids: Sequence[str], period: Period = (None, None)
    ) -> dict[str, dict[str, dict[str, int]]]:
        """:meth:`need_counts` recounted over the needs, in one aggregation (what the counters must equal)."""
        rows = await self.needs.aggregate(
            [
                {"$match": {"community_id": {"$in": list(community_ids)}, **_created_in(period)}},
                {"$group": {"_id": {"community": "$community_id", "status": "$status", "category": "$category"}, "count": {"$sum": 1}}},
            ]
        )
        counts: dict[str, dict[str, dict[str, int]]] = {cid: {"status": {}, "category": {}, "category_status": {}} for cid in community_ids}
        for row in rows:
            key, count = row["_id"], int(row["count"])
            bucket = counts[key["community"]]
            bucket["status"][key["status"]] = bucket["status"].get(key["status"], 0) + count
            bucket["category"][key["category"]] = bucket["category"].get(key["category"], 0) + count
            pair = f"{key['category']}/{key['status']}"
            bucket["category_status"][pair] = bucket["category_status"].get(pair, 0) + count
        return counts

    async def recount_planned_budgets(self, community_ids: Sequence[str], period: Period = (None, None)) -> dict[str, dict[str, int]]:
        """:meth:`planned_budgets` recounted over the items, in one aggregation (what the counters must equal)."""
        rows = await self.items.aggregate(
            [
                {
                    "$match": {
                        "community_id": {"$in": list(community_ids)},
                        "status": {"$nin": [ItemStatus.DRAFT.value, ItemStatus.CANCELLED.value]},
                        **_created_in(period),
                    }
                },
                {"$unwind": "$budget"},
                {
                    "$group": {
                        "_id": {"community": "$community_id", "category": "$category", "source": "$budget.fund_source"},
                        "fen": {"$sum": "$budget.amount_fen"},
                    }
                },
            ]
        )
        budgets: dict[str, dict[str, int]] = {cid: {} for cid in community_ids}
        for row in rows:
            key = row["_id"]
            pair = f"{key['category']}/{key['source']}"
            budgets[key["community"]][pair] = budgets[key["community"]].get(pair, 0) + int(row["fen"])
        return budgets


def _created_in(period: Period) -> dict[str, Any]:
    """The ``created_at`` condition; instants as naive UTC, as BSON stores them (PyMongo and ``memory://`` alike)."""
    start, end = (moment.astimezone(UTC).replace(tzinfo=None) if moment else None for moment in period)
    bounds = {**({"$gte": start} if start else {}), **({"$lt": end} if end else {})}
    return {"created_at": bounds} if bounds else {}


def _need_filter(query: NeedQuery) -> dict[str, Any]:
    filter: dict[str, Any] = {"community_id": {"$in": list(query.community_ids)}}
    if query.categories:
        filter["category"] = {"$in": [category.value for category in query.categories]}
    if query.statuses:
        filter["status"] = {"$in": [status.value for status in query.statuses]}
    if query.target_groups:
        filter["target_groups"] = {"$in": [group.value for group in query.target_groups]}
    if query.text:
        filter.update(text_filter(query.text, ("title", "description")))
    if query.submitter_id is not None:
        filter["submitter_id"] = query.submitter_id
    if query.supporter_id is not None:
        filter["supporter_ids"] = query.supporter_id
    return filter


def _item_filter(query: ItemQuery) -> dict[str, Any]:
    filter: dict[str, Any] = {"community_id": {"$in": list(query.community_ids)}}
    if query.categories:
        filter["category"] = {"$in": [category.value for category in query.categories]}
    if query.statuses:
        filter["status"] = {"$in": [status.value for status in query.statuses]}
    if query.kinds:
        filter["kind"] = {"$in": [kind.value for kind in query.kinds]}
    if query.text:
        filter.update(text_filter(query.text, ("title", "description")))
    if query.hide_drafts_in:
        filter = {
            "$and": [
                filter,
                {"$or": [{"status": {"$ne": ItemStatus.DRAFT.value}}, {"community_id": {"$nin": list(query.hide_drafts_in)}}]},
            ]
        }
    return filter
