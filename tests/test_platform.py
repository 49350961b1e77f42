"""The three services on one bus: a whole claim cycle, and each service reacting to the others' events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette

from services.claims.app import create_app as create_claims_app
from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.demo.neighbours import NEIGHBOURHOOD
from services.events.app import create_app as create_events_app
from services.needs.app import create_app as create_needs_app
from services.notices.app import create_app as create_notices_app
from services.orgs.app import create_app as create_orgs_app
from services.people.app import create_app as create_people_app
from tests.support import GraphQLClient, fast_settings, gateway_over, running


@dataclass
class Platform:
    """needs, orgs and claims sharing the in-process bus, as under `make up`."""

    settings: Settings
    bus: InProcessBus
    apps: dict[str, Starlette]
    clients: dict[str, GraphQLClient]

    def token(self, role: Role, *, subject: str, organization: str | None = None) -> str:
        """A token for community c1 (district d1)."""
        districts = ["d1"] if role is Role.DISTRICT_ADMIN else []
        communities = [] if role is Role.DISTRICT_ADMIN else ["c1"]
        return mint_token(
            self.settings, subject=subject, roles=[role], communities=communities, districts=districts, organization=organization
        )

    async def settle(self) -> None:
        """Publish every outbox and let every consumer react, until nothing moves."""
        for _ in range(10):
            published = sum([await app.state.relay.run_once() for app in self.apps.values()])
            await self.bus.drain()
            if published == 0:
                return

    async def mutate(self, service: str, name: str, input: dict[str, Any], selection: str, as_: str) -> dict[str, Any]:
        """A mutation that must succeed; settles the platform afterwards."""
        payload = await self.clients[service].mutation(name, input, selection, as_=as_)
        assert payload["errors"] == [], (name, payload["errors"])
        await self.settle()
        return payload


@pytest.fixture
async def platform() -> AsyncIterator[Platform]:
    settings = fast_settings()
    bus, memory = InProcessBus(delivery_limit=3, retry_delays_ms=(10,)), MemoryServer()
    apps = {
        "needs": create_needs_app(settings, bus=bus, memory=memory),
        "orgs": create_orgs_app(settings, bus=bus, memory=memory),
        "claims": create_claims_app(settings, bus=bus, memory=memory),
        "events": create_events_app(settings, bus=bus, memory=memory),
        "notices": create_notices_app(settings, bus=bus, memory=memory),
        "people": create_people_app(settings, bus=bus, memory=memory),
    }
    async with AsyncExitStack() as stack:
        clients = {name: await stack.enter_async_context(running(app)) for name, app in apps.items()}
        yield Platform(settings, bus, apps, clients)
    await bus.close()


async def test_a_whole_claim_cycle_across_the_three_services(platform: Platform) -> None:
    admin = platform.token(Role.DISTRICT_ADMIN, subject="admin")
    staff = platform.token(Role.COMMUNITY_STAFF, subject="staff")
    resident = platform.token(Role.RESIDENT, subject="resident")
    for name, input, selection in [
        ("registerDistrict", {"id": "d1", "name": "东城区"}, "district { id }"),
        ("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}, "street { id }"),
        ("registerCommunity", {"id": "c1", "streetId": "s1", "name": "左安浦园社区"}, "community { id }"),
    ]:
        await platform.mutate("orgs", name, input, selection, as_=admin)
    registered = await platform.mutate(
        "orgs",
        "registerOrganization",
        {
            "communityId": "c1",
            "kind": "SOCIAL_ORGANIZATION",
            "name": "夕阳天使志愿服务队",
            "purpose": "PUBLIC_WELFARE",
            "foundedOn": "2007-03-05",
            "status": "ACTIVE",
            "leader": {"name": "王秀兰"},
        },
        "organization { id }",
        as_=staff,
    )
    org_id = registered["organization"]["id"]
    leader = platform.token(Role.ORG_LEADER, subject="leader", organization=org_id)

    need = await platform.mutate(
        "needs",
        "submitNeed",
        {"communityId": "c1", "title": "为高龄老人办集体生日会", "category": "BLUE_GUARD"},
        "need { id }",
        as_=resident,
    )
    need_id = need["need"]["id"]
    await platform.mutate("needs", "acceptNeed", {"needId": need_id}, "need { status }", as_=staff)
    now = datetime.now(UTC)
    item = await platform.mutate(
        "needs",
        "createServiceItem",
        {
            "communityId": "c1",
            "needIds": [need_id],
            "kind": "ACTIVITY",
            "category": "BLUE_GUARD",
            "title": "高龄老人集体生日会",
            "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 300_000}],
            "schedule": {"startsOn": "2026-12-01", "endsOn": "2027-06-30"},
            "claimWindow": {"opensAt": (now - timedelta(hours=1)).isoformat(), "closesAt": (now + timedelta(days=14)).isoformat()},
            "eligibleClaimantKinds": ["SOCIAL_ORGANIZATION"],
        },
        "serviceItem { id }",
        as_=staff,
    )
    item_id = item["serviceItem"]["id"]
    await platform.mutate("needs", "publishServiceItem", {"itemId": item_id}, "serviceItem { status }", as_=staff)

    claim = await platform.mutate(
        "claims",
        "submitClaim",
        {
            "itemId": item_id,
            "organizationId": org_id,
            "proposal": {
                "plan": "每季度一次生日会",
                "team": ["王秀兰", "李建国"],
                "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 200_000}],
            },
        },
        "claim { id }",
        as_=leader,
    )
    claim_id = claim["claim"]["id"]
    meeting = await platform.mutate(
        "claims",
        "scheduleMeeting",
        {"communityId": "c1", "scheduledAt": now.isoformat(), "venue": "活动室", "agenda": [item_id]},
        "meeting { id }",
        as_=staff,
    )
    await platform.mutate(
        "claims",
        "decideClaim",
        {"meetingId": meeting["meeting"]["id"], "claimId": claim_id, "outcome": "APPROVED", "reason": "经验丰富"},
        "claim { id }",
        as_=staff,
    )
    assert await _item_status(platform, item_id, staff) == "CLAIMED"

    await platform.mutate(
        "claims", "recordTraining", {"claimId": claim_id, "on": "2026-11-20", "topic": "活动安全"}, "claim { id }", as_=staff
    )
    await platform.mutate("claims", "startImplementation", {"claimId": claim_id}, "claim { id }", as_=leader)
    assert await _item_status(platform, item_id, staff) == "IN_PROGRESS"
    await platform.mutate(
        "claims",
        "reportProgress",
        {"claimId": claim_id, "percent": 100, "narrative": "办了两次", "volunteerHours": 36},
        "claim { id }",
        as_=leader,
    )
    await platform.mutate(
        "claims",
        "recordDisbursement",
        {"claimId": claim_id, "line": {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 150_000}, "on": "2026-11-24"},
        "claim { id }",
        as_=staff,
    )
    await platform.mutate("claims", "completeProject", {"claimId": claim_id}, "claim { id }", as_=leader)
    assert await _item_status(platform, item_id, staff) == "COMPLETED"
    rubric = {"goalAchievement": 5, "residentSatisfaction": 5, "budgetUse": 4, "organizationalGrowth": 4, "innovation": 4}
    await platform.mutate(
        "claims", "evaluateProject", {"claimId": claim_id, "rubric": rubric, "summary": "老人们很满意"}, "claim { id }", as_=staff
    )

    assert await _item_status(platform, item_id, staff) == "EVALUATED"
    resolved = await platform.clients["needs"].data(f'{{ need(id: "{need_id}") {{ status }} }}', as_=staff)
    assert resolved["need"]["status"] == "RESOLVED"
    record = await platform.clients["orgs"].data(
        f'{{ organization(id: "{org_id}") {{ trackRecord {{ itemsClaimed projectsCompleted averageScore volunteerHours fundsTotalFen }} }} }}',
        as_=staff,
    )
    assert record["organization"]["trackRecord"] == {
        "itemsClaimed": 1,
        "projectsCompleted": 1,
        "averageScore": 4.4,
        "volunteerHours": 36.0,
        "fundsTotalFen": 150_000,
    }
    assert list(platform.bus.dead) == []


async def _item_status(platform: Platform, item_id: str, token: str) -> str:
    found = await platform.clients["needs"].data(f'{{ serviceItem(id: "{item_id}") {{ status }} }}', as_=token)
    status: str = found["serviceItem"]["status"]
    return status


async def test_one_query_through_the_gateway_crosses_all_three_services(platform: Platform) -> None:
    import httpx

    from services.demo import DISTRICT, HOME, load_demo

    await load_demo(platform.apps["orgs"].state.handlers, platform.apps["needs"].state.handlers)
    await platform.settle()
    gateway, http = gateway_over(platform.apps)
    admin = mint_token(platform.settings, subject="admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    outsider = mint_token(platform.settings, subject="x", roles=[Role.RESIDENT], communities=["community-tiantan"])
    query = """query Dashboard($district: ID!) { district(id: $district) {
        name needStats { total } claimStats { total }
        streets { name communities { id name organizationStats(asOf: "2019-12-31") { total }
          needs(first: 1, sort: MOST_SUPPORTED) { edges { node { title community { name } } } } } } } }"""
    async with (
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gw") as client,
    ):
        as_admin = (
            await client.post(
                "/graphql", json={"query": query, "variables": {"district": DISTRICT}}, headers={"authorization": f"Bearer {admin}"}
            )
        ).json()
        home = f'{{ community(id: "{HOME}") {{ name needs {{ totalCount }} }} }}'
        as_outsider = (await client.post("/graphql", json={"query": home}, headers={"authorization": f"Bearer {outsider}"})).json()
    await http.aclose()

    district = as_admin["data"]["district"]
    neighbours = sum(len(neighbour.needs) for neighbour in NEIGHBOURHOOD)  # the demo's life beyond 左安浦园
    assert (district["name"], district["needStats"]["total"], district["claimStats"]["total"]) == ("东城区", 5 + neighbours, 0)
    communities = {c["id"]: c for street in district["streets"] for c in street["communities"]}
    assert communities[HOME]["organizationStats"]["total"] == 17
    assert communities[HOME]["needs"]["edges"] == [{"node": {"title": "社区摄影展", "community": {"name": "左安浦园社区"}}}]
    assert "errors" not in as_admin
    assert as_outsider["data"] is None or as_outsider["data"]["community"] is None
    assert as_outsider["errors"][0]["extensions"]["code"] == "FORBIDDEN"
