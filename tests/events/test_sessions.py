"""A subscription lives no longer than its token, through the gateway and on the events subgraph; bad cursors are typed errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from websockets.typing import Subprotocol

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.pagination import encode_cursor
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from tests.events.conftest import place
from tests.support import fast_settings, serving

PROTOCOL = Subprotocol("graphql-transport-ws")
EXPIRED = "the token expired: connect again with a fresh one"
FROM_THE_START = encode_cursor([0])


@dataclass
class Platform:
    """The events service and a gateway over it, on real servers."""

    settings: Settings
    bus: InProcessBus
    gateway: str
    events: str

    def partner(self, *, ttl: timedelta) -> str:
        return mint_token(self.settings, subject="partner", roles=[Role.PARTNER], communities=["c1"], ttl=ttl)


@pytest.fixture
async def platform() -> AsyncIterator[Platform]:
    settings = fast_settings()
    bus = InProcessBus()
    app = create_app(settings, bus=bus, memory=MemoryServer())
    async with AsyncExitStack() as stack:
        events = (await stack.enter_async_context(serving(app))) + "/graphql"

        class OnlyEvents(GatewaySettings):
            def subgraph_urls(self) -> dict[str, str]:
                return {"events": events}

        gateway = await stack.enter_async_context(serving(create_gateway_app(OnlyEvents(**settings.model_dump()))))
        await bus.publish(place("c1", "d1"))
        await bus.drain()
        yield Platform(settings, bus, gateway.replace("http", "ws", 1) + "/graphql", events.replace("http", "ws", 1))
    await bus.close()


async def _receive(socket: Any, within: float = 15) -> dict[str, Any]:
    async with asyncio.timeout(within):
        message: dict[str, Any] = json.loads(await socket.recv())
    return message


async def _subscribed(url: str, token: str, query: str) -> Any:
    socket = await websockets.connect(url, subprotocols=[PROTOCOL])
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert (await _receive(socket))["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "live", "type": "subscribe", "payload": {"query": query}}))
    return socket


async def _closed(socket: Any) -> tuple[int, str]:
    """Read until the server closes the socket; its close code and reason (fails if it stays open)."""
    async with asyncio.timeout(20):
        while True:
            try:
                await socket.recv()
            except websockets.ConnectionClosed as closed:
                frame = closed.rcvd
                break
    assert frame is not None
    return frame.code, frame.reason


@pytest.mark.parametrize("through", ["gateway", "events subgraph"])
async def test_a_subscription_is_closed_with_4403_when_its_token_expires(platform: Platform, through: str) -> None:
    url = platform.gateway if through == "gateway" else platform.events
    query = f'subscription {{ events(after: "{FROM_THE_START}") {{ routingKey community }} }}'
    socket = await _subscribed(url, platform.partner(ttl=timedelta(seconds=3)), query)

    first = await _receive(socket)
    code, reason = await _closed(socket)

    assert first["payload"]["data"]["events"] == {"routingKey": "orgs.community.registered.v1", "community": "c1"}
    assert (code, reason) == (4403, EXPIRED)


async def test_a_token_already_expired_is_refused_at_connection_init(platform: Platform) -> None:
    """Within the verifier's clock-skew leeway an expired token still verifies; the socket must not be acknowledged."""
    socket = await websockets.connect(platform.gateway, subprotocols=[PROTOCOL])
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {platform.partner(ttl=timedelta(seconds=-5))}"}})
    )

    assert await _closed(socket) == (4403, EXPIRED)


@pytest.mark.parametrize("cursor", ["garbage", encode_cursor(["abc"]), encode_cursor([[1]]), encode_cursor([-1]), encode_cursor([True])])
async def test_a_tampered_cursor_in_a_subscription_is_a_typed_error_naming_the_argument(platform: Platform, cursor: str) -> None:
    query = f'subscription {{ events(after: "{cursor}") {{ routingKey }} }}'
    async with await _subscribed(platform.gateway, platform.partner(ttl=timedelta(hours=1)), query) as socket:
        frame = await _receive(socket)

    assert frame["type"] == "next"
    assert frame["payload"] == {
        "data": None,
        "errors": [
            {
                "message": "this cursor is not valid for this list",
                "path": ["events"],
                "extensions": {"code": "INVALID_INPUT", "field": "after", "subgraph": "events"},
            }
        ],
    }


async def test_webhook_ssrf_addresses_and_tampered_cursors_are_refused_through_the_gateway(platform: Platform) -> None:
    partner = platform.partner(ttl=timedelta(hours=1))
    register = "mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { endpoint { id } errors { code field message } } }"
    async with httpx.AsyncClient(base_url=platform.gateway.replace("ws", "http", 1).removesuffix("/graphql")) as client:
        answers = {}
        for url in ["http://100.100.100.200/latest/meta-data/", "http://100.64.0.1/", "http://[2002:7f00:1::]/", "ftp://partner.example/"]:
            response = await client.post(
                "/graphql", json={"query": register, "variables": {"i": {"url": url}}}, headers={"authorization": f"Bearer {partner}"}
            )
            answers[url] = response.json()["data"]["registerWebhook"]
        tampered = await client.post(
            "/graphql",
            json={"query": f'{{ events(after: "{encode_cursor(["abc"])}") {{ edges {{ cursor }} }} }}'},
            headers={"authorization": f"Bearer {partner}"},
        )

    for url, answer in answers.items():
        assert answer["endpoint"] is None, url
        assert [(e["code"], e["field"]) for e in answer["errors"]] == [("INVALID_INPUT", "url")], url
    assert answers["ftp://partner.example/"]["errors"][0]["message"].startswith("the scheme ftp:// is not allowed")
    error = tampered.json()["errors"][0]
    assert (error["message"], error["extensions"]["code"], error["extensions"]["field"]) == (
        "this cursor is not valid for this list",
        "INVALID_INPUT",
        "after",
    )
