"""The orgs service keeps its statistics from its own events: redelivery moves nothing; a district admin rebuilds them."""

from __future__ import annotations

from typing import Any

from services.common.identity import Role
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
