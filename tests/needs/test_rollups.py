"""Issue 16.3: street and district rollups of the need counters read O(buckets), and equal their communities' sums.

A generated district d1 of two streets (s1: c1, c2; s2: c3, c4) is stored through the store with the
events each change wrote; delivered as the consumer does (in order, shuffled, twice, while a rebuild
runs), each street's and the district's rollup must equal the sum of its communities' counters and a
recount over the needs and items, for several periods. Through GraphQL, only a caller who may read
every community of a street or district reads its rollup; anyone else gets her communities' sums.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence

from services.common.graphql.period import bounds
from services.common.identity import Role
from services.common.places import CommunityPlace, district_scope, street_scope
from services.common.store import Database
from services.needs.store import NeedsStore, Period
from tests.needs.conftest import Needs
from tests.needs.test_tallies import COMMUNITIES, PERIODS, _deliver, _generated, _outbox, _store
from tests.stores import plain_database

__all__ = ["plain_database"]

STREETS = {"s1": ["c1", "c2"], "s2": ["c3", "c4"]}
SCOPES = {**{street_scope(street): communities for street, communities in STREETS.items()}, district_scope("d1"): COMMUNITIES}
Counts = dict[str, dict[str, int]]


async def _placed_store(database: Database, communities: Mapping[str, Sequence[str]] = STREETS) -> NeedsStore:
    store = NeedsStore(database)
    for street, members in communities.items():
        for community in members:
            await store.places.record(CommunityPlace(community, community, street, "d1"), f"registered-{community}")
    await store.create_indexes()
    return store


def _summed(per_community: Mapping[str, Mapping[str, Mapping[str, int]]]) -> Counts:
    total: Counts = {"status": {}, "category": {}, "category_status": {}}
    for counts in per_community.values():
        for kind, figures in counts.items():
            for key, amount in figures.items():
                total[kind][key] = total[kind].get(key, 0) + amount
    return total


def _summed_budgets(per_community: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for budgets in per_community.values():
        for key, fen in budgets.items():
            total[key] = total.get(key, 0) + fen
    return total


async def _assert_rollups_equal_sums_and_a_recount(store: NeedsStore) -> None:
    for scope, communities in SCOPES.items():
        for period in PERIODS:
            span: Period = bounds(period)
            rollup = await store.tallies.rollup_counts(scope, communities, span)
            assert rollup is not None, scope
            counts, budgets = rollup
            assert counts == _summed(await store.need_counts(communities, span)), (scope, period)
            assert counts == _summed(await store.recount_need_counts(communities, span)), (scope, period)
            assert budgets == _summed_budgets(await store.recount_planned_budgets(communities, span)), (scope, period)


async def test_street_and_district_rollups_equal_their_communities_sums_and_a_recount(plain_database: Database) -> None:
    store = await _placed_store(plain_database)
    needs, items = _generated()
    delivered: set[str] = set()
    for life in [*needs, *items]:
        await _store(store, life, delivered)
    district = await store.tallies.rollup_counts(district_scope("d1"), COMMUNITIES, bounds(None))
    assert district is not None
    assert sum(district[0]["status"].values()) == len(needs)
    assert district[1]  # planned budgets rolled up too
    await _assert_rollups_equal_sums_and_a_recount(store)
    rows = await store.tallies.store.read([district_scope("d1")])
    assert 0 < len(rows) <= 2  # an all-time district figure: its year buckets, not communities × buckets


async def test_redelivered_and_shuffled_events_move_no_rollup_twice(plain_database: Database) -> None:
    store = await _placed_store(plain_database)
    needs, items = _generated()
    delivered: set[str] = set()
    for life in [*needs, *items]:
        await _store(store, life, delivered, first_only=True)
    events = await _outbox(store)
    late = [event for event in events if event.id not in delivered]
    random.Random(7).shuffle(late)
    await _deliver(store, [*late, *late[:150]])
    await _assert_rollups_equal_sums_and_a_recount(store)
    before = await store.tallies.store.collection.find({"community_id": {"$in": list(SCOPES)}}, sort=[("_id", 1)])
    assert before
    await _deliver(store, events)  # every event again
    assert await store.tallies.store.collection.find({"community_id": {"$in": list(SCOPES)}}, sort=[("_id", 1)]) == before


async def test_a_rebuild_recounts_the_rollups_while_writes_go_on(plain_database: Database) -> None:
    store = await _placed_store(plain_database)
    needs, items = _generated()
    lives = [*needs, *items]
    random.Random(8).shuffle(lives)
    early, late = lives[: len(lives) // 2], lives[len(lives) // 2 :]
    delivered: set[str] = set()
    for life in early:
        await _store(store, life, delivered)
    scopes = {"community_id": {"$in": list(SCOPES)}}
    await store.tallies.store.collection.update_many(scopes, {"$inc": {"counts.category_status:other/accepted": 3}})  # gone wrong
    store.tallies.counters.page_size = 11
    during: list[bool] = []

    async def writes() -> None:
        for life in late:
            during.append((await store.tallies.store.generations()).building is not None)
            await _store(store, life, delivered)
            await asyncio.sleep(0)

    rebuilt, _ = await asyncio.gather(store.tallies.rebuild(), writes())
    assert rebuilt.switched
    assert sum(during) >= 10
    await _assert_rollups_equal_sums_and_a_recount(store)


async def test_moves_of_a_community_not_yet_announced_are_summed_not_rolled_up_until_a_rebuild(plain_database: Database) -> None:
    store = await _placed_store(plain_database, {"s1": ["c1", "c2"], "s2": ["c3"]})  # c4 not announced yet
    needs, items = _generated(120, 40)
    delivered: set[str] = set()
    for life in [*needs, *items]:
        await _store(store, life, delivered)
    assert await store.tallies.rollup_counts(street_scope("s1"), STREETS["s1"], bounds(None)) is not None  # s1 is whole
    await store.places.record(CommunityPlace("c4", "c4", "s2", "d1"), "registered-c4")
    for scope in (street_scope("s2"), district_scope("d1")):
        assert await store.tallies.rollup_counts(scope, SCOPES[scope], bounds(None)) is None  # misses c4's moves: sum instead
    rebuilt = await store.tallies.rebuild()
    assert rebuilt.switched
    await _assert_rollups_equal_sums_and_a_recount(store)


STATS = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Street { id needStats { total communities } }
  ... on District { id needStats { total communities } }
} }"""


async def test_only_a_caller_who_may_read_every_community_reads_the_rollup(needs: Needs) -> None:
    await needs.register_community("c4", "s1", "d1")  # street s1: c1 and c4 (d1); c3 is in s3 (d1)
    for _ in range(3):
        await needs.submit()
    for _ in range(2):
        await needs.submit(communityId="c4", as_=needs.token(Role.RESIDENT, "c4"))
    await needs.submit(communityId="c3", as_=needs.token(Role.RESIDENT, "c3"))
    await needs.settle()
    representations = {"r": [{"__typename": "Street", "id": "s1"}, {"__typename": "District", "id": "d1"}]}

    def figures(found: dict[str, object]) -> list[object]:
        return [entity["needStats"] for entity in found["_entities"]]  # type: ignore[attr-defined]

    admin = figures(await needs.client.data(STATS, representations, as_=needs.district_admin))
    staff = figures(await needs.client.data(STATS, representations, as_=needs.staff))
    assert admin == [{"total": 5, "communities": 2}, {"total": 6, "communities": 3}]
    assert staff == [{"total": 3, "communities": 1}, {"total": 3, "communities": 1}]  # c1 alone, not the rollups

    # Which counters each read: the rollup documents moved by hand show in the administrator's figures only.
    tallies = needs.memory.client["renling_needs"]["need_tallies"]
    tallies.update_many(
        {"community_id": {"$in": ["street:s1", "district:d1"]}, "grain": "y"}, {"$inc": {"counts.category_status:other/submitted": 100}}
    )
    await needs.app.state.handlers.store.tallies.store.collection.bump()  # a write behind the store's back says so
    admin = figures(await needs.client.data(STATS, representations, as_=needs.district_admin))
    assert admin == [{"total": 105, "communities": 2}, {"total": 106, "communities": 3}]
    assert figures(await needs.client.data(STATS, representations, as_=needs.staff)) == staff
