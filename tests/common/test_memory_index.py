"""memory://'s hash indexes and native grouping answer exactly as mongomock's full scans do."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import mongomock
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.store.memory import MemoryCollection, MemoryDatabase, MemoryServer
from services.common.store.port import Index

COMMUNITIES = ["c1", "c2", "c3"]
STATUSES = ["open", "closed", 3]
values = st.one_of(st.sampled_from(STATUSES), st.none(), st.just({"nested": 1}), st.lists(st.sampled_from(STATUSES), max_size=2))
documents = st.fixed_dictionaries(
    {"community_id": st.sampled_from(COMMUNITIES)},
    optional={
        "status": values,
        "outbox": st.lists(st.fixed_dictionaries({"id": st.sampled_from(["e1", "e2", "e3"])}), max_size=2),
        "size": st.integers(0, 5),
        "at": st.sampled_from([*(datetime(2026, 1, day, tzinfo=UTC) for day in (1, 2, 3)), datetime(2026, 1, 2), 2]),
    },
)
filters = st.sampled_from(
    [
        {},
        {"community_id": "c1"},
        {"community_id": {"$in": ["c1", "c3"]}},
        {"community_id": "c2", "status": "open"},
        {"status": "open"},
        {"status": 3},
        {"status": {"$in": ["closed", 3]}},
        {"status": None},
        {"status": {"$ne": "open"}},
        {"outbox.id": {"$exists": True}},
        {"outbox.id": "e2"},
        {"$and": [{"community_id": "c3"}, {"status": {"$exists": False}}]},
        {"_id": "d2"},
        {"_id": 2},
        {"_id": {"$in": ["d1", "d4", "d99"]}},
        {"_id": "d3", "status": "open"},
        {"community_id": "c1", "at": {"$lt": datetime(2026, 1, 3, tzinfo=UTC)}},
        {"size": {"$gt": 2}},
        {"$or": [{"community_id": "c1"}, {"status": "open"}]},
        {"$or": [{"community_id": "c2"}, {"size": {"$gt": 3}}]},
        {"size": {"$gte": 1, "$lt": 4}},
        {"at": {"$lte": datetime(2026, 1, 2, tzinfo=UTC)}},
        {"at": {"$gt": datetime(2026, 1, 1, tzinfo=UTC), "$lt": datetime(2026, 1, 3, tzinfo=UTC)}},
        {"at": {"$gte": 2}},
        {"at": {"$lt": datetime(2026, 1, 3)}},
        {"at": {"$gte": datetime(2026, 1, 2, tzinfo=UTC)}, "size": {"$lt": 3}},
        {"$and": [{"$or": [{"community_id": "c1"}, {"community_id": "c2"}]}, {"size": {"$lte": 3}}]},
    ]
)
updates = st.sampled_from(
    [
        {"$set": {"status": "closed"}},
        {"$set": {"community_id": "c3"}},
        {"$unset": {"status": ""}},
        {"$pull": {"outbox": {"id": "e1"}}},
        {"$push": {"outbox": {"id": "e3"}}},
        {"$set": {"status": ["open", 3]}},
        {"$inc": {"size": 1}},
    ]
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("update"), filters, updates),
        st.tuples(st.just("delete"), filters, st.none()),
        st.tuples(st.just("insert"), documents, st.none()),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(documents, max_size=12), operations, filters)
async def test_indexed_queries_answer_as_full_scans(initial: list[dict[str, Any]], steps: list[Any], query: dict[str, Any]) -> None:
    indexed = _indexed_collection()
    plain: Any = mongomock.MongoClient(tz_aware=True).db.plain
    await indexed.create_indexes(
        [Index((("community_id", 1), ("status", 1))), Index((("outbox.id", 1),), sparse=True), Index((("size", 1),)), Index((("at", 1),))]
    )
    next_id = 0
    for document in initial:
        next_id += 1
        await indexed.insert_one({"_id": f"d{next_id}", **document})
        plain.insert_one({"_id": f"d{next_id}", **document})
    counting: list[dict[str, Any]] = [
        {"$match": {"community_id": {"$in": ["c1", "c2"]}}},
        {"$group": {"_id": {"community": "$community_id", "status": "$status"}, "count": {"$sum": 1}}},
    ]
    await indexed.aggregate(counting)  # the counts are kept from here on, through every write below
    for kind, first, second in steps:
        if kind == "update":
            await indexed.update_many(first, second)
            plain.update_many(first, second)
        elif kind == "delete":
            await indexed.delete_one(first)
            plain.delete_one(first)
        else:
            next_id += 1
            await indexed.insert_one({"_id": f"d{next_id}", **first})
            plain.insert_one({"_id": f"d{next_id}", **first})
    assert await indexed.find(query) == list(plain.find(query))
    assert await indexed.count_documents(query) == plain.count_documents(query)
    assert await indexed.find_one(query) == plain.find_one(query)
    theirs = list(plain.aggregate(counting))
    assert sorted(_canonical(row) for row in await indexed.aggregate(counting)) == sorted(_canonical(row) for row in theirs)
    projection = {"community_id": 1, "status": 1, "at": 1}
    assert await indexed.find(query, projection=projection) == list(plain.find(query, projection))
    for sort in ([("community_id", -1), ("_id", 1)], [("size", 1), ("_id", -1)], [("status", 1)], [("at", -1), ("_id", 1)]):
        expected = list(plain.find(query, limit=3).sort(sort))
        assert await indexed.find(query, sort=sort, limit=3) == expected


def _indexed_collection() -> MemoryCollection:
    return MemoryDatabase(MemoryServer(), "db").collection("things")


@settings(max_examples=100, deadline=None)
@given(st.lists(documents, max_size=15), filters)
async def test_native_grouping_equals_mongomocks(initial: list[dict[str, Any]], match: dict[str, Any]) -> None:
    collection = _indexed_collection()
    plain: Any = mongomock.MongoClient(tz_aware=True).db.plain
    await collection.create_indexes([Index((("community_id", 1),))])
    for number, document in enumerate(initial):
        await collection.insert_one({"_id": number, **document})
        plain.insert_one({"_id": number, **document})
    for group in (
        {"_id": {"community": "$community_id", "status": "$status"}, "count": {"$sum": 1}},
        {"_id": "$community_id", "count": {"$sum": 1}, "size": {"$sum": "$size"}},
        {"_id": None, "count": {"$sum": 2}},
        {"_id": {"at": "$at"}, "count": {"$sum": 1}},
        {"_id": {"c": "$community_id", "at": "$at"}, "count": {"$sum": 1}, "twice": {"$sum": 2}},
    ):
        pipeline = [{"$match": match}, {"$group": group}]
        ours = await collection.aggregate(pipeline)
        theirs = list(plain.aggregate(pipeline))
        if not plain.count_documents(match):
            # MongoDB groups nothing into no rows; mongomock makes one row for a constant key.
            theirs = [row for row in theirs if row["_id"] is not None or group["_id"] is not None]
        assert sorted(_canonical(row) for row in ours) == sorted(_canonical(row) for row in theirs)


def _canonical(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)
