"""The claims store's contract, on memory:// and on a real MongoDB when MONGODB_URL is set."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.claims.domain import BudgetLine, ClaimStatus, FundSource, ResidentRating, Rubric, TrainingSession
from services.claims.store import ClaimsStore
from services.common.store import Database, DuplicateKey, VersionConflict
from tests.claims.test_domain import claim
from tests.stores import database

__all__ = ["database"]

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PUBLISHED = {
    "community_id": "c1",
    "title": "项目",
    "status": "published",
    "eligible_claimant_kinds": ["social_organization"],
    "opens_at": NOW - timedelta(days=1),
    "closes_at": NOW + timedelta(days=7),
    "slots": 2,
    "budget": [BudgetLine(FundSource.COMMUNITY_WELFARE_FUND, 100_000).to_data()],
}


@pytest.fixture
async def store(database: Database) -> ClaimsStore:
    store = ClaimsStore(database)
    await store.create_indexes()
    return store


async def test_claim_round_trips_with_its_project_records(store: ClaimsStore) -> None:
    evaluated = claim(
        ClaimStatus.EVALUATED,
        trainings=(TrainingSession("t1", date(2026, 11, 20), "培训", "督导", ("王",), "s", NOW),),
        ratings=(ResidentRating("r1", 5, "好", NOW),),
    )
    evaluated, _ = replace(evaluated, status=ClaimStatus.COMPLETED).evaluate(Rubric(5, 4, 4, 4, 3), "好", actor="s", at=NOW)
    await store.insert_claim(evaluated, [])

    loaded = await store.claim("k1")

    assert loaded is not None
    assert loaded[0] == replace(evaluated, version=1)


async def test_one_open_claim_per_claimant_per_item_is_enforced_by_the_index(store: ClaimsStore) -> None:
    await store.insert_claim(claim(), [])
    with pytest.raises(DuplicateKey):
        await store.insert_claim(replace(claim(), id="k2"), [])

    loaded = await store.claim("k1")
    assert loaded is not None
    withdrawn, events = loaded[0].withdraw("", actor="l", at=NOW)
    await store.save_claim(withdrawn, events)
    with pytest.raises(VersionConflict):
        await store.save_claim(withdrawn, events)
    await store.insert_claim(replace(claim(), id="k2"), [])
    await store.insert_claim(replace(claim(), id="k3", item_id="i2"), [])


async def test_reservations_never_exceed_slots_or_budget_and_release_gives_back(store: ClaimsStore) -> None:
    await store.record_published(PUBLISHED, "i1", "e1", committed={"community_welfare_fund": 0})
    await store.record_published(PUBLISHED, "i1", "e1", committed={"community_welfare_fund": 0})
    board = await store.board("i1")
    assert board is not None

    assert await store.reserve(board, "k1", {"community_welfare_fund": 70_000}, NOW)
    assert not await store.reserve(board, "k1", {"community_welfare_fund": 1}, NOW)
    assert not await store.reserve(board, "k2", {"community_welfare_fund": 40_000}, NOW)
    assert await store.reserve(board, "k2", {"community_welfare_fund": 30_000}, NOW)
    assert not await store.reserve(board, "k3", {}, NOW)

    await store.release("i1", "k2")
    await store.release("i1", "k2")
    after = await store.board("i1")
    assert after is not None
    assert [r.claim_id for r in after.reservations] == ["k1"]
    assert after.committed("community_welfare_fund") == 70_000
    assert await store.reserve(after, "k3", {"community_welfare_fund": 30_000}, NOW)


async def test_organization_cards_keep_the_newest_snapshot(store: ClaimsStore) -> None:
    fields = {"community_id": "c1", "served_community_ids": ["c1"], "kind": "social_organization", "status": "active", "name": "夕阳天使"}

    await store.record_organization("o1", fields, NOW)
    await store.record_organization("o1", {**fields, "status": "filed"}, NOW - timedelta(minutes=1))
    await store.record_organization("o1", {**fields, "status": "dormant"}, NOW + timedelta(minutes=1))

    card = await store.card("o1")
    assert card is not None
    assert card.status == "dormant"
