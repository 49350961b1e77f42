"""Issue 16.3: ``rebuildClaimStatistics`` recounts the claim counters from the claims, for district administrators only."""

from __future__ import annotations

from services.common.identity import Role
from tests.claims.conftest import Claims

STATS = 'query { _entities(representations: [{__typename: "District", id: "d1"}]) { ... on District { claimStats { total fundsApproved { fundSource amountFen } } } } }'
REBUILD = "rebuild { generation records switched }"


async def test_a_district_administrator_rebuilds_and_the_figures_stay_those_of_the_claims(claims: Claims) -> None:
    admin = claims.token(Role.DISTRICT_ADMIN, districts=("d1",))
    await claims.approved("o1")
    await claims.claim("o2")
    await claims.settle()
    before = await claims.client.data(STATS, as_=admin)
    assert before["_entities"][0]["claimStats"]["total"] == 2
    assert before["_entities"][0]["claimStats"]["fundsApproved"]

    payload = await claims.mutate("rebuildClaimStatistics", {"districtId": "d1"}, REBUILD, as_=admin)

    assert payload["errors"] == []
    assert payload["rebuild"]["switched"] is True
    assert payload["rebuild"]["records"] == 2
    assert await claims.client.data(STATS, as_=admin) == before


async def test_only_an_administrator_of_that_district_may_rebuild(claims: Claims) -> None:
    for caller in (claims.staff, claims.leader("o1"), claims.token(Role.DISTRICT_ADMIN, districts=("d9",))):
        payload = await claims.mutate("rebuildClaimStatistics", {"districtId": "d1"}, REBUILD, as_=caller)
        assert payload["rebuild"] is None
        assert [(error["__typename"], error["field"]) for error in payload["errors"]] == [("ForbiddenError", "districtId")]
