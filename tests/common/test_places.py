"""The places read model every service keeps from ``orgs.community.registered.v1``."""

from __future__ import annotations

from dataclasses import replace

from services.common.events import new_event
from services.common.places import CommunityPlace, PlacesReadModel
from services.common.store import Database
from tests.stores import database

__all__ = ["database"]


async def test_registration_is_recorded_once_and_updated_by_later_events(database: Database) -> None:
    model = PlacesReadModel(database.collection("communities"))
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
    model = PlacesReadModel(database.collection("communities"))
    data = {"community_id": "c9", "name": "体育馆路社区", "street_id": "s3", "district_id": "d1"}
    event = new_event("orgs.community.registered.v1", service="orgs", community="c9", data=data)

    await model.on_community_registered(event)
    await model.on_community_registered(event)

    assert await model.places(["c9"]) == {"c9": CommunityPlace("c9", "体育馆路社区", "s3", "d1")}
