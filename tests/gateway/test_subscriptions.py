"""Subscriptions through the gateway over graphql-transport-ws, on real servers (uvicorn, websockets)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
import websockets
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from websockets.typing import Subprotocol

from gateway.app import create_gateway_app
from gateway.gateway import Gateway
from gateway.settings import GatewaySettings
from services.common.identity import Role, mint_token
from tests.gateway import subgraphs
from tests.gateway.conftest import SCHEMAS
from tests.support import eventually, serving
from tests.test_tracing import own_id, parent_id, spans

__all__ = ["spans"]

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


INIT = json.dumps({"type": "connection_init", "payload": {}})
WAREHOUSE = {"query": "{ warehouse }"}


async def _close_of(socket: Any) -> tuple[int, str]:
    """Read until the gateway closes the socket; its code and reason (a timeout if it never does)."""
    frame = None
    async with asyncio.timeout(10):
        while True:
            try:
                await socket.recv()
            except websockets.ConnectionClosed as closed:
                frame = closed.rcvd
                break
    assert frame is not None, "the socket was dropped without a close frame"
    return frame.code, frame.reason


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        ([INIT, "[1, 2]"], 4400),
        ([INIT, '"subscribe"'], 4400),
        ([INIT, "not json"], 4400),
        ([INIT, b"\x00binary"], 4400),
        ([INIT, json.dumps({"type": "subscribe", "payload": WAREHOUSE})], 4400),
        ([INIT, json.dumps({"id": 7, "type": "subscribe", "payload": WAREHOUSE})], 4400),
        ([INIT, json.dumps({"id": "s", "type": "subscribe", "payload": "{ warehouse }"})], 4400),
        ([INIT, json.dumps({"id": "s", "type": "subscribe"})], 4400),
        ([INIT, json.dumps({"type": "no-such-type"})], 4400),
        ([INIT, INIT], 4429),
        ([json.dumps({"id": "s", "type": "subscribe", "payload": WAREHOUSE})], 4401),
        (["[]"], 4400),
        ([json.dumps({"type": "connection_init", "payload": "token"})], 4400),
    ],
)
async def test_protocol_violations_close_the_socket_with_the_code_the_spec_gives(gateway_url: str, frames: list[Any], code: int) -> None:
    async with websockets.connect(gateway_url, subprotocols=[PROTOCOL]) as socket:
        for frame in frames:
            await socket.send(frame)
        closed = await _close_of(socket)

    assert closed[0] == code


async def test_a_server_failure_in_one_operation_is_an_error_message_and_the_socket_stays_open(
    gateway_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Gateway.subscribe

    async def failing(self: Gateway, body: Any, headers: dict[str, str], **options: Any) -> AsyncIterator[Any]:
        if "boom" in body["query"]:
            raise RuntimeError("a bug with internal details")
        async for response in original(self, body, headers, **options):
            yield response

    monkeypatch.setattr(Gateway, "subscribe", failing)
    async with websockets.connect(gateway_url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(INIT)
        assert (await _receive(socket))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "bad", "type": "subscribe", "payload": {"query": "{ boom: warehouse }"}}))
        failed = await _receive(socket)
        await socket.send(json.dumps({"type": "ping"}))
        pong = await _receive(socket)
        await socket.send(json.dumps({"id": "good", "type": "subscribe", "payload": WAREHOUSE}))
        good = [await _receive(socket) for _ in range(2)]

    assert failed == {
        "id": "bad",
        "type": "error",
        "payload": [{"message": "the operation failed on the server", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}],
    }
    assert pong == {"type": "pong"}
    assert good == [{"id": "good", "type": "next", "payload": {"data": {"warehouse": "Chaoyang"}}}, {"id": "good", "type": "complete"}]


async def test_each_operation_on_the_socket_is_a_span_from_subscribe_to_its_end(
    gateway_url: str, monkeypatch: pytest.MonkeyPatch, spans: InMemorySpanExporter
) -> None:
    original = Gateway.subscribe

    async def subscribe(self: Gateway, body: Any, headers: dict[str, str], **options: Any) -> AsyncIterator[Any]:
        if "boom" in body["query"]:
            raise RuntimeError("a bug")
        async for response in original(self, body, headers, **options):
            yield response
        if "forever" in body["query"]:
            await asyncio.Event().wait()

    monkeypatch.setattr(Gateway, "subscribe", subscribe)
    async with websockets.connect(gateway_url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(INIT)
        assert (await _receive(socket))["type"] == "connection_ack"
        query = "subscription Prices { priceChanged(limit: 2) { name reviews { body } } }"
        await socket.send(json.dumps({"id": "s1", "type": "subscribe", "payload": {"query": query, "operationName": "Prices"}}))
        assert [(await _receive(socket))["type"] for _ in range(3)] == ["next", "next", "complete"]
        await socket.send(json.dumps({"id": "bad", "type": "subscribe", "payload": {"query": "{ boom: warehouse }"}}))
        assert (await _receive(socket))["type"] == "error"
        await socket.send(json.dumps({"id": "long", "type": "subscribe", "payload": {"query": "{ forever: warehouse }"}}))
        assert (await _receive(socket))["type"] == "next"
        await socket.send(json.dumps({"id": "long", "type": "complete"}))

        async def cancelled() -> bool:
            return any(s.name == "gateway subscribe warehouse" for s in spans.get_finished_spans())

        await eventually(cancelled, what="the cancelled operation's span")

    recorded = list(spans.get_finished_spans())
    operations = {(s.attributes or {}).get("renling.websocket.operation_id"): s for s in recorded if s.name.startswith("gateway subscribe")}
    assert {key: (s.name, s.kind) for key, s in operations.items()} == {
        "s1": ("gateway subscribe Prices", SpanKind.SERVER),
        "bad": ("gateway subscribe anonymous", SpanKind.SERVER),  # it failed before it was planned
        "long": ("gateway subscribe warehouse", SpanKind.SERVER),
    }
    outcomes = {key: (dict(s.attributes or {})["renling.websocket.outcome"], s.status.status_code) for key, s in operations.items()}
    assert outcomes == {"s1": ("complete", StatusCode.UNSET), "bad": ("failed", StatusCode.ERROR), "long": ("cancelled", StatusCode.UNSET)}
    assert (operations["s1"].attributes or {})["renling.subscription.responses"] == 2
    fetches = [s for s in recorded if s.name.startswith("subgraph ") and s.parent is not None and parent_id(s) == own_id(operations["s1"])]
    assert fetches, "the subgraph fetches of the subscription's events are its children"
