"""Issue 16.3: ``rebuildNeedStatistics`` recounts the need counters from the records, for district administrators only."""

from __future__ import annotations

from services.common.identity import Role
from tests.needs.conftest import Needs

STATS = 'query { _entities(representations: [{__typename: "District", id: "d1"}]) { ... on District { needStats { total open } } } }'
REBUILD = "rebuild { generation records switched }"


async def test_a_district_administrator_rebuilds_and_the_figures_stay_those_of_the_records(needs: Needs) -> None:
    for _ in range(3):
        await needs.submit()
    await needs.accepted_need()
    await needs.settle()
    before = await needs.client.data(STATS, as_=needs.district_admin)
    assert before["_entities"][0]["needStats"] == {"total": 4, "open": 4}

    payload = await needs.mutate("rebuildNeedStatistics", {"districtId": "d1"}, REBUILD, as_=needs.district_admin)

    assert payload["errors"] == []
    assert payload["rebuild"]["switched"] is True
    assert payload["rebuild"]["records"] == 4  # four needs, no items
    assert await needs.client.data(STATS, as_=needs.district_admin) == before
    await needs.submit()  # and the new generation follows the events
    await needs.settle()
    assert (await needs.client.data(STATS, as_=needs.district_admin))["_entities"][0]["needStats"] == {"total": 5, "open": 5}
    again = await needs.mutate("rebuildNeedStatistics", {"districtId": "d1"}, REBUILD, as_=needs.district_admin)
    assert again["rebuild"]["generation"] == payload["rebuild"]["generation"] + 1


async def test_only_an_administrator_of_that_district_may_rebuild(needs: Needs) -> None:
    for caller in (needs.staff, needs.resident, needs.token(Role.DISTRICT_ADMIN, districts=("d2",))):
        payload = await needs.mutate("rebuildNeedStatistics", {"districtId": "d1"}, REBUILD, as_=caller)
        assert payload["rebuild"] is None
        assert [(error["__typename"], error["field"]) for error in payload["errors"]] == [("ForbiddenError", "districtId")]
