"""The whole platform (every service of ``FACTORIES``) on one in-process bus, with the demo district loaded, behind the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.applications import Starlette

from services.common.bus.memory import InProcessBus
from services.common.identity import mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.demo import load_demo
from tests.support import GraphQLClient, fast_settings, running, running_gateway
from tests.test_full_cycle import FACTORIES


@dataclass
class Demo:
    """The running platform: the gateway's client, each service's client and app, and the shared memory store."""

    settings: Settings
    bus: InProcessBus
    memory: MemoryServer
    apps: dict[str, Starlette]
    services: dict[str, GraphQLClient]
    gateway: GraphQLClient

    def token(self, subject: str, **claims: Any) -> str:
        """A signed token with these claims."""
        return mint_token(self.settings, subject=subject, **claims)

    async def settle(self) -> None:
        """Publish every outbox and let every consumer react, until nothing moves."""
        for _ in range(10):
            published = sum([await app.state.relay.run_once() for app in self.apps.values()])
            await self.bus.drain()
            if published == 0:
                return


@pytest.fixture
async def demo() -> AsyncIterator[Demo]:
    settings = fast_settings()
    bus, memory = InProcessBus(), MemoryServer()
    apps = {name: factory(settings, bus=bus, memory=memory) for name, factory in FACTORIES.items()}
    async with AsyncExitStack() as stack:
        services = {name: await stack.enter_async_context(running(app)) for name, app in apps.items()}
        await load_demo(apps["orgs"].state.handlers, apps["needs"].state.handlers, apps["claims"].state.handlers)
        platform = Demo(settings, bus, memory, apps, services, services["needs"])
        await platform.settle()
        platform.gateway = await stack.enter_async_context(running_gateway(apps, settings))
        yield platform
    await bus.close()
