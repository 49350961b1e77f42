"""A running orgs service (memory:// store, in-process bus) with a district d1 of two streets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.applications import Starlette

from services.common.bus.memory import InProcessBus
from services.common.events import Event
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.orgs.app import create_app
from tests.support import GraphQLClient, fast_settings, observe, running, token

ORGANIZATION = (
    "id name kind purpose status stage memberCount leader { id name phone } managementGroup { id } members { id name phone isLeader }"
)


@dataclass
class Orgs:
    """The running service, its bus, the events it published, and tokens."""

    client: GraphQLClient
    bus: InProcessBus
    settings: Settings
    memory: MemoryServer
    published: list[Event]
    app: Starlette

    async def settle(self) -> None:
        """Publish what the outbox holds and let every consumer handle it."""
        await self.app.state.relay.run_once()
        await self.bus.drain()

    def token(
        self, role: Role, *communities: str, subject: str | None = None, districts: tuple[str, ...] = (), organization: str | None = None
    ) -> str:
        """A token for someone acting in ``communities``."""
        return mint_token(
            self.settings,
            subject=subject or f"{role.value}-x",
            roles=[role],
            communities=communities,
            districts=districts,
            organization=organization,
        )

    @property
    def admin(self) -> str:
        return token(self.settings, Role.DISTRICT_ADMIN, districts=["d1"], subject="admin-1")

    @property
    def staff(self) -> str:
        return token(self.settings, Role.COMMUNITY_STAFF, communities=["c1"], subject="staff-1")

    def of(self, routing_key: str) -> list[Event]:
        """Events published with this routing key, in order."""
        return [event for event in self.published if event.routing_key == routing_key]

    async def mutate(self, name: str, input: dict[str, Any], selection: str, as_: str) -> dict[str, Any]:
        """Run mutation ``name`` with an input variable; return its payload."""
        return await self.client.mutation(name, input, selection, as_=as_)

    async def register(self, as_: str | None = None, **fields: Any) -> dict[str, Any]:
        """Register an organization of c1 (a team of leader + two members unless told), returning the payload."""
        input = organization_input(**fields)
        return await self.mutate("registerOrganization", input, f"organization {{ {ORGANIZATION} }}", as_=as_ or self.staff)

    async def registered(self, **fields: Any) -> dict[str, Any]:
        """A registered organization (must succeed)."""
        payload = await self.register(**fields)
        assert payload["errors"] == [], payload["errors"]
        organization: dict[str, Any] = payload["organization"]
        return organization


def organization_input(**fields: Any) -> dict[str, Any]:
    """A valid RegisterOrganizationInput for c1; with ``members=[]`` the leader alone and no team."""
    if fields.get("members") == []:
        fields.setdefault("leader", {"name": "王阿姨", "phone": "13800000001"})
    return {
        "communityId": "c1",
        "kind": "SOCIAL_ORGANIZATION",
        "name": "夕阳天使志愿服务队",
        "purpose": "PUBLIC_WELFARE",
        "fields": ["VOLUNTEER_SERVICE", "ELDERLY_CARE"],
        "foundedOn": "2010-05-01",
        "leader": {"name": "王阿姨", "phone": "13800000001", "inManagementGroup": True},
        "members": [
            {"name": "李叔", "phone": "13800000002", "inManagementGroup": True},
            {"name": "张姐", "phone": "13800000003", "inManagementGroup": True},
            {"name": "赵大爷"},
        ],
    } | fields


@pytest.fixture
async def orgs() -> AsyncIterator[Orgs]:
    """The orgs service with district d1: street s1 (communities c1, c3) and s2 (community c2)."""
    settings = fast_settings()
    bus = InProcessBus(delivery_limit=3, retry_delays_ms=(10,))
    published = await observe(bus, "orgs.#")
    memory = MemoryServer()
    app = create_app(settings, bus=bus, memory=memory)
    async with running(app) as client:
        service = Orgs(client, bus, settings, memory, published, app)
        admin = service.admin
        for payload in [
            await service.mutate("registerDistrict", {"id": "d1", "name": "东城区"}, "district { id }", as_=admin),
            await service.mutate("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}, "street { id }", as_=admin),
            await service.mutate("registerStreet", {"id": "s2", "districtId": "d1", "name": "体育馆路街道"}, "street { id }", as_=admin),
            await service.mutate(
                "registerCommunity", {"id": "c1", "streetId": "s1", "name": "左安浦园社区"}, "community { id }", as_=admin
            ),
            await service.mutate(
                "registerCommunity", {"id": "c3", "streetId": "s1", "name": "龙潭西里社区"}, "community { id }", as_=admin
            ),
            await service.mutate(
                "registerCommunity", {"id": "c2", "streetId": "s2", "name": "体育馆路社区"}, "community { id }", as_=admin
            ),
        ]:
            assert payload["errors"] == [], payload
        yield service
    await bus.close()
