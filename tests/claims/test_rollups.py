"""Issue 16.3: street and district rollups of the claim counters read O(buckets), and equal their communities' sums.

A generated district d1 of two streets (s1: c1, c2; s2: c3, c4) of claims is stored with the events
each change wrote; delivered as the consumer does (shuffled, twice, while a rebuild runs), each
street's and the district's rollup must equal the sum of its communities' counters and a full recount
for several periods. Through GraphQL, only a caller who may read every community of a street or
district reads its rollup; anyone else gets her communities' sums.
"""

from __future__ import annotations

import asyncio
import random

from services.claims.domain import Claim
from services.claims.store import ClaimsStore
from services.common.identity import Role
from services.common.places import CommunityPlace, district_scope, street_scope
from services.common.store import Database
from tests.claims.conftest import Claims, item_published, organization_registered, place, proposal
from tests.claims.test_tallies import (
    COMMUNITIES,
    PERIODS,
    _comparable,
    _deliver,
    _final,
    _generated,
    _outbox,
    _publish_items,
    _recount,
    _store,
)
from tests.stores import plain_database

__all__ = ["plain_database"]

STREETS = {"s1": ("c1", "c2"), "s2": ("c3", "c4")}
SCOPES = {**{street_scope(street): communities for street, communities in STREETS.items()}, district_scope("d1"): COMMUNITIES}


async def _placed_store(database: Database) -> ClaimsStore:
    store = ClaimsStore(database)
    for street, members in STREETS.items():
        for community in members:
            await store.places.record(CommunityPlace(community, community, street, "d1"), f"registered-{community}")
    await store.create_indexes()
    return store


async def _assert_rollups_equal_sums_and_a_recount(store: ClaimsStore, claims: list[Claim], categories: dict[str, str]) -> None:
    for scope, communities in SCOPES.items():
        for period in PERIODS:
            rollup = await store.rollup_figures(scope, communities, period.from_, period.to)
            assert rollup is not None, scope
            summed = await store.figures_of_communities(communities, period.from_, period.to)
            assert _comparable(rollup) == _comparable(summed), (scope, period)
            assert _comparable(rollup) == _comparable(_recount(claims, communities, period, categories)), (scope, period)


async def test_claim_rollups_equal_sums_and_a_recount_through_redelivery_and_a_rebuild(plain_database: Database) -> None:
    store = await _placed_store(plain_database)
    categories = await _publish_items(store)
    lives = _generated()
    early, late = lives[: len(lives) // 2], lives[len(lives) // 2 :]
    delivered: set[str] = set()
    for life in early:
        await _store(store, life, delivered, first_only=True)
    waiting = [event for event in await _outbox(store) if event.id not in delivered]
    random.Random(6).shuffle(waiting)
    await _deliver(store, [*waiting, *waiting[:100]])  # shuffled, some twice
    await _assert_rollups_equal_sums_and_a_recount(store, _final(early), categories)
    scopes = {"community_id": {"$in": list(SCOPES)}}
    before = await store.tallies.store.collection.find(scopes, sort=[("_id", 1)])
    assert before
    await _deliver(store, await _outbox(store))  # every event again: no rollup moves
    assert await store.tallies.store.collection.find(scopes, sort=[("_id", 1)]) == before

    await store.tallies.store.collection.update_many(scopes, {"$inc": {"counts.status:submitted": 5}})  # the rollups went wrong
    store.tallies.counters.page_size = 9

    async def writes() -> None:
        for life in late:
            await _store(store, life, delivered)
            await asyncio.sleep(0)

    rebuilt, _ = await asyncio.gather(store.tallies.rebuild(), writes())
    assert rebuilt.switched
    await _assert_rollups_equal_sums_and_a_recount(store, _final(lives), categories)


STATS = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Street { claimStats { total communities } }
  ... on District { claimStats { total communities } }
} }"""


async def test_only_a_caller_who_may_read_every_community_reads_the_claim_rollup(claims: Claims) -> None:
    await claims.feed(place("c3", "s1", "d1"), item_published("i3", community="c3"), organization_registered("o3", community="c3"))
    await claims.claim("o1")  # c1 (street s1), and c2 is alone in street s2
    leader = claims.token(Role.ORG_LEADER, "c3", subject="leader-o3", organization="o3")
    payload = await claims.mutate("submitClaim", {"itemId": "i3", "organizationId": "o3", "proposal": proposal()}, as_=leader)
    assert payload["errors"] == []
    await claims.settle()
    representations = {"r": [{"__typename": "Street", "id": "s1"}, {"__typename": "District", "id": "d1"}]}

    async def figures(caller: str) -> list[object]:
        found = await claims.client.data(STATS, representations, as_=caller)
        return [entity["claimStats"] for entity in found["_entities"]]

    admin, staff = claims.token(Role.DISTRICT_ADMIN, districts=("d1",)), claims.staff
    assert await figures(admin) == [{"total": 2, "communities": 2}, {"total": 2, "communities": 3}]
    assert await figures(staff) == [{"total": 1, "communities": 1}, {"total": 1, "communities": 1}]  # c1 alone

    # Which counters each read: the rollup documents moved by hand show in the administrator's figures only.
    tallies = claims.memory.client["renling_claims"]["claim_tallies"]
    tallies.update_many({"community_id": {"$in": ["street:s1", "district:d1"]}, "grain": "y"}, {"$inc": {"counts.status:submitted": 10}})
    await claims.app.state.handlers.store.tallies.store.collection.bump()  # a write behind the store's back says so
    assert await figures(admin) == [{"total": 12, "communities": 2}, {"total": 12, "communities": 3}]
    assert await figures(staff) == [{"total": 1, "communities": 1}, {"total": 1, "communities": 1}]
