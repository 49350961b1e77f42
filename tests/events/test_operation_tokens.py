"""A subscription may carry its own token (``payload.extensions.authorization``): it runs as that token's caller, so
callers with different grants can share one socket and still see only their own events; a bad or expired token ends
that operation only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette
from websockets.typing import Subprotocol

from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from services.events.schema.sockets import OPERATION_AUTHORIZATION, OPERATIONS_PER_CONNECTION
from tests.events.conftest import event, place
from tests.support import eventually, fast_settings, serving

PROTOCOL = Subprotocol("graphql-transport-ws")
IDS = "subscription { events { id community } }"
SETTINGS = fast_settings()


@pytest.fixture
async def service() -> AsyncIterator[tuple[str, InProcessBus, Starlette]]:
    bus = InProcessBus()
    app = create_app(SETTINGS, bus=bus, memory=MemoryServer())
    async with AsyncExitStack() as stack:
        base = await stack.enter_async_context(serving(app))
        await bus.publish(place("c1", "d1"))
        await bus.publish(place("c2", "d1"))
        await bus.drain()
        yield base.replace("http", "ws", 1) + "/graphql", bus, app
    await bus.close()


def _partner(community: str, *, ttl: timedelta = timedelta(hours=1)) -> str:
    return "Bearer " + mint_token(SETTINGS, subject=f"partner-{community}", roles=[Role.PARTNER], communities=[community], ttl=ttl)


async def _anonymous(url: str) -> tuple[Any, dict[str, Any]]:
    socket = await websockets.connect(url, subprotocols=[PROTOCOL])
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack: dict[str, Any] = json.loads(await socket.recv())
    return socket, ack


async def _subscribe(socket: Any, operation_id: str, authorization: str) -> None:
    payload = {"query": IDS, "extensions": {"authorization": authorization}}
    await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))


async def _following(app: Starlette, count: int) -> None:
    tail = app.state.handlers.tail

    async def reached() -> bool:
        return bool(tail.following == count)

    await eventually(reached, what=f"{count} subscriptions following the feed")


async def _receive(socket: Any, count: int, within: float = 10) -> list[dict[str, Any]]:
    async with asyncio.timeout(within):
        return [json.loads(await socket.recv()) for _ in range(count)]


async def test_operations_with_their_own_tokens_over_one_socket_each_see_only_their_grants(
    service: tuple[str, InProcessBus, Starlette],
) -> None:
    url, bus, app = service
    socket, ack = await _anonymous(url)
    await _subscribe(socket, "one", _partner("c1"))
    await _subscribe(socket, "two", _partner("c2"))
    await _following(app, 2)
    in_c1, in_c2 = event("needs.item.published.v1", "c1", item_id="a"), event("needs.item.published.v1", "c2", item_id="b")
    await bus.publish(in_c1)
    await bus.publish(in_c2)
    await bus.drain()

    got = await _receive(socket, 2)

    assert ack == {"type": "connection_ack", "payload": {OPERATION_AUTHORIZATION: True, OPERATIONS_PER_CONNECTION: 100}}
    assert sorted((m["id"], m["payload"]["data"]["events"]["id"]) for m in got) == sorted([("one", in_c1.id), ("two", in_c2.id)])
    await socket.close()


async def test_a_bad_token_is_an_error_for_its_operation_and_the_socket_serves_the_others(
    service: tuple[str, InProcessBus, Starlette],
) -> None:
    url, bus, app = service
    socket, _ = await _anonymous(url)
    await _subscribe(socket, "forged", "Bearer forged")
    refused = await _receive(socket, 1)
    await _subscribe(socket, "good", _partner("c1"))
    await _following(app, 1)
    published = event("needs.item.published.v1", "c1", item_id="a")
    await bus.publish(published)
    await bus.drain()

    good = await _receive(socket, 1)

    assert [(m["id"], m["type"], m["payload"][0]["extensions"]) for m in refused] == [("forged", "error", {"code": "UNAUTHENTICATED"})]
    assert good[0]["id"] == "good"
    assert good[0]["payload"]["data"]["events"]["id"] == published.id
    await socket.close()


async def test_an_operations_own_token_expiring_ends_that_operation_only(service: tuple[str, InProcessBus, Starlette]) -> None:
    url, bus, app = service
    socket, _ = await _anonymous(url)
    await _subscribe(socket, "short", _partner("c1", ttl=timedelta(seconds=2)))
    await _subscribe(socket, "long", _partner("c1"))

    ended = await _receive(socket, 2, within=15)
    await socket.send(json.dumps({"type": "ping"}))
    pong = await _receive(socket, 1)
    await _following(app, 1)  # the short one ended, the long one follows on
    published = event("needs.item.published.v1", "c1", item_id="a")
    await bus.publish(published)
    await bus.drain()
    still = await _receive(socket, 1)

    assert [m["id"] for m in ended] == ["short", "short"]
    assert ended[0]["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert ended[1]["type"] == "complete"
    assert pong == [{"type": "pong"}]
    assert (still[0]["id"], still[0]["payload"]["data"]["events"]["id"]) == ("long", published.id)
    await socket.close()
