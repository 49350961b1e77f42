"""The orgs store's contract, on memory:// and on a real MongoDB when MONGODB_URL is set."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.common.store import Database, DuplicateKey, VersionConflict
from services.orgs.domain import (
    Community,
    FilingStatus,
    OrganizationFacts,
    OrganizationKind,
    Purpose,
    Stage,
    Street,
    SupportKind,
    SupportRecord,
)
from services.orgs.store import OrganizationQuery, OrgsStore
from tests.orgs.factories import NOW, organization
from tests.stores import database

__all__ = ["database"]


@pytest.fixture
async def store(database: Database) -> OrgsStore:
    store = OrgsStore(database)
    await store.create_indexes()
    return store


async def test_organization_round_trips_with_all_its_records(store: OrgsStore) -> None:
    grown, _ = organization().change_stage(Stage.SERVICE_ACTIVITIES, reason="活动", actor="s", at=NOW, may_correct=False)
    grown, _ = grown.change_leader("m2", on=date(2015, 1, 1), reason="换届", actor="s", at=NOW)
    grown, _ = grown.record_support(SupportRecord("s1", SupportKind.FUNDS, date(2016, 1, 1), 5000, "党委", "经费", "s", NOW), at=NOW)
    grown = grown.with_track_record(lambda r: r.claimed("k1").evaluated("k1", 88.5).funded("community_welfare_fund", 100), at=NOW)
    grown, _ = grown.change_status("dissolve", effective_on=date(2020, 1, 1), reason="解散", actor="s", at=NOW)
    await store.insert_organization(replace(grown, version=0), [])

    loaded = await store.organization("o1")

    assert loaded is not None
    assert loaded[0] == replace(grown, version=1)


async def test_saves_are_version_guarded(store: OrgsStore) -> None:
    await store.insert_organization(organization(), [])
    loaded = await store.organization("o1")
    assert loaded is not None
    activated, events = loaded[0].change_status("activate", effective_on=date(2011, 1, 1), reason=None, actor="s", at=NOW)

    await store.save_organization(activated, events)
    with pytest.raises(VersionConflict):
        await store.save_organization(activated, events)


async def test_facts_and_lists_cover_home_and_served_communities(store: OrgsStore) -> None:
    await store.insert_organization(organization(), [])
    partner = replace(organization(kind=OrganizationKind.PARTNER_ORGANIZATION), id="o2", community_id="c2")
    partner = replace(partner, profile=replace(partner.profile, name="福寿百年", served_community_ids=("c2", "c1")))
    await store.insert_organization(partner, [])

    facts = await store.facts(["c1"])
    listed, _ = await store.list_organizations(OrganizationQuery(["c1"]), first=10, after=None)
    filtered = await store.count_organizations(
        OrganizationQuery(["c1"], kinds=[OrganizationKind.PARTNER_ORGANIZATION], statuses=[FilingStatus.FILED])
    )

    assert facts == [OrganizationFacts("c1", OrganizationKind.SOCIAL_ORGANIZATION, Purpose.PUBLIC_WELFARE, date(2010, 5, 1), None)]
    assert [o.id for o in listed] == ["o1", "o2"]
    assert filtered == 1


async def test_place_names_are_unique_within_their_parent(store: OrgsStore) -> None:
    await store.insert_street(Street("s1", "d1", "龙潭街道", NOW, "a"), [])
    await store.insert_community(Community("c1", "d1", "s1", "左安浦园社区", "", NOW, "a"), [])
    await store.insert_community(Community("c9", "d1", "s2", "左安浦园社区", "", NOW, "a"), [])

    with pytest.raises(DuplicateKey):
        await store.insert_community(Community("c2", "d1", "s1", "左安浦园社区", "", NOW, "a"), [])
    assert [c.id for c in await store.communities_of(street_ids=["s1"])] == ["c1"]
    assert sorted(c.id for c in await store.communities_of(district_ids=["d1"])) == ["c1", "c9"]
