"""The whole claim cycle through the gateway only, as clients would, on the in-process bus and on RabbitMQ.

A resident submits a need → staff accept it → an item is made from it and published → two
organizations claim → the intention meeting approves one → training, supervision with a
rectification, progress with volunteer hours, disbursements from both funds → completion →
evaluation with residents' ratings → the need is resolved, the organization's track record and
the district's statistics show it, and a partner's subscription and webhook got the public events.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import websockets
from standardwebhooks.webhooks import Webhook
from websockets.typing import Subprotocol

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.audit.app import create_app as create_audit_app
from services.claims.app import create_app as create_claims_app
from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.disclosure.app import create_app as create_disclosure_app
from services.events.app import create_app as create_events_app
from services.evidence.app import create_app as create_evidence_app
from services.needs.app import create_app as create_needs_app
from services.notices.app import create_app as create_notices_app
from services.orgs.app import create_app as create_orgs_app
from services.people.app import create_app as create_people_app
from tests.broker import CONSUMERS, DELAYS
from tests.events.conftest import Receiver
from tests.support import AMQP_URL, GraphQLClient, delete_topology, eventually, fast_settings, require_rabbitmq, serving

PROTOCOL = Subprotocol("graphql-transport-ws")
FACTORIES = {
    "needs": create_needs_app,
    "claims": create_claims_app,
    "orgs": create_orgs_app,
    "events": create_events_app,
    "notices": create_notices_app,
    "people": create_people_app,
    "disclosure": create_disclosure_app,
    "audit": create_audit_app,
    "evidence": create_evidence_app,
}
PUBLIC = ["needs.item.published.v1", "claims.claim.approved.v1", "claims.project.completed.v1", "claims.project.evaluated.v1"]


class Client(GraphQLClient):
    """A GraphQL client of the gateway, minting the tokens of the cycle's people."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        super().__init__(http)
        self.settings = settings

    def token(self, subject: str, role: Role, *, organization: str | None = None) -> str:
        districts = ["d1"] if role is Role.DISTRICT_ADMIN else []
        communities = [] if role is Role.DISTRICT_ADMIN else ["c1"]
        return mint_token(
            self.settings, subject=subject, roles=[role], communities=communities, districts=districts, organization=organization
        )

    async def mutate(self, name: str, input: dict[str, Any], selection: str, *, as_: str) -> dict[str, Any]:
        """Run a mutation that must succeed; its payload."""
        type_name = name[0].upper() + name[1:] + "Input"
        data = await self.data(
            f"mutation($i: {type_name}!) {{ {name}(input: $i) {{ {selection} errors {{ code field message }} }} }}", {"i": input}, as_=as_
        )
        payload: dict[str, Any] = data[name]
        assert payload["errors"] == [], (name, payload["errors"])
        return payload


@asynccontextmanager
async def platform(settings: Settings, *, shared_bus: bool) -> AsyncIterator[str]:
    """The four services and the gateway on real HTTP servers; yields the gateway's base URL."""
    bus = InProcessBus() if shared_bus else None
    memory = MemoryServer()
    async with AsyncExitStack() as stack:
        urls = {
            name: (await stack.enter_async_context(serving(factory(settings, bus=bus, memory=memory)))) + "/graphql"
            for name, factory in FACTORIES.items()
        }
        urls_of = {f"{name}_url": url for name, url in urls.items()}
        gateway_settings = GatewaySettings(**{**settings.model_dump(), **urls_of, "subgraphs": tuple(FACTORIES)})
        yield await stack.enter_async_context(serving(create_gateway_app(gateway_settings)))
    if bus is not None:
        await bus.close()


@pytest.fixture(params=["in-process", "rabbitmq"])
async def gateway(request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    base = fast_settings(webhook_allow_private=True, webhook_retry_base_s=0.05, webhook_poll_s=0.05)
    if request.param == "rabbitmq":
        await require_rabbitmq()
        namespace = f"test-{uuid.uuid4().hex[:10]}"
        settings = base.model_copy(update={"amqp_url": AMQP_URL, "events_exchange": namespace, "bus_retry_delays_ms": DELAYS})
    else:
        settings = base
    try:
        async with platform(settings, shared_bus=request.param == "in-process") as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield Client(http, settings)
    finally:
        if request.param == "rabbitmq":
            await delete_topology(
                settings.events_exchange, (*CONSUMERS, "events", "notices", "people", "disclosure", "audit", "evidence"), DELAYS
            )


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    await eventually(check, within=20, what=what)


@pytest.mark.timeout(120)
async def test_one_claim_cycle_from_need_to_evaluation(gateway: Client) -> None:
    admin, staff = gateway.token("admin", Role.DISTRICT_ADMIN), gateway.token("staff", Role.COMMUNITY_STAFF)
    resident, partner = gateway.token("resident", Role.RESIDENT), gateway.token("partner", Role.PARTNER)
    for name, input, selection in [
        ("registerDistrict", {"id": "d1", "name": "东城区"}, "district { id }"),
        ("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}, "street { id }"),
        ("registerCommunity", {"id": "c1", "streetId": "s1", "name": "左安浦园社区"}, "community { id }"),
    ]:
        await gateway.mutate(name, input, selection, as_=admin)
    org_ids = []
    for name, leader in (("夕阳天使志愿服务队", "王秀兰"), ("掌上明珠摄影队", "郑卫东")):
        registered = await gateway.mutate(
            "registerOrganization",
            {
                "communityId": "c1",
                "kind": "SOCIAL_ORGANIZATION",
                "name": name,
                "purpose": "PUBLIC_WELFARE",
                "foundedOn": "2010-01-01",
                "status": "ACTIVE",
                "leader": {"name": leader},
            },
            "organization { id }",
            as_=staff,
        )
        org_ids.append(registered["organization"]["id"])
    winner, runner_up = (gateway.token(f"leader-{org_id}", Role.ORG_LEADER, organization=org_id) for org_id in org_ids)

    async with AsyncExitStack() as stack:
        receiver = Receiver()
        hook = await stack.enter_async_context(serving(receiver.app()))
        secret = (await gateway.mutate("registerWebhook", {"url": f"{hook}/hook", "types": PUBLIC}, "secret", as_=partner))["secret"]
        socket = await stack.enter_async_context(
            websockets.connect(str(gateway.http.base_url).replace("http", "ws", 1) + "/graphql", subprotocols=[PROTOCOL])
        )
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {partner}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        types = json.dumps(PUBLIC)
        await socket.send(
            json.dumps(
                {
                    "id": "feed",
                    "type": "subscribe",
                    "payload": {"query": f"subscription {{ events(types: {types}) {{ routingKey data }} }}"},
                }
            )
        )
        await asyncio.sleep(0.3)

        need_id = (
            await gateway.mutate(
                "submitNeed",
                {"communityId": "c1", "title": "为高龄老人办集体生日会", "category": "BLUE_GUARD", "targetGroups": ["ELDERLY"]},
                "need { id }",
                as_=resident,
            )
        )["need"]["id"]
        await gateway.mutate("acceptNeed", {"needId": need_id}, "need { status }", as_=staff)
        now = datetime.now(UTC)
        item = await gateway.mutate(
            "createServiceItem",
            {
                "communityId": "c1", "needIds": [need_id], "kind": "PROJECT", "category": "BLUE_GUARD", "title": "高龄老人集体生日会",
                "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 200_000}, {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 100_000}],
                "schedule": {"startsOn": "2026-12-01", "endsOn": "2027-06-30"},
                "claimWindow": {"opensAt": (now - timedelta(minutes=1)).isoformat(), "closesAt": (now + timedelta(days=14)).isoformat()},
                "eligibleClaimantKinds": ["SOCIAL_ORGANIZATION"],
            },
            "serviceItem { id }",
            as_=staff,
        )  # fmt: skip
        item_id = item["serviceItem"]["id"]
        await gateway.mutate("publishServiceItem", {"itemId": item_id}, "serviceItem { status }", as_=staff)

        proposal = {
            "plan": "每季度一次生日会",
            "team": ["王秀兰", "李建国"],
            "budget": [
                {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 150_000},
                {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 50_000},
            ],
        }
        claim_ids: list[str] = []

        async def claimable() -> bool:
            payload = (await gateway.data(
                "mutation($i: SubmitClaimInput!) { submitClaim(input: $i) { claim { id } errors { code } } }",
                {"i": {"itemId": item_id, "organizationId": org_ids[0], "proposal": proposal, "idempotencyKey": "first"}},
                as_=winner,
            ))["submitClaim"]  # fmt: skip
            if payload["claim"]:
                claim_ids.append(payload["claim"]["id"])
            return bool(payload["claim"])

        await until(claimable, "the published item to reach the claims service")
        loser = (
            await gateway.mutate(
                "submitClaim", {"itemId": item_id, "organizationId": org_ids[1], "proposal": proposal}, "claim { id }", as_=runner_up
            )
        )["claim"]["id"]
        claim_id = claim_ids[0]
        meeting = await gateway.mutate(
            "scheduleMeeting",
            {
                "communityId": "c1",
                "scheduledAt": now.isoformat(),
                "venue": "社区活动室",
                "agenda": [item_id],
                "attendees": [{"name": "居民代表", "role": "RESIDENT_REPRESENTATIVE"}],
            },
            "meeting { id }",
            as_=staff,
        )
        await gateway.mutate(
            "decideClaim",
            {"meetingId": meeting["meeting"]["id"], "claimId": claim_id, "outcome": "APPROVED", "reason": "经验丰富"},
            "claim { status }",
            as_=staff,
        )
        rejected = await gateway.data(f'{{ claim(id: "{loser}") {{ status reason }} }}', as_=staff)
        assert rejected["claim"]["status"] == "REJECTED"
        assert "slot" in rejected["claim"]["reason"]

        await gateway.mutate(
            "recordTraining", {"claimId": claim_id, "on": "2026-11-20", "topic": "活动安全"}, "claim { status }", as_=staff
        )
        await gateway.mutate("startImplementation", {"claimId": claim_id}, "claim { status }", as_=winner)
        supervised = await gateway.mutate(
            "recordSupervision",
            {
                "claimId": claim_id,
                "on": "2026-11-21",
                "findings": "签到表不全",
                "rectificationRequired": True,
                "rectificationDeadline": "2026-11-30",
            },
            "claim { supervisions { id } }",
            as_=staff,
        )
        visit = supervised["claim"]["supervisions"][0]["id"]
        await gateway.mutate(
            "recordRectification", {"claimId": claim_id, "visitId": visit, "rectifiedOn": "2026-11-22"}, "claim { status }", as_=winner
        )
        await gateway.mutate(
            "reportProgress",
            {"claimId": claim_id, "percent": 100, "narrative": "办了两次生日会", "volunteerHours": 42},
            "claim { status }",
            as_=winner,
        )
        for source, amount in (("PARTY_SERVICE_FUND", 120_000), ("COMMUNITY_WELFARE_FUND", 40_000)):
            await gateway.mutate(
                "recordDisbursement",
                {"claimId": claim_id, "line": {"fundSource": source, "amountFen": amount}, "on": "2026-11-23", "purpose": "蛋糕与场地"},
                "claim { status }",
                as_=staff,
            )
        await gateway.mutate("completeProject", {"claimId": claim_id}, "claim { status }", as_=winner)
        for index, score in enumerate((5, 4)):
            await gateway.mutate(
                "rateProject",
                {"claimId": claim_id, "score": score, "comment": "很温暖"},
                "claim { status }",
                as_=gateway.token(f"served-{index}", Role.RESIDENT),
            )
        rubric = {"goalAchievement": 5, "residentSatisfaction": 5, "budgetUse": 4, "organizationalGrowth": 4, "innovation": 4}
        evaluated = await gateway.mutate(
            "evaluateProject",
            {"claimId": claim_id, "rubric": rubric, "summary": "老人们很满意"},
            "claim { evaluation { grade overallScore } }",
            as_=staff,
        )
        assert evaluated["claim"]["evaluation"] == {"grade": "GOOD", "overallScore": 4.43}  # 0.7 × 4.4 + 0.3 × 4.5

        async def resolved() -> bool:
            need = await gateway.data(f'{{ need(id: "{need_id}") {{ status serviceItem {{ status }} }} }}', as_=staff)
            return bool(need["need"] == {"status": "RESOLVED", "serviceItem": {"status": "EVALUATED"}})

        await until(resolved, "the need to be resolved")

        async def recorded() -> bool:
            org = await gateway.data(
                f'{{ organization(id: "{org_ids[0]}") {{ trackRecord {{ itemsClaimed projectsCompleted volunteerHours fundsTotalFen averageScore }} }} }}',
                as_=staff,
            )
            return bool(
                org["organization"]["trackRecord"]
                == {"itemsClaimed": 1, "projectsCompleted": 1, "volunteerHours": 42.0, "fundsTotalFen": 160_000, "averageScore": 4.43}
            )

        await until(recorded, "the organization's track record")
        stats = await gateway.data(
            '{ district(id: "d1") { needStats { total byStatus { status count } } claimStats { total projectsCompleted volunteerHours fundsDisbursed { fundSource amountFen } averageScore } } }',
            as_=admin,
        )
        need_stats = stats["district"]["needStats"]
        assert (need_stats["total"], [row for row in need_stats["byStatus"] if row["count"]]) == (1, [{"status": "RESOLVED", "count": 1}])
        assert stats["district"]["claimStats"] == {
            "total": 2,
            "projectsCompleted": 1,
            "volunteerHours": 42.0,
            "fundsDisbursed": [
                {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 120_000},
                {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 40_000},
                {"fundSource": "OTHER", "amountFen": 0},
            ],
            "averageScore": 4.43,
        }

        frames: list[str] = []
        async with asyncio.timeout(20):
            while len(frames) < len(PUBLIC):
                frames.append(json.loads(await socket.recv())["payload"]["data"]["events"]["routingKey"])

        async def all_delivered() -> bool:
            return len(receiver.received) == len(PUBLIC)

        await until(all_delivered, "the partner's webhook deliveries")

    assert frames == PUBLIC
    delivered = [
        Webhook(secret).verify(body, {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")})
        for body, headers in receiver.received
    ]
    assert sorted(payload["type"].removeprefix("org.renling.") for payload in delivered) == sorted(PUBLIC)
