"""Subscriptions through the gateway over graphql-transport-ws, on real servers (uvicorn, websockets)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from websockets.typing import Subprotocol

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.common.identity import Role, mint_token
from tests.gateway import subgraphs
from tests.gateway.conftest import SCHEMAS
from tests.support import serving

PROTOCOL = Subprotocol("graphql-transport-ws")


@pytest.fixture
async def gateway_url(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setattr(subgraphs, "CALLS", [])
    async with AsyncExitStack() as stack:
        urls = {}
        for name, schema in SCHEMAS.items():
            view = GraphQL(schema, graphql_ide=None)
            app = Starlette(routes=[Route("/graphql", view), WebSocketRoute("/graphql", view)])
            urls[name] = (await stack.enter_async_context(serving(app))) + "/graphql"
        monkeypatch.setattr(GatewaySettings, "subgraph_urls", lambda self: urls)
        base = await stack.enter_async_context(serving(create_gateway_app(GatewaySettings())))
        yield base.replace("http", "ws", 1) + "/graphql"


async def _receive(socket: Any) -> dict[str, Any]:
    async with asyncio.timeout(10):
        message: dict[str, Any] = json.loads(await socket.recv())
    return message


async def test_subscription_events_are_joined_with_other_subgraphs(gateway_url: str) -> None:
    async with websockets.connect(gateway_url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await _receive(socket))["type"] == "connection_ack"
        query = "subscription { priceChanged(limit: 2) { name reviews { body author { name } } } }"
        await socket.send(json.dumps({"id": "s1", "type": "subscribe", "payload": {"query": query}}))

        frames = [await _receive(socket) for _ in range(3)]

    assert frames == [
        {
            "id": "s1",
            "type": "next",
            "payload": {"data": {"priceChanged": {"name": "Kettle", "reviews": [{"body": "Boils fast", "author": {"name": "Ann"}}]}}},
        },
        {
            "id": "s1",
            "type": "next",
            "payload": {
                "data": {
                    "priceChanged": {
                        "name": "Teapot",
                        "reviews": [{"body": "Leaks", "author": {"name": "Bob"}}, {"body": "Pretty", "author": {"name": "Ann"}}],
                    }
                }
            },
        },
        {"id": "s1", "type": "complete"},
    ]


async def test_queries_also_run_over_the_socket_and_a_bad_token_closes_it(gateway_url: str) -> None:
    async with websockets.connect(gateway_url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"Authorization": f"Bearer {mint_token(GatewaySettings(), subject='u', roles=[Role.RESIDENT])}"},
                }
            )
        )
        assert (await _receive(socket))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ warehouse me { name } }"}}))
        assert await _receive(socket) == {"id": "q", "type": "next", "payload": {"data": {"warehouse": "Chaoyang", "me": {"name": "Ann"}}}}
        assert await _receive(socket) == {"id": "q", "type": "complete"}

    async with websockets.connect(gateway_url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


@pytest.fixture
def three_per_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT", "3/minute")


async def test_subscribing_over_the_limit_gets_a_rate_limited_error_and_the_socket_stays_open(
    three_per_minute: None, gateway_url: str
) -> None:
    async with websockets.connect(gateway_url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await _receive(socket))["type"] == "connection_ack"
        frames = []
        for n in range(4):
            await socket.send(json.dumps({"id": f"q{n}", "type": "subscribe", "payload": {"query": "{ warehouse }"}}))
            frames += [await _receive(socket) for _ in range(2 if n < 3 else 1)]
        await socket.send(json.dumps({"type": "ping"}))
        pong = await _receive(socket)

    assert [frame["type"] for frame in frames] == ["next", "complete"] * 3 + ["error"]
    assert frames[-1]["id"] == "q3"
    assert frames[-1]["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert pong == {"type": "pong"}
