"""The gateway over the four services with the demo district loaded, for tests that attack it as outsiders would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from starlette.applications import Starlette

from services.common.bus.memory import InProcessBus
from services.common.identity import mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.demo import load_demo
from tests.support import ERRORS, GraphQLClient, fast_settings, running, running_gateway
from tests.test_full_cycle import FACTORIES

__all__ = ["DemoGraph", "demo_graph"]


class DemoGraph:
    """The gateway client, a client of each subgraph straight, the apps and the bus."""

    def __init__(
        self, settings: Settings, bus: InProcessBus, apps: dict[str, Starlette], client: GraphQLClient, services: dict[str, GraphQLClient]
    ) -> None:
        self.settings, self.bus, self.apps, self.client, self.services = settings, bus, apps, client, services

    def token(self, subject: str, **claims: Any) -> str:
        """A signed token for ``subject`` with these claims (roles, communities, districts, organization)."""
        return mint_token(self.settings, subject=subject, **claims)

    async def settle(self) -> None:
        """Publish every outbox and let every consumer handle what was published."""
        for app in self.apps.values():
            await app.state.relay.run_once()
        await self.bus.drain()

    async def mutate(
        self, name: str, input: dict[str, Any], selection: str, *, as_: str, via: GraphQLClient | None = None
    ) -> dict[str, Any]:
        """Run mutation ``name`` (through the gateway unless ``via`` names a subgraph client); its payload with typed errors."""
        type_name = name[0].upper() + name[1:] + "Input"
        data = await (via or self.client).data(
            f"mutation($input: {type_name}!) {{ {name}(input: $input) {{ {selection} {ERRORS} }} }}", {"input": input}, as_=as_
        )
        payload: dict[str, Any] = data[name]
        return payload


@asynccontextmanager
async def demo_graph() -> AsyncIterator[DemoGraph]:
    """Every service on one in-process bus and memory server, the demo loaded, the gateway in front."""
    settings = fast_settings(webhook_allow_private=True)
    bus, memory = InProcessBus(), MemoryServer()
    apps = {name: factory(settings, bus=bus, memory=memory) for name, factory in FACTORIES.items()}
    async with AsyncExitStack() as stack:
        services = {name: await stack.enter_async_context(running(app)) for name, app in apps.items()}
        await load_demo(apps["orgs"].state.handlers, apps["needs"].state.handlers, apps["claims"].state.handlers)
        graph = DemoGraph(settings, bus, apps, await stack.enter_async_context(running_gateway(apps, settings)), services)
        await graph.settle()
        yield graph
    await bus.close()
