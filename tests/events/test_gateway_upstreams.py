"""Through the gateway: subscriptions share upstream sockets — every client's over one socket to the events service, which
authorizes each by its client's own token; a subgraph that does not gets one socket per client connection (never
shared between tokens); one subscription can end while the others go on; after the upstream socket closes, the next
subscription opens a new one. Fragments and conditions are still shaped as asked."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from websockets.typing import Subprotocol

from gateway import websocket_upstream
from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.common.bus.memory import InProcessBus
from services.common.graphql.view import GraphQLView
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
    events: Starlette

    async def following(self, count: int) -> None:
        """Until exactly ``count`` subscriptions follow the feed on the events service (each misses nothing published after)."""
        tail = self.events.state.handlers.tail

        async def reached() -> bool:
            return bool(tail.following == count)

        await eventually(reached, what=f"{count} subscriptions following the feed")

    def partner(self, subject: str, community: str = "c1") -> str:
        return mint_token(self.settings, subject=subject, roles=[Role.PARTNER], communities=[community])

    async def publish(self, *events: Any) -> None:
        for item in events:
            await self.bus.publish(item)
        await self.bus.drain()


@pytest.fixture
async def platform() -> AsyncIterator[Platform]:
    settings = fast_settings()
    bus = InProcessBus()
    events_app = create_app(settings, bus=bus, memory=MemoryServer())
    upstream = Sockets(events_app)
    async with AsyncExitStack() as stack:
        events = (await stack.enter_async_context(serving(upstream))) + "/graphql"

        class OnlyEvents(GatewaySettings):
            def subgraph_urls(self) -> dict[str, str]:
                return {"events": events}

        gateway = await stack.enter_async_context(serving(create_gateway_app(OnlyEvents(**settings.model_dump()))))
        platform = Platform(settings, bus, gateway.replace("http", "ws", 1) + "/graphql", upstream, events_app)
        await platform.publish(place("c1", "d1"), place("c2", "d1"))
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


async def test_every_clients_subscriptions_share_one_upstream_socket_each_authorized_by_its_own_token(platform: Platform) -> None:
    client = await _connected(platform.gateway, platform.partner("partner-a", "c1"))
    await _subscribe(client, "ids", IDS)
    await _subscribe(client, "keys", KEYS)
    other = await _connected(platform.gateway, platform.partner("partner-b", "c2"))
    await _subscribe(other, "mine", IDS)
    await platform.following(3)
    in_c1 = event("needs.item.published.v1", "c1", item_id="i1")
    in_c2 = event("needs.item.published.v1", "c2", item_id="i2")
    await platform.publish(in_c1, in_c2)

    got = {message["id"]: message for message in await _messages(client, 2)}
    got_other = await _messages(other, 1)

    assert got["ids"] == {"id": "ids", "type": "next", "payload": {"data": {"events": {"id": in_c1.id}}}}
    assert got["keys"]["payload"] == {"data": {"events": {"id": in_c1.id, "routingKey": "needs.item.published.v1", "community": "c1"}}}
    assert got_other == [{"id": "mine", "type": "next", "payload": {"data": {"events": {"id": in_c2.id}}}}]
    assert await _quiet(client)  # partner-a's token does not reach c2, partner-b's does not reach c1
    assert await _quiet(other)
    assert len(platform.upstream.senders) == 1  # one socket to the events service for both clients

    await client.send(json.dumps({"id": "ids", "type": "complete"}))
    await platform.following(2)  # the completed one ended on the events service too
    second = event("needs.item.published.v1", "c1", item_id="i3")
    await platform.publish(second)

    assert await _messages(client, 1) == [{"id": "keys", "type": "next", "payload": {"data": {"events": {
        "id": second.id, "routingKey": "needs.item.published.v1", "community": "c1"}}}}]  # fmt: skip
    assert await _quiet(client)  # the completed one got nothing more
    await client.close()
    await other.close()


async def test_a_subgraph_that_does_not_authorize_each_subscription_gets_one_socket_per_client_connection(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(websocket_upstream, "OPERATION_AUTHORIZATION", "not.what.the.events.service.says")
    client = await _connected(platform.gateway, platform.partner("partner-a", "c1"))
    await _subscribe(client, "ids", IDS)
    await _subscribe(client, "keys", KEYS)
    await platform.following(2)
    first = event("needs.item.published.v1", "c1", item_id="i1")
    await platform.publish(first)

    assert {message["id"] for message in await _messages(client, 2)} == {"ids", "keys"}
    own_sockets = len(platform.upstream.senders) - 1  # the first was the probe of the shared socket (closed at once)
    assert own_sockets == 1  # the connection's two subscriptions over one socket of its own

    other = await _connected(platform.gateway, platform.partner("partner-b", "c1"))
    await _subscribe(other, "mine", IDS)
    await platform.following(3)
    await platform.publish(event("needs.item.published.v1", "c1", item_id="i2"))

    assert (await _messages(other, 1))[0]["id"] == "mine"
    assert len(platform.upstream.senders) - 1 == 2  # another client (another token): a socket of its own
    await client.close()
    await other.close()


async def test_when_the_upstream_socket_closes_its_subscriptions_fail_and_the_next_one_opens_a_new_socket(
    platform: Platform,
) -> None:
    client = await _connected(platform.gateway, platform.partner("partner-a"))
    await _subscribe(client, "before", IDS)
    await platform.following(1)
    await platform.upstream.close_all()

    failed = await _messages(client, 1)

    assert failed == [
        {
            "id": "before",
            "type": "error",
            "payload": [{"message": "the operation failed on the server", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}],
        }
    ]
    await platform.following(0)  # the events service let go of the closed socket's subscription
    await _subscribe(client, "after", IDS)

    async def reconnected() -> bool:
        return len(platform.upstream.senders) == 2

    await eventually(reconnected, what="a new upstream socket")
    await platform.following(1)
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
    await platform.following(1)
    published = event("needs.item.published.v1", "c1", item_id="i1")
    await platform.publish(published)

    (message,) = await _messages(client, 1)

    assert message["payload"] == {"data": {"e": {"__typename": "DomainEvent", "id": published.id, "kind": "needs.item.published.v1"}}}
    assert list(message["payload"]["data"]["e"]) == ["__typename", "id", "kind"]
    await client.close()


async def test_the_gateway_opens_another_shared_socket_when_one_carries_as_many_operations_as_the_subgraph_allows(
    platform: Platform,
) -> None:
    (view,) = [route.endpoint for route in platform.events.routes if isinstance(route, WebSocketRoute)]
    assert isinstance(view, GraphQLView)
    view.max_subscriptions_per_connection = 2
    clients = [await _connected(platform.gateway, platform.partner(f"partner-{n}")) for n in range(3)]
    for number, client in enumerate(clients):
        await _subscribe(client, f"s{number}", IDS)
    await platform.following(3)
    published = event("needs.item.published.v1", "c1", item_id="i1")
    await platform.publish(published)

    got = [await _messages(client, 1) for client in clients]

    assert got == [[{"id": f"s{n}", "type": "next", "payload": {"data": {"events": {"id": published.id}}}}] for n in range(3)]
    assert len(platform.upstream.senders) == 2  # two operations on the first socket, the third on a second one
    for client in clients:
        await client.close()
