"""The newest-needs lists (need_heads): a district's newest-first page from them equals the page read from the needs.

Needs are added and moved between statuses at random; every page (several filters, every cursor
along the way) must equal what the plain keyset query over the needs answers, and the lists must
stay true prefixes — with lists kept short here, so that most are incomplete, refilled and cut.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.common.pagination import paginate
from services.common.store import Database
from services.needs import heads
from services.needs.domain import NeedStatus
from services.needs.store import NeedQuery, NeedsStore, _need_filter
from tests.needs.factories import need
from tests.stores import database

__all__ = ["database"]

COMMUNITIES = ["c1", "c2", "c3"]
S = NeedStatus


@pytest.fixture
async def store(database: Database) -> NeedsStore:
    store = NeedsStore(database)
    await store.create_indexes()
    return store


async def _plain(store: NeedsStore, query: NeedQuery, first: int, after: str | None) -> tuple[list[str], bool, list[str]]:
    page = await paginate(store.needs, _need_filter(query), [("created_at", -1)], first=first, after=after)
    return [d["_id"] for d in page.documents], page.has_next_page, page.cursors


async def _walk(store: NeedsStore, query: NeedQuery, first: int) -> int:
    """Every page of the list equals the plain query's; how many came from the lists."""
    after: str | None = None
    from_heads = 0
    for _ in range(200):
        needs, page = await store.list_needs(query, first=first, after=after)
        expected = await _plain(store, query, first, after)
        assert ([n.id for n in needs], page.has_next_page, page.cursors) == expected, (query, after)
        from_heads += await store._page_from_heads(query, first=first, after=after) is not None
        if not page.has_next_page:
            return from_heads
        after = page.cursors[-1]
    raise AssertionError("the list did not end")


async def _changed_at_random(store: NeedsStore, rng: random.Random, count: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(count):
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 30), microseconds=rng.randrange(1000))
        status = rng.choice([S.SUBMITTED, S.SUBMITTED, S.UNDER_REVIEW, S.ACCEPTED])
        await store.insert_need(replace(need(id=f"n{n:03d}", status=status), community_id=rng.choice(COMMUNITIES), created_at=created), [])
    for _ in range(count):
        loaded = await store.need(f"n{rng.randrange(count):03d}")
        assert loaded is not None
        await store.save_need(replace(loaded[0], status=rng.choice(list(S))), [])


QUERIES = [
    NeedQuery(COMMUNITIES, statuses=[S.SUBMITTED, S.UNDER_REVIEW]),
    NeedQuery(COMMUNITIES),
    NeedQuery(["c2"], statuses=[S.ACCEPTED, S.PLANNED, S.RESOLVED]),
    NeedQuery(["c1", "c3", "c9"], statuses=[S.SUBMITTED]),
]


async def test_pages_from_short_lists_equal_the_needs_pages(store: NeedsStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heads, "KEEP", 8)
    monkeypatch.setattr(heads, "REFILL_BELOW", 4)
    await _changed_at_random(store, random.Random(16), 70)
    answered = 0
    for query in QUERIES:
        for first in (2, 5):
            answered += await _walk(store, query, first)
    assert answered > 0  # some pages came from the lists, the rest from the needs; all equal
    for document in await store.heads.collection.find({"_id": {"$ne": heads.BUILT}}):
        newest = await store._newest(document["community_id"], document["status"], heads.KEEP + 1)
        entries = sorted(document["entries"].split("\n"), reverse=True) if document["entries"] else []
        assert entries == newest[: len(entries)], document["_id"]  # a true prefix of the status's needs
        if document["complete"]:
            assert len(entries) == len(newest)  # complete: every need of the status is there


async def test_a_district_page_comes_from_the_lists_and_the_lists_are_built_at_start_up(store: NeedsStore) -> None:
    await _changed_at_random(store, random.Random(3), 60)
    query = QUERIES[0]
    assert await store._page_from_heads(query, first=5, after=None) is not None
    assert await _walk(store, query, 5) > 0
    await store.heads.collection.delete_one({"_id": heads.BUILT})
    assert await store._page_from_heads(query, first=5, after=None) is None  # not built: the needs answer
    before = await _plain(store, query, 5, None)
    for document in await store.heads.collection.find({}):
        await store.heads.collection.delete_one({"_id": document["_id"]})
    await store.backfill_heads()  # what start-up does
    assert await store._page_from_heads(query, first=5, after=None) is not None
    needs, page = await store.list_needs(query, first=5, after=None)
    assert ([n.id for n in needs], page.has_next_page, page.cursors) == before
