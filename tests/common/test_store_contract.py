"""The storage port's contract, the same on memory:// and on a real MongoDB (MONGODB_URL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.events import new_event
from services.common.pagination import paginate
from services.common.store import Database, DuplicateKey, Index, StoreUnsupported, VersionConflict, insert_aggregate, save_aggregate
from tests.stores import database

__all__ = ["database"]


async def test_insert_find_and_duplicate_key(database: Database) -> None:
    things = database.collection("things")
    await things.insert_one({"_id": "a", "community_id": "c1", "n": 1})

    assert await things.find_one({"_id": "a"}) == {"_id": "a", "community_id": "c1", "n": 1}
    assert await things.find_one({"_id": "missing"}) is None
    with pytest.raises(DuplicateKey):
        await things.insert_one({"_id": "a"})


async def test_unique_index_is_enforced(database: Database) -> None:
    things = database.collection("things")
    await things.create_indexes([Index((("community_id", 1), ("code", 1)), unique=True)])
    await things.insert_one({"_id": "a", "community_id": "c1", "code": "x"})
    await things.insert_one({"_id": "b", "community_id": "c2", "code": "x"})

    with pytest.raises(DuplicateKey):
        await things.insert_one({"_id": "c", "community_id": "c1", "code": "x"})


async def test_conditional_update_applies_only_when_guard_holds(database: Database) -> None:
    things = database.collection("things")
    await things.insert_one({"_id": "a", "status": "open", "n": 0})

    first = await things.update_one({"_id": "a", "status": "open"}, {"$set": {"status": "closed"}, "$inc": {"n": 1}})
    second = await things.update_one({"_id": "a", "status": "open"}, {"$set": {"status": "closed"}, "$inc": {"n": 1}})

    assert (first.matched, first.modified) == (1, 1)
    assert (second.matched, second.modified) == (0, 0)
    assert await things.find_one({"_id": "a"}) == {"_id": "a", "status": "closed", "n": 1}


async def test_find_one_and_update_returns_after_or_before(database: Database) -> None:
    things = database.collection("things")
    await things.insert_one({"_id": "a", "n": 1})

    after = await things.find_one_and_update({"_id": "a"}, {"$inc": {"n": 1}})
    before = await things.find_one_and_update({"_id": "a"}, {"$inc": {"n": 1}}, return_new=False)

    assert after == {"_id": "a", "n": 2}
    assert before == {"_id": "a", "n": 2}
    assert await things.find_one_and_update({"_id": "none"}, {"$inc": {"n": 1}}) is None


async def test_upsert_and_handled_event_guard(database: Database) -> None:
    places = database.collection("places")
    update = {"$set": {"name": "左安浦园"}, "$push": {"handled_events": "e1"}}

    created = await places.update_one({"_id": "c1", "handled_events": {"$ne": "e1"}}, update, upsert=True)
    assert created.upserted_id == "c1"
    with pytest.raises(DuplicateKey):
        await places.update_one({"_id": "c1", "handled_events": {"$ne": "e1"}}, update, upsert=True)
    assert await places.find_one({"_id": "c1"}) == {"_id": "c1", "name": "左安浦园", "handled_events": ["e1"]}


async def test_sort_limit_count_and_regex(database: Database) -> None:
    things = database.collection("things")
    for index, title in enumerate(["楼道灯", "Garden", "garbage sorting", "gate"]):
        await things.insert_one({"_id": str(index), "community_id": "c1", "title": title, "rank": index % 2})

    found = await things.find({"title": {"$regex": "gar", "$options": "i"}}, sort=[("rank", -1), ("_id", 1)], limit=5)

    assert [thing["_id"] for thing in found] == ["1", "2"]
    assert await things.count_documents({"community_id": "c1"}) == 4
    assert len(await things.find({}, limit=3)) == 3


async def test_aggregate_groups_counts(database: Database) -> None:
    things = database.collection("things")
    for index, (community, status) in enumerate([("c1", "open"), ("c1", "open"), ("c1", "done"), ("c2", "open")]):
        await things.insert_one({"_id": str(index), "community_id": community, "status": status})

    rows = await things.aggregate(
        [
            {"$match": {"community_id": {"$in": ["c1", "c2"]}}},
            {"$group": {"_id": {"community": "$community_id", "status": "$status"}, "count": {"$sum": 1}}},
        ]
    )

    counts = {(row["_id"]["community"], row["_id"]["status"]): row["count"] for row in rows}
    assert counts == {("c1", "open"): 2, ("c1", "done"): 1, ("c2", "open"): 1}


async def test_datetimes_come_back_timezone_aware(database: Database) -> None:
    things = database.collection("things")
    moment = datetime(2026, 11, 26, 8, 30, 15, 123000, tzinfo=UTC)
    await things.insert_one({"_id": "a", "at": moment})

    found = await things.find_one({"_id": "a"})

    assert found is not None
    assert found["at"] == moment
    assert found["at"].tzinfo is not None


async def test_save_aggregate_is_guarded_by_version_and_writes_outbox(database: Database) -> None:
    needs = database.collection("needs")
    submitted = new_event("needs.need.submitted.v1", service="needs", community="c1", data={"need_id": "n1"})
    accepted = new_event("needs.need.accepted.v1", service="needs", community="c1", data={"need_id": "n1"})
    await insert_aggregate(needs, {"_id": "n1", "community_id": "c1", "status": "submitted"}, [submitted])

    await save_aggregate(needs, "n1", expected_version=1, changes={"status": "accepted"}, events=[accepted])
    with pytest.raises(VersionConflict):
        await save_aggregate(needs, "n1", expected_version=1, changes={"status": "rejected"})

    stored = await needs.find_one({"_id": "n1"})
    assert stored is not None
    assert stored["status"] == "accepted"
    assert stored["version"] == 2
    assert [entry["id"] for entry in stored["outbox"]] == [submitted.id, accepted.id]


async def test_save_aggregate_records_a_handled_event_once(database: Database) -> None:
    items = database.collection("items")
    await insert_aggregate(items, {"_id": "i1", "n": 0})

    await save_aggregate(items, "i1", expected_version=1, changes={"n": 1}, handled_event="e1")
    with pytest.raises(VersionConflict):
        await save_aggregate(items, "i1", expected_version=2, changes={"n": 2}, handled_event="e1")

    stored = await items.find_one({"_id": "i1"})
    assert stored is not None
    assert (stored["n"], stored["handled_events"]) == (1, ["e1"])


async def test_pull_removes_published_outbox_entries_only(database: Database) -> None:
    needs = database.collection("needs")
    events = [new_event("needs.need.submitted.v1", service="needs", community="c1", data={}) for _ in range(3)]
    await insert_aggregate(needs, {"_id": "n1"}, events)

    await needs.update_one({"_id": "n1"}, {"$pull": {"outbox": {"id": {"$in": [events[0].id, events[2].id]}}}})

    stored = await needs.find_one({"_id": "n1"})
    assert stored is not None
    assert [entry["id"] for entry in stored["outbox"]] == [events[1].id]
    assert await needs.find({"outbox.id": {"$exists": True}}) != []


async def test_keyset_pagination_walks_every_row_once_in_order(database: Database) -> None:
    rows = database.collection("rows")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(23):
        await rows.insert_one({"_id": f"r{index:02d}", "community_id": "c1", "at": start + timedelta(hours=index // 3), "score": index % 4})

    seen: list[str] = []
    after: str | None = None
    while True:
        page = await paginate(rows, {"community_id": "c1"}, [("score", -1), ("at", -1)], first=5, after=after)
        seen += [row["_id"] for row in page.documents]
        if not page.has_next_page:
            break
        after = page.cursors[-1]

    everything = await rows.find({})
    assert seen == [row["_id"] for row in sorted(everything, key=lambda row: (row["score"], row["at"], row["_id"]), reverse=True)]
    assert len(set(seen)) == 23


async def test_memory_backend_refuses_what_it_cannot_do() -> None:
    from services.common.store import connect

    database = connect("memory://").database("x")
    things = database.collection("things")
    await things.insert_one({"_id": "a", "n": 1})

    with pytest.raises(StoreUnsupported, match="MONGODB_URL"):
        await things.update_one({"_id": "a"}, [{"$set": {"n": 2}}])  # type: ignore[arg-type]
