"""The platform (needs, claims, orgs, events, notices) in one process behind the gateway, with people of two communities."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.applications import Starlette

from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from tests.support import GraphQLClient, fast_settings, running, running_gateway
from tests.test_full_cycle import FACTORIES

NOTICES = "{ myNotices(first: 50) { totalCount edges { node { id kind title body subjectId communityId readAt } } } }"


@dataclass
class Platform:
    """The gateway client, the apps, the bus, and tokens of c1 and c2 people."""

    client: GraphQLClient
    apps: dict[str, Starlette]
    bus: InProcessBus
    settings: Settings

    def token(self, subject: str, role: Role, *communities: str, districts: tuple[str, ...] = ()) -> str:
        return mint_token(self.settings, subject=subject, roles=[role], communities=communities, districts=districts)

    async def settle(self) -> None:
        """Publish every outbox and let every consumer finish."""
        for _ in range(3):
            for app in self.apps.values():
                await app.state.relay.run_once()
            await self.bus.drain()

    async def mutate(self, name: str, input: dict[str, Any], selection: str, *, as_: str) -> dict[str, Any]:
        payload = await self.client.mutation(name, input, selection, as_=as_)
        assert payload["errors"] == [], (name, payload["errors"])
        return payload

    async def notices(self, token: str) -> list[dict[str, Any]]:
        data = await self.client.data(NOTICES, as_=token)
        return [edge["node"] for edge in data["myNotices"]["edges"]]


@pytest.fixture
async def platform() -> AsyncIterator[Platform]:
    settings = fast_settings(webhook_allow_private=True)
    bus, memory = InProcessBus(), MemoryServer()
    apps = {name: factory(settings, bus=bus, memory=memory) for name, factory in FACTORIES.items()}
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(running(app))
        client = await stack.enter_async_context(running_gateway(apps, settings))
        world = Platform(client, apps, bus, settings)
        admin = world.token("admin", Role.DISTRICT_ADMIN, districts=("d1",))
        await world.mutate("registerDistrict", {"id": "d1", "name": "东城区"}, "district { id }", as_=admin)
        await world.mutate("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}, "street { id }", as_=admin)
        for community in ("c1", "c2"):
            await world.mutate("registerCommunity", {"id": community, "streetId": "s1", "name": community}, "community { id }", as_=admin)
        await world.settle()
        yield world
    await bus.close()
