"""The ``memory://`` journal: what was written is there after a restart (a new server on the same folder), even after a crash."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.common.store import DuplicateKey, Index
from services.common.store.journal import JOURNAL, SNAPSHOT, Journal, JournalCorrupt
from services.common.store.memory import MemoryDatabase, MemoryServer


async def test_every_kind_of_write_survives_a_restart_without_a_clean_stop(tmp_path: Path) -> None:
    server = MemoryServer.journalled(tmp_path)
    needs = MemoryDatabase(server, "renling_needs").collection("needs")
    await needs.create_indexes([Index((("community_id", 1), ("title", 1)), unique=True)])
    when = datetime(2026, 11, 25, 19, 0, 5, 123000, tzinfo=UTC)
    await needs.insert_one({"_id": "n1", "community_id": "c1", "title": "扶手", "at": when, "fen": 300000, "score": 4.5})
    await needs.insert_one({"_id": "n2", "community_id": "c1", "title": "路灯"})
    await needs.insert_one({"_id": "n3", "community_id": "c2", "title": "gone"})
    await needs.update_one({"_id": "n1", "version": {"$exists": False}}, {"$set": {"version": 1}, "$push": {"outbox": {"id": "e1"}}})
    await needs.find_one_and_update({"_id": "counter"}, {"$inc": {"seq": 1}}, upsert=True)
    await needs.find_one_and_update({"_id": "counter"}, {"$inc": {"seq": 1}}, upsert=True)
    await needs.update_many({"community_id": "c1"}, {"$set": {"seen": True}})
    await needs.delete_one({"_id": "n3"})
    with pytest.raises(DuplicateKey):
        await needs.insert_one({"_id": "n4", "community_id": "c1", "title": "扶手"})
    # no close(): as after SIGKILL

    again = MemoryServer.journalled(tmp_path)
    restored = MemoryDatabase(again, "renling_needs").collection("needs")
    await restored.create_indexes([Index((("community_id", 1), ("title", 1)), unique=True)])

    assert await restored.find({}, sort=[("_id", 1)]) == [
        {"_id": "counter", "seq": 2},
        {
            "_id": "n1",
            "community_id": "c1",
            "title": "扶手",
            "at": when,
            "fen": 300000,
            "score": 4.5,
            "version": 1,
            "outbox": [{"id": "e1"}],
            "seen": True,
        },
        {"_id": "n2", "community_id": "c1", "title": "路灯", "seen": True},
    ]
    assert await restored.count_documents({"community_id": "c1"}) == 2  # the indexes hold the replayed documents
    with pytest.raises(DuplicateKey):
        await restored.insert_one({"_id": "n5", "community_id": "c1", "title": "路灯"})


async def test_start_up_compacts_and_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    server = MemoryServer.journalled(tmp_path)
    things = MemoryDatabase(server, "db").collection("things")
    for number in range(5):
        await things.update_one({"_id": "t"}, {"$set": {"n": number}}, upsert=True)
    assert len((tmp_path / JOURNAL).read_text().splitlines()) == 5
    with (tmp_path / JOURNAL).open("a") as file:
        file.write('{"d":"db","c":"things","id":"t","doc":{"_id":"t","n":')  # a write cut short by the crash, never acknowledged

    again = MemoryServer.journalled(tmp_path)

    assert await MemoryDatabase(again, "db").collection("things").find({}) == [{"_id": "t", "n": 4}]
    assert (tmp_path / JOURNAL).read_text() == ""
    assert len((tmp_path / SNAPSHOT).read_text().splitlines()) == 1


async def test_a_long_journal_is_folded_into_the_snapshot_while_running(tmp_path: Path) -> None:
    server = MemoryServer.journalled(tmp_path)
    assert server.journal is not None
    server.journal.compact_after = 10
    things = MemoryDatabase(server, "db").collection("things")
    for number in range(25):
        await things.insert_one({"_id": number})

    assert len((tmp_path / JOURNAL).read_text().splitlines()) == 5
    again = MemoryServer.journalled(tmp_path)
    assert len(await MemoryDatabase(again, "db").collection("things").find({})) == 25


async def test_a_damaged_line_before_the_end_is_refused(tmp_path: Path) -> None:
    (tmp_path / JOURNAL).write_text('not json\n{"d":"db","c":"x","id":1,"doc":{"_id":1}}\n')

    with pytest.raises(JournalCorrupt, match="line 1"):
        Journal(tmp_path).replay(MemoryServer().client)


async def test_a_dropped_database_stays_dropped(tmp_path: Path) -> None:
    server = MemoryServer.journalled(tmp_path)
    database = MemoryDatabase(server, "db")
    await database.collection("things").insert_one({"_id": 1})
    await database.drop()
    await MemoryDatabase(server, "other").collection("things").insert_one({"_id": 2})

    again = MemoryServer.journalled(tmp_path)

    assert again.client.list_database_names() == ["other"]
