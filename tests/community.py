"""A fresh community behind the gateway, and the steps of its claim cycle as its people take them.

The four services share an in-process bus and an in-memory store; :meth:`Community.settle`
relays every outbox and drains the bus until the services are quiet, so a test reads what the
events have done without sleeping. Every step goes through the gateway with the token of the
person who takes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette

from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from tests.support import GraphQLClient, fast_settings, running, running_gateway
from tests.test_full_cycle import FACTORIES

__all__ = ["RUBRIC", "Clock", "Community", "community_platform"]

C = "c1"
RUBRIC = {"goalAchievement": 5, "residentSatisfaction": 4, "budgetUse": 4, "organizationalGrowth": 5, "innovation": 3}


class Clock:
    """The services' clock: the real time, moved on by a test when it must be later."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """From now on the services live ``delta`` later."""
        self.offset += delta


class Community:
    """Community c1 (street s1, district d1) with its staff, residents and organizations, reached through the gateway."""

    def __init__(self, settings: Settings, client: GraphQLClient, apps: dict[str, Starlette], bus: InProcessBus, clock: Clock) -> None:
        self.settings, self.client, self.apps, self.bus, self.clock = settings, client, apps, bus, clock
        self.admin = self.token("admin", Role.DISTRICT_ADMIN)
        self.staff = self.token("staff", Role.COMMUNITY_STAFF)

    def token(self, subject: str, role: Role, *, organization: str | None = None, communities: tuple[str, ...] = (C,)) -> str:
        """A token of someone of the community (a district admin of d1)."""
        districts = ["d1"] if role is Role.DISTRICT_ADMIN else []
        return mint_token(
            self.settings,
            subject=subject,
            roles=[role],
            communities=[] if role is Role.DISTRICT_ADMIN else communities,
            districts=districts,
            organization=organization,
        )

    def resident(self, subject: str) -> str:
        """A resident of the community."""
        return self.token(subject, Role.RESIDENT)

    async def settle(self) -> None:
        """Relay every outbox and deliver every event until nothing is left to do."""
        for _ in range(8):
            for app in self.apps.values():
                await app.state.relay.run_once()
            await self.bus.drain()

    async def attempt(self, name: str, input: dict[str, Any], selection: str = "", *, as_: str) -> dict[str, Any]:
        """Run a mutation; its payload, typed errors included."""
        return await self.client.mutation(name, input, selection, as_=as_)

    async def do(self, name: str, input: dict[str, Any], selection: str = "", *, as_: str) -> dict[str, Any]:
        """Run a mutation that must succeed; its payload (events settled after)."""
        payload = await self.attempt(name, input, selection, as_=as_)
        assert payload["errors"] == [], (name, payload["errors"])
        await self.settle()
        return payload

    async def query(self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None) -> dict[str, Any]:
        """A query's data, as staff unless told otherwise."""
        return await self.client.data(query, variables, as_=as_ or self.staff)

    async def organization(self, name: str, *, kind: str = "SOCIAL_ORGANIZATION", **fields: Any) -> str:
        """A registered, active organization of the community; its id."""
        input = {
            "communityId": C, "kind": kind, "name": name, "purpose": "PUBLIC_WELFARE", "foundedOn": "2015-01-01",
            "status": "ACTIVE", "leader": {"name": f"{name}队长"}, **fields,
        }  # fmt: skip
        payload = await self.do("registerOrganization", input, "organization { id }", as_=self.staff)
        organization_id: str = payload["organization"]["id"]
        return organization_id

    def leader(self, organization_id: str) -> str:
        """The token of an organization's leader."""
        return self.token(f"leader-{organization_id}", Role.ORG_LEADER, organization=organization_id)

    async def need(self, title: str = "楼道灯坏了", *, by: str = "resident-needs") -> str:
        """A need submitted by a resident and accepted by staff; its id."""
        payload = await self.do(
            "submitNeed", {"communityId": C, "title": title, "category": "BLUE_GUARD"}, "need { id }", as_=self.resident(by)
        )
        need_id: str = payload["need"]["id"]
        await self.do("acceptNeed", {"needId": need_id}, as_=self.staff)
        return need_id

    def item_input(self, need_ids: list[str], **fields: Any) -> dict[str, Any]:
        """What staff fill in for an item open now for two weeks."""
        now = self.clock()
        return {
            "communityId": C, "needIds": need_ids, "kind": "PROJECT", "category": "BLUE_GUARD", "title": "独居老人探访",
            "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 300_000}],
            "schedule": {"startsOn": "2026-12-01", "endsOn": "2027-06-30"},
            "claimWindow": {"opensAt": (now - timedelta(minutes=1)).isoformat(), "closesAt": (now + timedelta(days=14)).isoformat()},
            "eligibleClaimantKinds": ["SOCIAL_ORGANIZATION", "RESIDENT", "PARTNER_ORGANIZATION"], **fields,
        }  # fmt: skip

    async def item(self, *, slots: int = 1, need_ids: list[str] | None = None, publish: bool = True, **fields: Any) -> str:
        """A service item made from an accepted need (published unless told otherwise); its id."""
        needs = need_ids if need_ids is not None else [await self.need()]
        payload = await self.do("createServiceItem", self.item_input(needs, slots=slots, **fields), "serviceItem { id }", as_=self.staff)
        item_id: str = payload["serviceItem"]["id"]
        if publish:
            await self.do("publishServiceItem", {"itemId": item_id}, as_=self.staff)
        return item_id

    async def claim(self, item_id: str, organization_id: str, *, as_: str | None = None, budget_fen: int = 100_000) -> str:
        """A claim submitted by the organization's leader; its id."""
        proposal = {"plan": "每周探访两次", "team": ["甲", "乙"], "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": budget_fen}]}
        payload = await self.do(
            "submitClaim",
            {"itemId": item_id, "organizationId": organization_id, "proposal": proposal},
            "claim { id }",
            as_=as_ or self.leader(organization_id),
        )
        claim_id: str = payload["claim"]["id"]
        return claim_id

    async def meeting(self, *item_ids: str) -> str:
        """An intention meeting on the items; its id."""
        plan = {
            "communityId": C, "scheduledAt": self.clock().isoformat(), "venue": "社区活动室", "agenda": list(item_ids),
            "attendees": [{"name": "居民代表", "role": "RESIDENT_REPRESENTATIVE"}],
        }  # fmt: skip
        payload = await self.do("scheduleMeeting", plan, "meeting { id }", as_=self.staff)
        meeting_id: str = payload["meeting"]["id"]
        return meeting_id

    async def approve(self, meeting_id: str, *claim_ids: str) -> None:
        """The meeting approves the claims."""
        for claim_id in claim_ids:
            input = {"meetingId": meeting_id, "claimId": claim_id, "outcome": "APPROVED", "reason": "方案可行"}
            await self.do("decideClaim", input, as_=self.staff)

    async def implement(self, claim_id: str, *, as_: str) -> None:
        """Training by staff, then the claimant starts the work."""
        await self.do("recordTraining", {"claimId": claim_id, "on": "2026-11-20", "topic": "安全"}, as_=self.staff)
        await self.do("startImplementation", {"claimId": claim_id}, as_=as_)

    async def finish(self, claim_id: str, *, as_: str) -> None:
        """The claimant reports the work done and completes it."""
        progress = {"claimId": claim_id, "percent": 100, "narrative": "完成", "volunteerHours": 6}
        await self.do("reportProgress", progress, as_=as_)
        await self.do("completeProject", {"claimId": claim_id}, as_=as_)

    async def evaluate(self, claim_id: str) -> dict[str, Any]:
        """Staff's summary evaluation; the claim's evaluation."""
        payload = await self.do(
            "evaluateProject",
            {"claimId": claim_id, "rubric": RUBRIC, "summary": "效果良好"},
            "claim { evaluation { overallScore grade } }",
            as_=self.staff,
        )
        evaluation: dict[str, Any] = payload["claim"]["evaluation"]
        return evaluation

    async def terminate(self, claim_id: str, reason: str = "人手不足，无法继续") -> None:
        """Staff stop an approved claim."""
        await self.do("terminateClaim", {"claimId": claim_id, "reason": reason}, as_=self.staff)

    async def item_state(self, item_id: str) -> dict[str, Any]:
        """The item's status and slots left, and the status of its needs."""
        data = await self.query("query($id: ID!) { serviceItem(id: $id) { status slotsLeft needs { status } } }", {"id": item_id})
        state: dict[str, Any] = data["serviceItem"]
        return state


@asynccontextmanager
async def community_platform(**overrides: Any) -> AsyncIterator[Community]:
    """The four services and the gateway in process, with district d1 → street s1 → community c1 registered."""
    settings = fast_settings(webhook_allow_private=True, **overrides)
    bus, memory = InProcessBus(), MemoryServer()
    clock = Clock()
    apps = {name: factory(settings, bus=bus, memory=memory, clock=clock) for name, factory in FACTORIES.items()}
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(running(app))
        client = await stack.enter_async_context(running_gateway(apps, settings))
        community = Community(settings, client, apps, bus, clock)
        for name, input in (
            ("registerDistrict", {"id": "d1", "name": "东城区"}),
            ("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}),
            ("registerCommunity", {"id": C, "streetId": "s1", "name": "左安浦园社区"}),
        ):
            await community.do(name, input, as_=community.admin)
        yield community
    await bus.close()
