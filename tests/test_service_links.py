"""Cross-tenant links: serving a community is granted by that community, never declared by the other side.

Staff of 龙潭西里 (the demo's neighbour) or of a community in another district register or update
a partner organization naming 左安浦园 in ``servedCommunityIds``: the organization only *asks*.
Until 左安浦园's staff (or a district administrator over both communities) accept, it is not in
左安浦园's directory, its leader's claims on 左安浦园's items are refused, and it cannot be named as a
partner by an organization it shares no community with. Through the gateway, and straight
against the orgs subgraph where the write happens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common.bus.memory import InProcessBus
from services.common.events import Event
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.demo import DISTRICT, HOME, demo_organization_id
from services.demo.places import NEIGHBOUR
from services.orgs.app import create_app as create_orgs_app
from tests.demo_graph import DemoGraph, demo_graph
from tests.support import eventually, fast_settings, observe, running, token

ELSEWHERE, FAR = "district-elsewhere", "community-far"
ORG = "organization { id servedCommunities { id } serviceLinks { communityId status decidedBy } }"
HOME_ORG = demo_organization_id("夕阳天使志愿服务队")


@pytest.fixture
async def graph() -> AsyncIterator[DemoGraph]:
    async with demo_graph() as graph:
        far_admin = graph.token("admin-far", roles=[Role.DISTRICT_ADMIN], districts=[ELSEWHERE])
        for name, input, selection in [
            ("registerDistrict", {"id": ELSEWHERE, "name": "别区"}, "district { id }"),
            ("registerStreet", {"id": "street-far", "districtId": ELSEWHERE, "name": "远街道"}, "street { id }"),
            ("registerCommunity", {"id": FAR, "streetId": "street-far", "name": "远社区"}, "community { id }"),
        ]:
            assert (await graph.mutate(name, input, selection, as_=far_admin))["errors"] == []
        await graph.settle()
        yield graph


def staff_of(graph: DemoGraph, community: str) -> str:
    return graph.token(f"staff-{community}", roles=[Role.COMMUNITY_STAFF], communities=[community])


def partner_input(community: str, **changes: Any) -> dict[str, Any]:
    return {
        "communityId": community, "kind": "PARTNER_ORGANIZATION", "name": f"外来机构-{community}", "purpose": "PUBLIC_WELFARE",
        "foundedOn": "2015-01-01", "status": "ACTIVE", "leader": {"name": "某院长"}, "servedCommunityIds": [HOME], **changes,
    }  # fmt: skip


async def directory(graph: DemoGraph) -> set[str]:
    """Ids of the organizations 左安浦园's directory lists, as its staff see it."""
    data = await graph.client.data(
        f'{{ community(id: "{HOME}") {{ organizations(first: 100) {{ edges {{ node {{ id }} }} }} }} }}', as_=staff_of(graph, HOME)
    )
    return {edge["node"]["id"] for edge in data["community"]["organizations"]["edges"]}


async def home_item_for_partners(graph: DemoGraph) -> str:
    """A published item of 左安浦园 that partner NGOs may claim."""
    staff, resident = staff_of(graph, HOME), graph.token("resident-home", roles=[Role.RESIDENT], communities=[HOME])
    need = await graph.mutate("submitNeed", {"communityId": HOME, "title": "助老陪护"}, "need { id }", as_=resident)
    await graph.mutate("acceptNeed", {"needId": need["need"]["id"]}, "need { id }", as_=staff)
    now = datetime.now(UTC)
    item = {
        "communityId": HOME, "needIds": [need["need"]["id"]], "kind": "ACTIVITY", "category": "BLUE_GUARD", "title": "助老陪护",
        "schedule": {"startsOn": "2027-01-01", "endsOn": "2027-02-01"}, "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 10000}],
        "eligibleClaimantKinds": ["PARTNER_ORGANIZATION"],
        "claimWindow": {"opensAt": (now - timedelta(days=1)).isoformat(), "closesAt": (now + timedelta(days=7)).isoformat()},
    }  # fmt: skip
    created = await graph.mutate("createServiceItem", item, "serviceItem { id }", as_=staff)
    item_id: str = created["serviceItem"]["id"]
    assert (await graph.mutate("publishServiceItem", {"itemId": item_id}, "serviceItem { id }", as_=staff))["errors"] == []
    await graph.settle()
    return item_id


async def claim(graph: DemoGraph, item_id: str, organization_id: str, home: str) -> list[tuple[str, str]]:
    leader = graph.token(f"leader-{organization_id}", roles=[Role.ORG_LEADER], communities=[home], organization=organization_id)
    payload = await graph.mutate(
        "submitClaim",
        {"itemId": item_id, "organizationId": organization_id, "proposal": {"plan": "每周两次陪护"}},
        "claim { id }",
        as_=leader,
    )
    return [(error["code"], error["field"]) for error in payload["errors"]]


@pytest.mark.parametrize("route", ["gateway", "subgraph"])
async def test_staff_of_another_community_or_district_only_ask_and_the_organization_reaches_nothing(graph: DemoGraph, route: str) -> None:
    via = graph.services["orgs"] if route == "subgraph" else None
    item_id = await home_item_for_partners(graph)
    neighbour = await graph.mutate("registerOrganization", partner_input(NEIGHBOUR), ORG, as_=staff_of(graph, NEIGHBOUR), via=via)
    far = await graph.mutate("registerOrganization", partner_input(FAR, servedCommunityIds=[]), ORG, as_=staff_of(graph, FAR), via=via)
    far_id = far["organization"]["id"]
    updated = await graph.mutate(
        "updateOrganizationProfile",
        {"organizationId": far_id, "name": "外来机构-far", "purpose": "PUBLIC_WELFARE", "servedCommunityIds": [HOME]},
        ORG, as_=staff_of(graph, FAR), via=via,
    )  # fmt: skip
    partnered = await graph.mutate(
        "updateOrganizationProfile",
        {"organizationId": far_id, "name": "外来机构-far", "purpose": "PUBLIC_WELFARE", "servedCommunityIds": [HOME], "partnerIds": [HOME_ORG]},
        ORG, as_=staff_of(graph, FAR), via=via,
    )  # fmt: skip
    registered_partnered = await graph.mutate(
        "registerOrganization", partner_input(FAR, name="又一个", partnerIds=[HOME_ORG]), ORG, as_=staff_of(graph, FAR), via=via
    )
    await graph.settle()
    neighbour_id = neighbour["organization"]["id"]

    for payload, community in ((neighbour, NEIGHBOUR), (updated, FAR)):
        assert payload["errors"] == []
        assert payload["organization"]["servedCommunities"] == [{"id": community}]
        assert payload["organization"]["serviceLinks"] == [{"communityId": HOME, "status": "REQUESTED", "decidedBy": None}]
    assert not {neighbour_id, far_id} & await directory(graph)
    assert await claim(graph, item_id, neighbour_id, NEIGHBOUR) == [("ORGANIZATION_NOT_OF_COMMUNITY", "organizationId")]
    assert await claim(graph, item_id, far_id, FAR) == [("ORGANIZATION_NOT_OF_COMMUNITY", "organizationId")]
    for payload in (partnered, registered_partnered):
        assert payload["organization"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_INPUT", "partnerIds.0")]


async def test_the_community_reached_grants_the_request_and_only_then_it_serves_there_and_may_claim(graph: DemoGraph) -> None:
    item_id = await home_item_for_partners(graph)
    asked = await graph.mutate("registerOrganization", partner_input(NEIGHBOUR), ORG, as_=staff_of(graph, NEIGHBOUR))
    organization_id = asked["organization"]["id"]
    await graph.settle()
    requests = await graph.client.data(
        f'{{ community(id: "{HOME}") {{ serviceRequests {{ totalCount edges {{ node {{ id name }} }} }} }} }}', as_=staff_of(graph, HOME)
    )
    self_granted = await graph.mutate(
        "acceptCommunityService", {"organizationId": organization_id, "communityId": HOME}, ORG, as_=staff_of(graph, NEIGHBOUR)
    )
    outsider = await graph.mutate(
        "acceptCommunityService", {"organizationId": organization_id, "communityId": HOME}, ORG, as_=staff_of(graph, FAR)
    )
    refused_before = await claim(graph, item_id, organization_id, NEIGHBOUR)

    accepted = await graph.mutate(
        "acceptCommunityService", {"organizationId": organization_id, "communityId": HOME}, ORG, as_=staff_of(graph, HOME)
    )
    await graph.settle()
    listed = organization_id in await directory(graph)
    claimed = await claim(graph, item_id, organization_id, NEIGHBOUR)
    ended = await graph.mutate(
        "endCommunityService",
        {"organizationId": organization_id, "communityId": HOME, "reason": "合作结束"},
        ORG,
        as_=staff_of(graph, HOME),
    )
    await graph.settle()

    assert requests["community"]["serviceRequests"]["totalCount"] == 1
    assert requests["community"]["serviceRequests"]["edges"][0]["node"]["id"] == organization_id
    assert [e["code"] for e in self_granted["errors"]] == ["FORBIDDEN"]
    assert [e["code"] for e in outsider["errors"]] == ["NOT_FOUND"]
    assert refused_before == [("ORGANIZATION_NOT_OF_COMMUNITY", "organizationId")]
    assert accepted["errors"] == []
    assert accepted["organization"]["servedCommunities"] == [{"id": NEIGHBOUR}, {"id": HOME}]
    assert accepted["organization"]["serviceLinks"] == [{"communityId": HOME, "status": "GRANTED", "decidedBy": f"staff-{HOME}"}]
    assert listed
    assert claimed == []
    assert ended["organization"]["serviceLinks"][0]["status"] == "ENDED"
    assert organization_id not in await directory(graph)


async def test_a_district_administrator_grants_only_over_both_communities_and_a_decline_says_why(graph: DemoGraph) -> None:
    home_admin = graph.token("admin-home", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    both = graph.token("admin-both", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT, ELSEWHERE])
    far = await graph.mutate("registerOrganization", partner_input(FAR), ORG, as_=staff_of(graph, FAR))
    far_id = far["organization"]["id"]
    link = {"organizationId": far_id, "communityId": HOME}

    one_side = await graph.mutate("acceptCommunityService", link, ORG, as_=home_admin)
    unexplained = await graph.mutate("declineCommunityService", {**link, "reason": " "}, ORG, as_=staff_of(graph, HOME))
    declined = await graph.mutate("declineCommunityService", {**link, "reason": "本社区已有助老队伍"}, ORG, as_=staff_of(graph, HOME))
    again = await graph.mutate("requestCommunityService", link, ORG, as_=staff_of(graph, FAR))
    granted = await graph.mutate("acceptCommunityService", link, ORG, as_=both)
    direct = await graph.mutate("registerOrganization", partner_input(FAR, name="区里直接批"), ORG, as_=both)

    assert [e["code"] for e in one_side["errors"]] == ["FORBIDDEN"]
    assert [(e["code"], e["field"]) for e in unexplained["errors"]] == [("INVALID_INPUT", "reason")]
    assert declined["organization"]["serviceLinks"] == [{"communityId": HOME, "status": "DECLINED", "decidedBy": f"staff-{HOME}"}]
    assert again["organization"]["serviceLinks"][0]["status"] == "REQUESTED"
    assert granted["errors"] == []
    assert granted["organization"]["servedCommunities"] == [{"id": FAR}, {"id": HOME}]
    assert direct["organization"]["servedCommunities"] == [{"id": FAR}, {"id": HOME}]
    assert direct["organization"]["serviceLinks"][0]["status"] == "GRANTED"


async def test_an_organization_stored_with_declared_communities_keeps_them_only_as_requests_after_restart() -> None:
    settings, memory = fast_settings(), MemoryServer()
    admin = token(settings, Role.DISTRICT_ADMIN, districts=["d1"])
    async with running(create_orgs_app(settings, memory=memory)) as orgs:
        for name, input in [
            ("registerDistrict", {"id": "d1", "name": "东城区"}),
            ("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}),
            ("registerCommunity", {"id": "c1", "streetId": "s1", "name": "左安浦园社区"}),
            ("registerCommunity", {"id": "c2", "streetId": "s1", "name": "龙潭西里社区"}),
        ]:
            await orgs.mutation(name, input, "__typename", as_=admin)
        staff = token(settings, Role.COMMUNITY_STAFF, communities=["c2"])
        registered = await orgs.mutation(
            "registerOrganization", partner_input("c2", servedCommunityIds=[]), "organization { id }", as_=staff
        )
    organization_id = registered["organization"]["id"]
    documents = memory.client["renling_orgs"]["organizations"]
    documents.update_one(
        {"_id": organization_id},
        {"$set": {"served_community_ids": ["c2", "c1"]}, "$unset": {"service_links": "", "requested_community_ids": ""}},
    )  # what a declared link looked like before service links were granted

    bus = InProcessBus()
    told = await observe(bus, "orgs.org.updated.v1")
    async with running(create_orgs_app(settings, memory=memory, bus=bus)) as orgs:
        listed = await orgs.data(
            '{ community(id: "c1") { organizations { totalCount } serviceRequests { totalCount } } }',
            as_=token(settings, Role.COMMUNITY_STAFF, communities=["c1"]),
        )
        await eventually(lambda: _some(told), what="the upgrade's orgs.org.updated.v1")
    await bus.close()

    assert listed["community"] == {"organizations": {"totalCount": 0}, "serviceRequests": {"totalCount": 1}}
    assert documents.find_one({"_id": organization_id})["served_community_ids"] == ["c2"]
    assert [event.data["served_community_ids"] for event in told] == [["c2"]]


async def _some(seen: list[Event]) -> bool:
    return bool(seen)
