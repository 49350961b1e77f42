"""The orgs service keeps its statistics from its own events: redelivery moves nothing; a district admin rebuilds them."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from services.common.identity import Role
from services.orgs.domain import count_as_of, count_per_year
from services.orgs.statistics import OrganizationStatistics
from tests.orgs.conftest import Orgs

STATS = """{
  district(id: "d1") { organizationStats(asOf: "2013-01-01") { total communities byKind { kind count } byPurpose { purpose count } }
                       organizationsByYear(fromYear: 2005, toYear: 2013) { total } }
  community(id: "c1") { organizationStats(asOf: "2011-06-01") { total } }
}"""
REBUILD = "generation organizations communities"


async def _seed(orgs: Orgs) -> None:
    await orgs.registered(name="红色课堂", foundedOn="2006-04-01", members=[])
    await orgs.registered(name="合唱团", foundedOn="2008-09-01", purpose="SELF_BENEFIT", members=[])
    unit = await orgs.registered(name="幼儿园", foundedOn="2010-02-01", kind="UNIT", members=[])
    payload = await orgs.mutate(
        "changeOrganizationStatus",
        {"organizationId": unit["id"], "action": "DISSOLVE", "effectiveOn": "2012-07-01", "reason": "搬迁"},
        "organization { status }",
        as_=orgs.staff,
    )
    assert payload["errors"] == []
    await orgs.registered(
        name="体育馆舞蹈队", communityId="c2", foundedOn="2007-03-01", members=[], as_=orgs.token(Role.COMMUNITY_STAFF, "c2")
    )
    await orgs.settle()


async def _stats(orgs: Orgs) -> dict[str, Any]:
    return await orgs.client.data(STATS, as_=orgs.admin)


async def test_statistics_follow_the_events_and_a_redelivered_event_moves_nothing(orgs: Orgs) -> None:
    await _seed(orgs)
    stats = await _stats(orgs)
    assert stats["district"]["organizationStats"]["total"] == 3  # the unit was dissolved in 2012
    assert {row["kind"]: row["count"] for row in stats["district"]["organizationStats"]["byKind"]} == {"SOCIAL_ORGANIZATION": 3}
    assert [row["total"] for row in stats["district"]["organizationsByYear"]] == [0, 1, 2, 3, 3, 4, 4, 3, 3]
    assert stats["community"]["organizationStats"]["total"] == 3
    for event in [*orgs.of("orgs.org.registered.v1"), *orgs.of("orgs.org.status_changed.v1")]:
        await orgs.bus.publish(event)  # every event delivered a second time
    await orgs.bus.drain()
    assert await _stats(orgs) == stats


async def test_a_district_admin_rebuilds_the_statistics_with_equal_figures(orgs: Orgs) -> None:
    await _seed(orgs)
    before = await _stats(orgs)
    first = await orgs.mutate("rebuildOrganizationStats", {"districtId": "d1"}, REBUILD, as_=orgs.admin)
    assert first["errors"] == []
    assert (first["organizations"], first["communities"]) == (4, 3)
    assert await _stats(orgs) == before
    again = await orgs.mutate("rebuildOrganizationStats", {"districtId": "d1"}, REBUILD, as_=orgs.admin)
    assert again["generation"] not in (None, first["generation"])
    assert await _stats(orgs) == before

    refused = await orgs.mutate("rebuildOrganizationStats", {"districtId": "d1"}, REBUILD, as_=orgs.staff)
    assert refused["generation"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("FORBIDDEN", "districtId")]
    other = await orgs.mutate(
        "rebuildOrganizationStats", {"districtId": "d9"}, REBUILD, as_=orgs.token(Role.DISTRICT_ADMIN, districts=("d9",))
    )
    assert [(e["code"], e["field"]) for e in other["errors"]] == [("NOT_FOUND", "districtId")]


async def test_district_street_and_community_figures_equal_a_recount_of_generated_organizations(orgs: Orgs) -> None:
    rng = random.Random(16)
    staff = {community: orgs.token(Role.COMMUNITY_STAFF, community) for community in ("c1", "c2", "c3")}
    for n in range(36):
        community = rng.choice(["c1", "c2", "c3"])
        founded = date(2004, 1, 1) + timedelta(days=rng.randrange(0, 18 * 365))
        organization = await orgs.registered(
            name=f"队{n}",
            communityId=community,
            foundedOn=founded.isoformat(),
            kind=rng.choice(["SOCIAL_ORGANIZATION", "UNIT"]),
            purpose=rng.choice(["PUBLIC_WELFARE", "SELF_BENEFIT", "MUTUAL_BENEFIT"]),
            members=[],
            as_=staff[community],
        )
        if rng.random() < 0.3:
            dissolved = min(founded + timedelta(days=rng.randrange(0, 4_000)), date(2025, 6, 1))
            payload = await orgs.mutate(
                "changeOrganizationStatus",
                {"organizationId": organization["id"], "action": "DISSOLVE", "effectiveOn": dissolved.isoformat(), "reason": "停办"},
                "organization { status }",
                as_=staff[community],
            )
            assert payload["errors"] == []
    await orgs.settle()
    store = orgs.app.state.handlers.store
    places = {"district": ("d1", ["c1", "c2", "c3"]), "street": ("s1", ["c1", "c3"]), "community": ("c2", ["c2"])}
    for place, (place_id, communities) in places.items():
        facts = await store.facts(communities)  # the recount: every organization's record
        for day in (date(2006, 1, 1), date(2012, 6, 30), date(2019, 12, 31), date(2025, 12, 31)):
            query = f'{{ {place}(id: "{place_id}") {{ organizationStats(asOf: "{day}") {{ total byKind {{ kind count }} byPurpose {{ purpose count }} }} }} }}'
            stats = (await orgs.client.data(query, as_=orgs.admin))[place]["organizationStats"]
            expected = count_as_of(facts, day)
            assert stats["total"] == expected.total, (place, day)
            assert {row["kind"]: row["count"] for row in stats["byKind"]} == {k.name: n for k, n in expected.by_kind.items()}
            assert {row["purpose"]: row["count"] for row in stats["byPurpose"]} == {p.name: n for p, n in expected.by_purpose.items()}
        now = (await orgs.client.data(f'{{ {place}(id: "{place_id}") {{ organizationStats {{ asOf total }} }} }}', as_=orgs.admin))[place]
        today = date.fromisoformat(now["organizationStats"]["asOf"])
        assert now["organizationStats"]["total"] == count_as_of(facts, today).total  # today: from the all-time counters
        query = f'{{ {place}(id: "{place_id}") {{ organizationsByYear(fromYear: 2003, toYear: 2026) {{ total }} }} }}'
        years = (await orgs.client.data(query, as_=orgs.admin))[place]["organizationsByYear"]
        assert [row["total"] for row in years] == [count.total for count in count_per_year(facts, 2003, 2026)]


async def test_a_district_without_counters_is_counted_from_its_records_at_start_up(orgs: Orgs) -> None:
    await _seed(orgs)
    before = await _stats(orgs)
    store = orgs.app.state.handlers.store
    await store.tallies.generations.update_one({"_id": "d1"}, {"$set": {"current": None, "building": "crashed"}})
    emptied = await _stats(orgs)
    assert emptied["district"]["organizationStats"]["total"] == 0  # a first count that never finished: no generation answers
    assert await OrganizationStatistics(store).build_missing() == 1  # what start-up does
    assert await _stats(orgs) == before
    assert await OrganizationStatistics(store).build_missing() == 0
