"""The events service (memory:// store, in-process bus) with webhooks allowed on loopback and fast retries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.common.bus.memory import InProcessBus
from services.common.events import Event, new_event
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from tests.support import GraphQLClient, fast_settings, running

EVENT = "cursor id routingKey community data"


def event(routing_key: str, community: str = "c1", **data: Any) -> Event:
    """A domain event as a service would publish it."""
    return new_event(routing_key, service=routing_key.split(".")[0], community=community, data={"community_id": community, **data})


def place(community: str, district: str) -> Event:
    """orgs announcing a community."""
    return event("orgs.community.registered.v1", community, name=community, street_id="s", district_id=district)


@dataclass
class Receiver:
    """A webhook receiver that records what it gets and can answer with any status."""

    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    status: int = 204

    async def got_one(self) -> bool:
        """Something arrived."""
        return bool(self.received)

    def app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            self.received.append((await request.body(), dict(request.headers)))
            return Response(status_code=self.status)

        return Starlette(routes=[Route("/hook", receive, methods=["POST"])])


@dataclass
class Events:
    """The running service and helpers."""

    client: GraphQLClient
    bus: InProcessBus
    settings: Settings
    app: Starlette

    def token(self, role: Role, *communities: str, subject: str | None = None, districts: tuple[str, ...] = ()) -> str:
        """A token."""
        return mint_token(
            self.settings,
            subject=subject or f"{role.value}-{'-'.join(communities)}",
            roles=[role],
            communities=communities,
            districts=districts,
        )

    async def publish(self, *events: Event) -> None:
        """Events as the other services publish them."""
        for item in events:
            await self.bus.publish(item)
        await self.bus.drain()


@pytest.fixture
async def events() -> AsyncIterator[Events]:
    settings = fast_settings(webhook_allow_private=True, webhook_retry_base_s=0.05, webhook_retry_max_s=0.2, webhook_poll_s=0.05)
    bus = InProcessBus()
    app = create_app(settings, bus=bus, memory=MemoryServer())
    async with running(app) as client:
        service = Events(client, bus, settings, app)
        await service.publish(place("c1", "d1"), place("c2", "d1"), place("c3", "d2"))
        yield service
    await bus.close()
