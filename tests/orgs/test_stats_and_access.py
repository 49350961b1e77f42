"""Statistics against hand-computed figures, typed errors that change nothing, and tenancy."""

from __future__ import annotations

from typing import Any

import pytest

from services.common.identity import Role
from tests.orgs.conftest import ORGANIZATION, Orgs

YEARS = "organizationsByYear(fromYear: 2008, toYear: 2010) { asOf total }"


async def _seed(orgs: Orgs) -> None:
    """c1: 2006 welfare, 2008 self-benefit, 2010 unit (dissolved 2012); c3: 2009; c2: 2007."""
    await orgs.registered(name="红色课堂", foundedOn="2006-04-01", members=[])
    await orgs.registered(name="合唱团", foundedOn="2008-09-01", purpose="SELF_BENEFIT", members=[])
    unit = await orgs.registered(name="幼儿园", foundedOn="2010-02-01", kind="UNIT", members=[])
    await orgs.mutate(
        "changeOrganizationStatus",
        {"organizationId": unit["id"], "action": "DISSOLVE", "effectiveOn": "2012-07-01", "reason": "搬迁"},
        "organization { status }",
        as_=orgs.staff,
    )
    await orgs.registered(
        name="龙潭志愿队", communityId="c3", foundedOn="2009-03-01", members=[], as_=orgs.token(Role.COMMUNITY_STAFF, "c3")
    )
    await orgs.registered(
        name="体育馆舞蹈队", communityId="c2", foundedOn="2007-03-01", members=[], as_=orgs.token(Role.COMMUNITY_STAFF, "c2")
    )
    await orgs.settle()  # the statistics follow the published events


async def test_statistics_per_year_and_as_of_match_hand_computed_figures(orgs: Orgs) -> None:
    await _seed(orgs)
    query = f"""{{
      community(id: "c1") {{ {YEARS} organizationStats(asOf: "2011-01-01") {{ total byKind {{ kind count }} byPurpose {{ purpose count }} }}
                              later: organizationStats(asOf: "2012-07-01") {{ total }} }}
      street(id: "s1") {{ {YEARS} }}
      district(id: "d1") {{ {YEARS} organizationStats(asOf: "2013-01-01") {{ total communities }} }}
    }}"""

    data = await orgs.client.data(query, as_=orgs.admin)

    assert [(y["asOf"], y["total"]) for y in data["community"]["organizationsByYear"]] == [
        ("2008-12-31", 2),
        ("2009-12-31", 2),
        ("2010-12-31", 3),
    ]
    assert data["community"]["organizationStats"]["total"] == 3
    assert {row["kind"]: row["count"] for row in data["community"]["organizationStats"]["byKind"]} == {"SOCIAL_ORGANIZATION": 2, "UNIT": 1}
    assert {row["purpose"]: row["count"] for row in data["community"]["organizationStats"]["byPurpose"]} == {
        "PUBLIC_WELFARE": 2,
        "SELF_BENEFIT": 1,
    }
    assert data["community"]["later"]["total"] == 2
    assert [y["total"] for y in data["street"]["organizationsByYear"]] == [2, 3, 4]
    assert [y["total"] for y in data["district"]["organizationsByYear"]] == [3, 4, 5]
    assert data["district"]["organizationStats"] == {"total": 4, "communities": 3}


async def test_rollups_count_only_what_the_caller_may_see(orgs: Orgs) -> None:
    await _seed(orgs)

    resident_view = await orgs.client.data(
        '{ district(id: "d1") { organizationStats(asOf: "2013-01-01") { total communities } } }', as_=orgs.token(Role.RESIDENT, "c3")
    )
    refused = await orgs.client.post('{ community(id: "c1") { organizationStats { total } } }', as_=orgs.token(Role.RESIDENT, "c3"))

    assert resident_view["district"]["organizationStats"] == {"total": 1, "communities": 1}
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_bad_year_range_is_a_clear_error(orgs: Orgs) -> None:
    body = await orgs.client.post('{ community(id: "c1") { organizationsByYear(fromYear: 2020, toYear: 2010) { total } } }', as_=orgs.staff)
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "fromYear"}


async def _snapshot(orgs: Orgs) -> Any:
    query = f"{{ organizations(first: 100) {{ totalCount edges {{ node {{ {ORGANIZATION} stageHistory {{ toStage }} statusHistory {{ toStatus }} }} }} }} }}"
    return await orgs.client.data(query, as_=orgs.staff)


@pytest.mark.parametrize(
    ("name", "input", "field", "kind"),
    [
        ("setOrganizationManagementGroup", {"memberIds": ["LEADER", "LEADER", "M1"]}, "memberIds", "InvalidInputError"),
        ("setOrganizationManagementGroup", {"memberIds": ["LEADER", "M1"]}, "memberIds", "InvalidInputError"),
        ("changeOrganizationLeader", {"memberId": "not-a-member", "on": "2015-01-01"}, "memberId", "InvalidInputError"),
        ("changeOrganizationStage", {"stage": "ACTIVITY_PROJECTS", "reason": "跳级"}, "stage", "InvalidInputError"),
        ("changeOrganizationStatus", {"action": "ACTIVATE", "effectiveOn": "2001-01-01"}, "effectiveOn", "InvalidInputError"),
        ("recordOrganizationSupport", {"kind": "FUNDS", "on": "2019-01-01"}, "amountFen", "InvalidInputError"),
        ("removeOrganizationMember", {"memberId": "LEADER"}, "memberId", "InvalidInputError"),
        (
            "updateOrganizationProfile",
            {"name": "x", "purpose": "PUBLIC_WELFARE", "servedCommunityIds": ["c2"]},
            "servedCommunityIds",
            "InvalidInputError",
        ),
        (
            "updateOrganizationProfile",
            {"name": "x", "purpose": "PUBLIC_WELFARE", "partnerIds": ["ghost"]},
            "partnerIds.0",
            "InvalidInputError",
        ),
    ],
    ids=[
        "team-not-distinct",
        "team-of-two",
        "leader-not-member",
        "stage-skip",
        "date-before-founding",
        "funds-without-amount",
        "leader-leaves",
        "non-partner-serves-two",
        "unknown-partner",
    ],
)
async def test_bad_changes_are_refused_naming_the_field_and_change_nothing(
    orgs: Orgs, name: str, input: dict[str, Any], field: str, kind: str
) -> None:
    organization = await orgs.registered()
    leader = organization["leader"]["id"]
    member = next(m["id"] for m in organization["members"] if not m["isLeader"])
    values = {
        key: [leader if v == "LEADER" else member if v == "M1" else v for v in value]
        if isinstance(value, list)
        else ({"LEADER": leader}.get(value, value))
        for key, value in input.items()
    }
    before = await _snapshot(orgs)

    payload = await orgs.mutate(name, {"organizationId": organization["id"], **values}, "organization { id }", as_=orgs.staff)

    assert payload["organization"] is None
    assert [(error["__typename"], error["field"]) for error in payload["errors"]] == [(kind, field)]
    assert await _snapshot(orgs) == before


async def test_dissolving_twice_names_the_status(orgs: Orgs) -> None:
    org_id = (await orgs.registered())["id"]
    dissolve = {"organizationId": org_id, "action": "DISSOLVE", "effectiveOn": "2020-01-01", "reason": "成员流失"}
    await orgs.mutate("changeOrganizationStatus", dissolve, "organization { status }", as_=orgs.staff)

    again = await orgs.mutate("changeOrganizationStatus", dissolve, "organization { status }", as_=orgs.staff)

    assert again["errors"][0]["__typename"] == "TransitionNotAllowedError"
    assert again["errors"][0]["currentStatus"] == "dissolved"


async def test_another_communitys_organization_is_out_of_reach(orgs: Orgs) -> None:
    org_id = (await orgs.registered())["id"]
    other_staff = orgs.token(Role.COMMUNITY_STAFF, "c2")
    before = await _snapshot(orgs)

    changed = await orgs.mutate(
        "changeOrganizationStage",
        {"organizationId": org_id, "stage": "SERVICE_ACTIVITIES", "reason": "x"},
        "organization { id }",
        as_=other_staff,
    )
    read = await orgs.client.data("query($id: ID!) { organization(id: $id) { id } }", {"id": org_id}, as_=other_staff)
    registered = await orgs.register(as_=other_staff)

    assert changed["errors"][0]["__typename"] == "NotFoundError"
    assert read["organization"] is None
    assert registered["errors"][0]["__typename"] == "ForbiddenError"
    assert await _snapshot(orgs) == before


async def test_contact_details_are_for_staff_only(orgs: Orgs) -> None:
    org_id = (await orgs.registered())["id"]
    query = "query($id: ID!) { organization(id: $id) { leader { phone } members { phone } } }"

    resident = (await orgs.client.data(query, {"id": org_id}, as_=orgs.token(Role.RESIDENT, "c1")))["organization"]
    staff = (await orgs.client.data(query, {"id": org_id}, as_=orgs.staff))["organization"]

    assert resident["leader"]["phone"] is None
    assert {m["phone"] for m in resident["members"]} == {None}
    assert staff["leader"]["phone"] == "13800000001"


async def test_only_a_district_administrator_registers_places_of_their_district(orgs: Orgs) -> None:
    other_admin = orgs.token(Role.DISTRICT_ADMIN, districts=("d9",))

    staff_try = await orgs.mutate("registerStreet", {"districtId": "d1", "name": "新街道"}, "street { id }", as_=orgs.staff)
    other_try = await orgs.mutate("registerCommunity", {"streetId": "s1", "name": "新社区"}, "community { id }", as_=other_admin)
    foreign_district = await orgs.mutate("registerDistrict", {"id": "d2", "name": "西城区"}, "district { id }", as_=orgs.admin)
    duplicate_id = await orgs.mutate(
        "registerCommunity", {"id": "c1", "streetId": "s1", "name": "另一个"}, "community { id }", as_=orgs.admin
    )
    duplicate_name = await orgs.mutate("registerCommunity", {"streetId": "s1", "name": "左安浦园社区"}, "community { id }", as_=orgs.admin)
    bad_id = await orgs.mutate("registerCommunity", {"id": "Not A Slug", "streetId": "s1", "name": "x"}, "community { id }", as_=orgs.admin)

    assert staff_try["errors"][0]["__typename"] == "ForbiddenError"
    assert other_try["errors"][0]["__typename"] == "ForbiddenError"
    assert foreign_district["errors"][0]["__typename"] == "ForbiddenError"
    assert (duplicate_id["errors"][0]["__typename"], duplicate_id["errors"][0]["field"]) == ("ConflictError", "id")
    assert (duplicate_name["errors"][0]["__typename"], duplicate_name["errors"][0]["field"]) == ("ConflictError", "name")
    assert bad_id["errors"][0]["field"] == "id"
    communities = await orgs.client.data('{ district(id: "d1") { communities { id } } }', as_=orgs.admin)
    assert len(communities["district"]["communities"]) == 3
