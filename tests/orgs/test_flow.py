"""The orgs service's use cases end to end over GraphQL (HTTP)."""

from __future__ import annotations

from services.common.identity import Role
from tests.orgs.conftest import ORGANIZATION, Orgs


async def test_places_form_a_navigable_hierarchy_and_are_announced(orgs: Orgs) -> None:
    query = (
        """{ district(id: "d1") { name streets { id name communities { id name street { id } district { id } } } communities { id } } }"""
    )

    district = (await orgs.client.data(query, as_=orgs.staff))["district"]

    assert district["name"] == "东城区"
    assert [(s["id"], [c["id"] for c in s["communities"]]) for s in district["streets"]] == [("s2", ["c2"]), ("s1", ["c1", "c3"])]
    assert district["streets"][1]["communities"][0]["district"] == {"id": "d1"}
    assert sorted(c["id"] for c in district["communities"]) == ["c1", "c2", "c3"]
    await orgs.settle()
    announced = orgs.of("orgs.community.registered.v1")
    assert announced[0].data == {"community_id": "c1", "name": "左安浦园社区", "street_id": "s1", "district_id": "d1", "address": ""}
    assert [event.data["community_id"] for event in announced] == ["c1", "c3", "c2"]


async def test_registering_an_organization_with_its_team(orgs: Orgs) -> None:
    organization = await orgs.registered()

    assert organization["name"] == "夕阳天使志愿服务队"
    assert (organization["status"], organization["stage"], organization["memberCount"]) == ("FILED", "NEEDS_ASSESSMENT", 4)
    assert organization["leader"]["name"] == "王阿姨"
    assert organization["leader"]["phone"] == "13800000001"
    assert len(organization["managementGroup"]) == 3
    await orgs.settle()
    event = orgs.of("orgs.org.registered.v1")[0]
    assert event.data["organization_id"] == organization["id"]
    assert event.data["kind"] == "social_organization"
    assert event.data["served_community_ids"] == ["c1"]
    assert event.data["status"] == "filed"


async def test_growth_succession_team_status_and_support(orgs: Orgs) -> None:
    organization = await orgs.registered()
    org_id = organization["id"]
    li = next(m["id"] for m in organization["members"] if m["name"] == "李叔")
    zhao = next(m["id"] for m in organization["members"] if m["name"] == "赵大爷")

    stage = await orgs.mutate(
        "changeOrganizationStage",
        {"organizationId": org_id, "stage": "SERVICE_ACTIVITIES", "reason": "开始定期活动"},
        "organization { stage stageHistory { fromStage toStage reason correction } }",
        as_=orgs.staff,
    )
    added = await orgs.mutate(
        "addOrganizationMember",
        {"organizationId": org_id, "member": {"name": "孙阿姨", "phone": "13900000000"}},
        "organization { memberCount }",
        as_=orgs.staff,
    )
    team = await orgs.mutate(
        "setOrganizationManagementGroup",
        {"organizationId": org_id, "memberIds": [li, zhao, organization["leader"]["id"]]},
        "organization { managementGroup { name } }",
        as_=orgs.staff,
    )
    leader = await orgs.mutate(
        "changeOrganizationLeader",
        {"organizationId": org_id, "memberId": li, "on": "2018-03-01", "reason": "王阿姨年事已高"},
        "organization { leader { name } leaderHistory { fromName toName on reason } }",
        as_=orgs.staff,
    )
    active = await orgs.mutate(
        "changeOrganizationStatus",
        {"organizationId": org_id, "action": "ACTIVATE", "effectiveOn": "2011-01-01"},
        "organization { status statusSince statusHistory { action toStatus effectiveOn } }",
        as_=orgs.staff,
    )
    support = await orgs.mutate(
        "recordOrganizationSupport",
        {"organizationId": org_id, "kind": "FUNDS", "on": "2019-06-01", "amountFen": 500000, "provider": "社区党委", "note": "活动经费"},
        "organization { supportRecords { kind amountFen provider on } }",
        as_=orgs.staff,
    )

    assert stage["organization"]["stage"] == "SERVICE_ACTIVITIES"
    assert stage["organization"]["stageHistory"][-1] == {
        "fromStage": "NEEDS_ASSESSMENT",
        "toStage": "SERVICE_ACTIVITIES",
        "reason": "开始定期活动",
        "correction": False,
    }
    assert added["organization"]["memberCount"] == 5
    assert [m["name"] for m in team["organization"]["managementGroup"]] == ["李叔", "赵大爷", "王阿姨"]
    assert leader["organization"]["leader"]["name"] == "李叔"
    assert leader["organization"]["leaderHistory"] == [
        {"fromName": "王阿姨", "toName": "李叔", "on": "2018-03-01", "reason": "王阿姨年事已高"}
    ]
    assert active["organization"]["status"] == "ACTIVE"
    assert active["organization"]["statusSince"] == "2011-01-01"
    assert [c["action"] for c in active["organization"]["statusHistory"]] == ["register", "activate"]
    assert support["organization"]["supportRecords"] == [{"kind": "FUNDS", "amountFen": 500000, "provider": "社区党委", "on": "2019-06-01"}]
    await orgs.settle()
    kinds = [event.routing_key for event in orgs.published if event.subject == org_id]
    assert kinds == [
        "orgs.org.registered.v1",
        "orgs.org.stage_changed.v1",
        "orgs.org.updated.v1",
        "orgs.org.team_changed.v1",
        "orgs.org.leader_changed.v1",
        "orgs.org.status_changed.v1",
        "orgs.org.support_recorded.v1",
    ]


async def test_a_district_administrator_corrects_the_stage_out_of_order(orgs: Orgs) -> None:
    org_id = (await orgs.registered())["id"]

    corrected = await orgs.mutate(
        "changeOrganizationStage",
        {"organizationId": org_id, "stage": "PROJECT_ORGANIZATION", "reason": "补录历史"},
        "organization { stage stageHistory { correction } }",
        as_=orgs.admin,
    )

    assert corrected["organization"]["stage"] == "PROJECT_ORGANIZATION"
    assert corrected["organization"]["stageHistory"][-1]["correction"] is True


async def test_partner_organizations_serve_several_communities_and_are_linked(orgs: Orgs) -> None:
    partner = await orgs.registered(name="福寿百年养老服务中心", kind="PARTNER_ORGANIZATION", servedCommunityIds=["c3"], members=[])
    accepted = await orgs.mutate(
        "acceptCommunityService", {"organizationId": partner["id"], "communityId": "c3"}, "organization { id }",
        as_=orgs.token(Role.COMMUNITY_STAFF, "c3"),
    )  # fmt: skip
    assert accepted["errors"] == []
    team = await orgs.registered(name="夕阳天使", partnerIds=[partner["id"]], mentors=[{"name": "陈老师", "expertise": "摄影"}])
    query = "query($id: ID!) { organization(id: $id) { partners { name } mentors { name expertise } servedCommunities { id } } }"

    found = (await orgs.client.data(query, {"id": team["id"]}, as_=orgs.staff))["organization"]
    partner_view = (await orgs.client.data(query, {"id": partner["id"]}, as_=orgs.token(Role.RESIDENT, "c3")))["organization"]

    assert found["partners"] == [{"name": "福寿百年养老服务中心"}]
    assert found["mentors"] == [{"name": "陈老师", "expertise": "摄影"}]
    assert sorted(c["id"] for c in partner_view["servedCommunities"]) == ["c1", "c3"]


async def test_an_organization_leader_edits_their_own_profile_but_not_its_stage(orgs: Orgs) -> None:
    org_id = (await orgs.registered())["id"]
    leader = orgs.token(Role.ORG_LEADER, "c1", organization=org_id)
    other_leader = orgs.token(Role.ORG_LEADER, "c1", organization="someone-else")
    profile = {"organizationId": org_id, "name": "夕阳天使志愿服务队", "purpose": "PUBLIC_WELFARE", "description": "为高龄老人办集体生日会"}

    edited = await orgs.mutate("updateOrganizationProfile", profile, "organization { description }", as_=leader)
    refused = await orgs.mutate(
        "updateOrganizationProfile", {**profile, "description": "x"}, "organization { description }", as_=other_leader
    )
    stage = await orgs.mutate(
        "changeOrganizationStage",
        {"organizationId": org_id, "stage": "SERVICE_ACTIVITIES", "reason": "x"},
        "organization { stage }",
        as_=leader,
    )

    assert edited["organization"]["description"] == "为高龄老人办集体生日会"
    assert refused["errors"][0]["__typename"] == "ForbiddenError"
    assert stage["errors"][0]["__typename"] == "ForbiddenError"


async def test_organizations_list_filters_and_pages(orgs: Orgs) -> None:
    for index in range(7):
        await orgs.registered(name=f"队伍{index}", purpose="SELF_BENEFIT" if index % 2 else "PUBLIC_WELFARE", members=[])
    query = "query($after: String) { organizations(first: 3, after: $after, filter: {purposes: [SELF_BENEFIT]}) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"

    first = (await orgs.client.data(query, as_=orgs.staff))["organizations"]
    second = (await orgs.client.data(query, {"after": first["pageInfo"]["endCursor"]}, as_=orgs.staff))["organizations"]

    assert first["totalCount"] == 3
    assert [e["node"]["name"] for e in first["edges"]] + [e["node"]["name"] for e in second["edges"]] == ["队伍1", "队伍3", "队伍5"]
    assert first["pageInfo"]["hasNextPage"] is False


async def test_sdl_declares_community_and_organization_keys(orgs: Orgs) -> None:
    sdl = (await orgs.client.data("{ _service { sdl } }"))["_service"]["sdl"]

    for entity in ("Community", "Organization", "Street", "District"):
        assert f'type {entity} @key(fields: "id")' in sdl


__all__ = ["ORGANIZATION"]
