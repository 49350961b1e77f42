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
from services.common.pagination import MAX_PAGE_SIZE, Page, decode_cursor, encode_cursor, paginate
from services.common.places import PlacesReadModel
from services.common.privacy import ANONYMISED_AT, pseudonym
from services.common.retention import Expired, RetentionReadModel
from services.common.store import Collection, Database, Index, insert_aggregate, save_aggregate
from services.common.store.aggregate import HANDLED_EVENTS, VERSION
from services.common.store.search import SEARCH_GRAMS, text_filter
from services.needs.documents import item_from_document, item_to_fields, need_from_document, need_to_fields
from services.needs.domain import Category, ItemKind, ItemStatus, Need, NeedStatus, ServiceItem, TargetGroup
from services.needs.heads import Entry, NeedHeads, entry_of, entry_of_document, need_id_of
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
        self.needs: Collection = database.collection("needs")
        self.items: Collection = database.collection("items")
        self.tallies = NeedTallies(database.collection("need_tallies"))
        self.heads = NeedHeads(database.collection("need_heads"))
        self.places = PlacesReadModel(database.collection("communities"))
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
        await self.backfill_tallies()
        await self.heads.create_indexes()
        await self.backfill_heads()
        await self.places.create_indexes()

    async def backfill_tallies(self) -> None:
        """Start-up: counters for needs and items stored before the counters existed (only while there are none)."""
        if await self.tallies.collection.find_one({}) is not None:
            return
        for document in await self.needs.find({}):
            await self.tallies.need_changed(None, need_from_document(document))
        for document in await self.items.find({}):
            await self.tallies.item_changed(None, item_from_document(document))

    async def backfill_heads(self) -> None:
        """Start-up: the newest-needs lists (:mod:`services.needs.heads`) from the needs, until they are built once."""
        if await self.heads.built():
            return
        groups: dict[tuple[str, str], list[Entry]] = {}
        for document in await self.needs.find({}, projection={"community_id": 1, "status": 1, "created_at": 1}):
            groups.setdefault((document["community_id"], document["status"]), []).append(entry_of_document(document))
        await self.heads.rebuild(groups)

    async def _newest(self, community_id: str, status: str, limit: int) -> list[Entry]:
        """The newest needs of one community in one status (a list of :mod:`services.needs.heads` read again)."""
        documents = await self.needs.find(
            {"community_id": community_id, "status": status},
            sort=[("created_at", -1), ("_id", -1)],
            limit=limit,
            projection={"created_at": 1},
        )
        return [entry_of_document(document) for document in documents]

    async def insert_need(self, need: Need, events: Sequence[Event]) -> None:
        """A new need, with its submitted event; the statistics counters and the newest-needs lists follow."""
        await insert_aggregate(self.needs, {"_id": need.id, **need_to_fields(need)}, events)
        await self.tallies.need_changed(None, need)
        stored = await self.needs.find_one({"_id": need.id}, projection={"created_at": 1})  # its time as stored (MongoDB: ms)
        created_at = stored["created_at"] if stored is not None else need.created_at
        await self.heads.changed(need.community_id, None, need.status.value, entry_of(created_at, need.id), self._newest)

    async def save_need(self, need: Need, events: Sequence[Event] = (), *, handled_event: str | None = None) -> None:
        """Save a changed need if nobody changed it meanwhile (raises VersionConflict); the counters follow the change."""
        before = await self.needs.find_one({"_id": need.id, "version": need.version})
        await save_aggregate(
            self.needs, need.id, expected_version=need.version, changes=need_to_fields(need), events=events, handled_event=handled_event
        )
        await self.tallies.need_changed(need_from_document(before) if before is not None else None, need)
        if before is not None:
            entry = entry_of(before["created_at"], need.id)
            await self.heads.changed(need.community_id, str(before["status"]), need.status.value, entry, self._newest)

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
        for document in await self.needs.find({"supporter_ids": person}, projection={"_id": 1}):
            outcome = await self.needs.update_one(
                {"_id": document["_id"], "supporter_ids": person}, {"$set": {"supporter_ids.$": pseudonym(person)}, "$inc": {VERSION: 1}}
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
        """One page of needs, newest or most supported first (newest first by status alone: from the newest-needs lists)."""
        from_heads = await self._page_from_heads(query, first=first, after=after)
        if from_heads is not None:
            return from_heads
        sort = [("support_count", -1), ("created_at", -1)] if query.most_supported else [("created_at", -1)]
        page = await paginate(self.needs, _need_filter(query), sort, first=first, after=after)
        return [need_from_document(document) for document in page.documents], page

    async def _page_from_heads(self, query: NeedQuery, *, first: int, after: str | None) -> tuple[list[Need], Page] | None:
        """The page from :mod:`services.needs.heads` when the lists can say (newest first, communities and statuses only)."""
        if query.most_supported or query.categories or query.target_groups or query.text or not 0 < first <= MAX_PAGE_SIZE:
            return None
        if query.submitter_id is not None or query.supporter_id is not None or not query.community_ids:
            return None
        cursor: Entry | None = None
        if after:
            at, need_id = decode_cursor(after, 2)
            if not isinstance(at, datetime) or at.tzinfo is None or not isinstance(need_id, str):
                return None
            cursor = entry_of(at, need_id)
        statuses = [status.value for status in query.statuses] or [status.value for status in NeedStatus]
        entries = await self.heads.page(query.community_ids, statuses, first, cursor)
        if entries is None:
            return None
        shown = entries[:first]
        documents = {d["_id"]: d for d in await self.needs.find({"_id": {"$in": [need_id_of(entry) for entry in shown]}})}
        wanted, communities = set(statuses), set(query.community_ids)
        page_documents = []
        for entry in shown:
            document = documents.get(need_id_of(entry))
            if document is None or document["status"] not in wanted or document["community_id"] not in communities:
                return None  # a change not yet in the lists: read the needs
            if entry_of_document(document) != entry:
                return None
            page_documents.append(document)
        cursors = [encode_cursor([document["created_at"], document["_id"]]) for document in page_documents]
        page = Page(page_documents, len(entries) > first, cursors)
        return [need_from_document(document) for document in page_documents], page

    async def count_needs(self, query: NeedQuery) -> int:
        """How many needs match."""
        return await self.needs.count_documents(_need_filter(query))

    async def insert_item(self, item: ServiceItem, events: Sequence[Event]) -> None:
        """A new item in draft."""
        await insert_aggregate(self.items, {"_id": item.id, **item_to_fields(item)}, events)
        await self.tallies.item_changed(None, item)

    async def save_item(self, item: ServiceItem, events: Sequence[Event] = (), *, handled_event: str | None = None) -> None:
        """Save a changed item if nobody changed it meanwhile (raises VersionConflict); the counters follow the change."""
        before = await self.items.find_one({"_id": item.id, "version": item.version})
        await save_aggregate(
            self.items, item.id, expected_version=item.version, changes=item_to_fields(item), events=events, handled_event=handled_event
        )
        await self.tallies.item_changed(item_from_document(before) if before is not None else None, item)

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
        category and status (``category/status`` keys), from the per-day counters."""
        return (await self.tallies.counts(community_ids, period))[0]

    async def planned_budgets(self, community_ids: Sequence[str], period: Period = (None, None)) -> dict[str, dict[str, int]]:
        """Per community: fen planned in items published (not drafts, not cancelled; created in ``period``),
        by ``category/fund_source`` keys, from the per-day counters."""
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
