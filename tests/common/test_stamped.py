"""Stamped collections: a cached read answers what the collection holds now, whichever handle (or replica) wrote last."""

from __future__ import annotations

import asyncio
import contextvars
import time

import pytest

from services.common.store import Database
from services.common.store.stamped import CACHED_FOR_S, one_reading, stamped
from tests.stores import plain_database

__all__ = ["plain_database"]


async def test_a_cached_read_sees_every_write_made_through_any_stamped_handle(plain_database: Database) -> None:
    first, second = stamped(plain_database, "things"), stamped(plain_database, "things")  # two replicas' handles
    await first.insert_one({"_id": "a", "n": 1})
    assert await first.find({}, sort=[("_id", 1)]) == [{"_id": "a", "n": 1}]
    assert await first.count_documents({"n": {"$gte": 1}}) == 1
    await second.insert_one({"_id": "b", "n": 2})
    assert await first.find({}, sort=[("_id", 1)]) == [{"_id": "a", "n": 1}, {"_id": "b", "n": 2}]
    assert await first.count_documents({"n": {"$gte": 1}}) == 2
    await second.update_one({"_id": "a"}, {"$set": {"n": 0}})
    assert await first.count_documents({"n": {"$gte": 1}}) == 1
    await second.delete_many({"n": 0})
    assert await first.find({}) == [{"_id": "b", "n": 2}]


async def test_a_caller_changing_what_it_read_changes_no_later_answer(plain_database: Database) -> None:
    things = stamped(plain_database, "things")
    await things.insert_one({"_id": "a", "tags": ["x"]})
    found = await things.find({})
    found[0]["tags"].append("changed")
    assert await things.find({}) == [{"_id": "a", "tags": ["x"]}]


async def test_a_memo_is_computed_once_per_stamp_and_again_after_a_write(plain_database: Database) -> None:
    things, counters = stamped(plain_database, "things"), stamped(plain_database, "counters", bump_on_write=False)
    computed: list[int] = []

    async def total() -> int:
        computed.append(1)
        return sum(int(document["n"]) for document in await things.find({}))

    await things.insert_one({"_id": "a", "n": 3})
    assert await things.memo("total", total) == 3
    assert await things.memo("total", total) == 3
    assert len(computed) == 1
    await things.insert_one({"_id": "b", "n": 4})
    assert await things.memo("total", total) == 7
    assert len(computed) == 2

    await counters.insert_one({"_id": "c", "n": 1})  # a batch writer's writes move nothing until it bumps
    assert await counters.count_documents({}) == 1
    await counters.insert_one({"_id": "d", "n": 1})
    assert await counters.count_documents({}) == 1  # stale: the batch is not finished
    await counters.bump()
    assert await counters.count_documents({}) == 2


async def test_a_write_whose_stamp_never_moved_is_seen_once_the_cached_answer_is_old(
    plain_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    things = stamped(plain_database, "things")
    await things.insert_one({"_id": "a", "n": 1})
    assert await things.count_documents({}) == 1
    await plain_database.collection("things").insert_one({"_id": "b", "n": 2})  # a writer that died before its bump
    assert await things.count_documents({}) == 1
    later = time.monotonic() + CACHED_FOR_S
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert await things.count_documents({}) == 2


async def test_one_reading_reads_one_state_and_its_own_writes(plain_database: Database) -> None:
    ours, theirs = stamped(plain_database, "things"), stamped(plain_database, "things")
    await ours.insert_one({"_id": "a"})
    outside = contextvars.copy_context()  # another request, not within this reading

    with one_reading():
        assert await ours.find({}) == [{"_id": "a"}]
        await outside.run(asyncio.create_task, theirs.insert_one({"_id": "b"}))
        assert await ours.find({}) == [{"_id": "a"}]  # the state this reading started reading
        await ours.insert_one({"_id": "c"})
        assert await ours.find({}, sort=[("_id", 1)]) == [{"_id": "a"}, {"_id": "b"}, {"_id": "c"}]  # past its own write

    assert await ours.count_documents({}) == 3


async def test_a_task_that_outlives_its_reading_reads_afresh(plain_database: Database) -> None:
    things = stamped(plain_database, "things")
    await things.insert_one({"_id": "a"})
    later = asyncio.Event()

    async def worker() -> int:
        await things.count_documents({})  # within the reading: its stamp is kept there
        await later.wait()
        return await things.count_documents({})

    with one_reading():
        task = asyncio.create_task(worker())
        await asyncio.sleep(0)
    await things.insert_one({"_id": "b"})
    later.set()
    assert await task == 2
