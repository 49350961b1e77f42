"""Through the gateway: a client connection's subscriptions share one upstream socket (its own token, never another
client's); one of them can end while the others go on; after the upstream socket closes, the next subscription opens a
new one. Frames of a subscription that is one subgraph's field are forwarded as the events service rendered them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
import websockets
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from websockets.typing import Subprotocol

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from tests.events.conftest import event, place
from tests.support import eventually, fast_settings, serving

PROTOCOL = Subprotocol("graphql-transport-ws")
IDS = "subscription { events { id } }"
KEYS = "subscription { events { id routingKey community } }"


@dataclass
class Sockets:
    """The events service, counting the WebSocket connections made to it, and able to close them from its side."""

    app: ASGIApp
    senders: list[Send] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            self.senders.append(send)
        await self.app(scope, receive, send)

    async def close_all(self) -> None:
        """The events service closes every socket (as when it restarts)."""
        for send in self.senders:
            message: Message = {"type": "websocket.close", "code": 1012, "reason": "restarting"}
            await send(message)


@dataclass
class Platform:
    settings: Settings
    bus: InProcessBus
    gateway: str
    upstream: Sockets

    def partner(self, subject: str) -> str:
        return mint_token(self.settings, subject=subject, roles=[Role.PARTNER], communities=["c1"])

    async def publish(self, *events: Any) -> None:
        for item in events:
            await self.bus.publish(item)
        await self.bus.drain()


@pytest.fixture
async def platform() -> AsyncIterator[Platform]:
    settings = fast_settings()
    bus = InProcessBus()
    upstream = Sockets(create_app(settings, bus=bus, memory=MemoryServer()))
    async with AsyncExitStack() as stack:
        events = (await stack.enter_async_context(serving(upstream))) + "/graphql"

        class OnlyEvents(GatewaySettings):
            def subgraph_urls(self) -> dict[str, str]:
                return {"events": events}

        gateway = await stack.enter_async_context(serving(create_gateway_app(OnlyEvents(**settings.model_dump()))))
        platform = Platform(settings, bus, gateway.replace("http", "ws", 1) + "/graphql", upstream)
        await platform.publish(place("c1", "d1"))
        yield platform
    await bus.close()


async def _connected(url: str, token: str) -> Any:
    socket = await websockets.connect(url, subprotocols=[PROTOCOL])
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    return socket


async def _subscribe(socket: Any, operation_id: str, query: str) -> None:
    await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query}}))


async def _messages(socket: Any, count: int) -> list[dict[str, Any]]:
    async with asyncio.timeout(10):
        return [json.loads(await socket.recv()) for _ in range(count)]


async def _quiet(socket: Any) -> bool:
    """Nothing more arrives for a moment."""
    try:
        async with asyncio.timeout(0.3):
            await socket.recv()
    except TimeoutError:
        return True
    return False


async def test_a_connections_subscriptions_share_one_upstream_socket_and_one_can_end_while_the_other_goes_on(
    platform: Platform,
) -> None:
    client = await _connected(platform.gateway, platform.partner("partner-a"))
    await _subscribe(client, "ids", IDS)
    await _subscribe(client, "keys", KEYS)
    await asyncio.sleep(0.3)
    first = event("needs.item.published.v1", "c1", item_id="i1")
    await platform.publish(first)

    got = {message["id"]: message for message in await _messages(client, 2)}

    assert got["ids"] == {"id": "ids", "type": "next", "payload": {"data": {"events": {"id": first.id}}}}
    assert got["keys"]["payload"] == {"data": {"events": {"id": first.id, "routingKey": "needs.item.published.v1", "community": "c1"}}}
    assert len(platform.upstream.senders) == 1  # both over one socket to the events service

    await client.send(json.dumps({"id": "ids", "type": "complete"}))
    await asyncio.sleep(0.2)
    second = event("needs.item.published.v1", "c1", item_id="i2")
    await platform.publish(second)

    assert await _messages(client, 1) == [{"id": "keys", "type": "next", "payload": {"data": {"events": {
        "id": second.id, "routingKey": "needs.item.published.v1", "community": "c1"}}}}]  # fmt: skip
    assert await _quiet(client)  # the completed one got nothing more

    other = await _connected(platform.gateway, platform.partner("partner-b"))
    await _subscribe(other, "mine", IDS)
    await asyncio.sleep(0.3)
    third = event("needs.item.published.v1", "c1", item_id="i3")
    await platform.publish(third)

    assert (await _messages(other, 1))[0]["payload"] == {"data": {"events": {"id": third.id}}}
    assert len(platform.upstream.senders) == 2  # another client (another token) has its own upstream socket
    await client.close()
    await other.close()


async def test_when_the_upstream_socket_closes_its_subscriptions_fail_and_the_next_one_opens_a_new_socket(
    platform: Platform,
) -> None:
    client = await _connected(platform.gateway, platform.partner("partner-a"))
    await _subscribe(client, "before", IDS)
    await asyncio.sleep(0.3)
    await platform.upstream.close_all()

    failed = await _messages(client, 1)

    assert failed == [
        {
            "id": "before",
            "type": "error",
            "payload": [{"message": "the operation failed on the server", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}],
        }
    ]
    await _subscribe(client, "after", IDS)

    async def reconnected() -> bool:
        return len(platform.upstream.senders) == 2

    await eventually(reconnected, what="a new upstream socket")
    await asyncio.sleep(0.3)
    later = event("needs.item.published.v1", "c1", item_id="i9")
    await platform.publish(later)
    assert await _messages(client, 1) == [{"id": "after", "type": "next", "payload": {"data": {"events": {"id": later.id}}}}]
    await client.close()


async def test_a_subscription_with_fragments_and_conditions_is_shaped_as_the_client_asked(platform: Platform) -> None:
    client = await _connected(platform.gateway, platform.partner("partner-a"))
    query = (
        "subscription($more: Boolean!) { e: events { ...F kind: routingKey community @include(if: $more) } } "
        "fragment F on DomainEvent { __typename id }"
    )
    await client.send(json.dumps({"id": "f", "type": "subscribe", "payload": {"query": query, "variables": {"more": False}}}))
    await asyncio.sleep(0.3)
    published = event("needs.item.published.v1", "c1", item_id="i1")
    await platform.publish(published)

    (message,) = await _messages(client, 1)

    assert message["payload"] == {"data": {"e": {"__typename": "DomainEvent", "id": published.id, "kind": "needs.item.published.v1"}}}
    assert list(message["payload"]["data"]["e"]) == ["__typename", "id", "kind"]
    await client.close()
