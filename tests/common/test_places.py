"""The places read model every service keeps from ``orgs.community.registered.v1``."""

from __future__ import annotations

from dataclasses import replace

from services.common.events import new_event
from services.common.graphql.places import PlaceLoaders
from services.common.places import CommunityPlace, PlaceIndex, PlacesReadModel
from services.common.store import Database
from services.common.store.stamped import stamped
from tests.stores import database

__all__ = ["database"]


async def test_registration_is_recorded_once_and_updated_by_later_events(database: Database) -> None:
    model = PlacesReadModel(stamped(database, "communities"))
    await model.create_indexes()
    place = CommunityPlace("c1", "左安浦园", "s1", "d1")

    assert await model.record(place, "e1") is True
    assert await model.record(replace(place, name="改名"), "e1") is False
    assert await model.record(replace(place, street_id="s2"), "e2") is True

    assert await model.places(["c1", "zz"]) == {"c1": CommunityPlace("c1", "左安浦园", "s2", "d1")}
    assert [p.community_id for p in await model.communities_in(district_ids=["d1"])] == ["c1"]
    assert await model.communities_in(street_ids=["s1"]) == []
    assert await model.communities_in() == []


async def test_the_reaction_reads_the_event_contract(database: Database) -> None:
    model = PlacesReadModel(stamped(database, "communities"))
    data = {"community_id": "c9", "name": "体育馆路社区", "street_id": "s3", "district_id": "d1"}
    event = new_event("orgs.community.registered.v1", service="orgs", community="c9", data=data)

    await model.on_community_registered(event)
    await model.on_community_registered(event)

    assert await model.places(["c9"]) == {"c9": CommunityPlace("c9", "体育馆路社区", "s3", "d1")}


async def test_the_index_is_read_once_per_change_and_a_change_is_seen_at_once(database: Database) -> None:
    model = PlacesReadModel(stamped(database, "communities"))
    await model.record(CommunityPlace("c2", "二", "s1", "d1"), "e1")
    await model.record(CommunityPlace("c1", "一", "s1", "d1"), "e2")

    first = await model.index()
    assert await model.index() is first  # nothing changed: the same index, no read
    assert [p.community_id for p in first.communities_in(district_ids=["d1"])] == ["c1", "c2"]

    await model.record(CommunityPlace("c3", "三", "s2", "d2"), "e3")
    second = await model.index()
    assert second is not first
    assert await model.district_of("c3") == "d2"
    assert [p.community_id for p in await model.communities_in(street_ids=["s2"], district_ids=["d1"])] == ["c1", "c2", "c3"]
    assert [p.community_id for p in await model.communities_in(street_ids=["s1", "s2"])] == ["c1", "c2", "c3"]


async def test_a_request_sees_one_index_from_its_first_lookup(database: Database) -> None:
    model = PlacesReadModel(stamped(database, "communities"))
    await model.record(CommunityPlace("c1", "一", "s1", "d1"), "e1")
    loaders = PlaceLoaders(model)
    assert await loaders.districts_of(["c1", "c9"]) == ["d1", None]

    await model.record(CommunityPlace("c9", "九", "s1", "d1"), "e2")
    assert await loaders.district_of("c9") is None  # the request's snapshot: one consistent view
    assert await PlaceLoaders(model).district_of("c9") == "d1"  # the next request sees it
    assert [p.community_id for p in await PlaceLoaders(model).street("s1")] == ["c1", "c9"]


def test_an_index_groups_by_street_and_district_in_id_order() -> None:
    index = PlaceIndex.of([CommunityPlace("b", "", "s1", "d1"), CommunityPlace("a", "", None, "d1"), CommunityPlace("c", "", "s1", None)])
    assert [p.community_id for p in index.by_district["d1"]] == ["a", "b"]
    assert [p.community_id for p in index.by_street["s1"]] == ["b", "c"]
    assert index.places(["c", "zz"]) == {"c": CommunityPlace("c", "", "s1", None)}
    assert index.communities_in() == []
