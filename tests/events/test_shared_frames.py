"""Live frames are rendered once per selection and visibility class and sent to every subscriber of it; who sees which
event is decided per subscriber as before (partners with different grants never see each other's events)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette
from websockets.typing import Subprotocol

from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from services.events.schema.frames import Frames
from tests.events.conftest import event, place
from tests.support import eventually, fast_settings, serving

PROTOCOL = Subprotocol("graphql-transport-ws")
QUERY = "subscription { events { id routingKey community data } }"
OTHER_QUERY = "subscription { events { subject: id kind: routingKey } }"


@dataclass
class Live:
    settings: Settings
    bus: InProcessBus
    url: str
    frames: Frames
    app: Starlette

    async def following(self, count: int) -> None:
        """Until ``count`` subscriptions follow the feed (each misses nothing published after)."""
        tail = self.app.state.handlers.tail

        async def reached() -> bool:
            return bool(tail.following == count)

        await eventually(reached, what=f"{count} subscriptions following the feed")

    def token(self, role: Role, community: str, subject: str) -> str:
        return mint_token(self.settings, subject=subject, roles=[role], communities=[community])

    async def publish(self, *events: Any) -> None:
        for item in events:
            await self.bus.publish(item)
        await self.bus.drain()


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    settings = fast_settings()
    bus = InProcessBus()
    app = create_app(settings, bus=bus, memory=MemoryServer())
    async with AsyncExitStack() as stack:
        base = await stack.enter_async_context(serving(app))
        service = Live(settings, bus, base.replace("http", "ws", 1) + "/graphql", app.state.frames, app)
        await service.publish(place("c1", "d1"), place("c2", "d1"))
        yield service
    await bus.close()


async def _subscribe(url: str, token: str, query: str, operation_id: str) -> Any:
    socket = await websockets.connect(url, subprotocols=[PROTOCOL])
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query}}))
    return socket


async def _frames(socket: Any, count: int) -> list[dict[str, Any]]:
    """The next ``count`` messages, then nothing more for a moment (fails on a timeout or on one message too many)."""
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        while len(got) < count:
            got.append(json.loads(await socket.recv()))
    try:
        async with asyncio.timeout(0.3):
            extra = await socket.recv()
    except TimeoutError:
        return got
    pytest.fail(f"one frame too many: {extra}")


async def test_one_rendering_per_selection_and_class_reaches_each_subscriber_with_its_own_id(live: Live) -> None:
    one = await _subscribe(live.url, live.token(Role.PARTNER, "c1", "partner-a"), QUERY, "a")
    two = await _subscribe(live.url, live.token(Role.PARTNER, "c1", "partner-b"), QUERY, "b-7")
    staff = await _subscribe(live.url, live.token(Role.COMMUNITY_STAFF, "c1", "staff"), QUERY, "s")
    other = await _subscribe(live.url, live.token(Role.PARTNER, "c1", "partner-c"), OTHER_QUERY, "o")
    await live.following(4)
    before = live.frames.renderings
    published = event("needs.item.published.v1", "c1", item_id="i1")
    await live.publish(published)

    got_one, got_two, got_staff, got_other = [(await _frames(socket, 1))[0] for socket in (one, two, staff, other)]

    assert [got_one["id"], got_two["id"], got_staff["id"]] == ["a", "b-7", "s"]
    assert got_one["type"] == got_two["type"] == "next"
    assert got_one["payload"] == got_two["payload"] == got_staff["payload"]
    assert got_one["payload"]["data"]["events"]["id"] == published.id
    assert got_other["payload"] == {"data": {"events": {"subject": published.id, "kind": "needs.item.published.v1"}}}
    # the two partners share one rendering; staff (every event of c1) is another class; the other selection its own
    assert live.frames.renderings - before == 3
    for socket in (one, two, staff, other):
        await socket.close()


async def test_partners_with_different_grants_never_see_each_others_events(live: Live) -> None:
    in_c1 = await _subscribe(live.url, live.token(Role.PARTNER, "c1", "partner-1"), QUERY, "1")
    in_c2 = await _subscribe(live.url, live.token(Role.PARTNER, "c2", "partner-2"), QUERY, "2")
    staff_c1 = await _subscribe(live.url, live.token(Role.COMMUNITY_STAFF, "c1", "staff-1"), QUERY, "3")
    await live.following(3)
    public_c1 = event("needs.item.published.v1", "c1", item_id="p1")
    private_c1 = event("needs.item.drafted.v1", "c1", item_id="d1")  # not public: staff only
    public_c2 = event("needs.item.published.v1", "c2", item_id="p2")
    await live.publish(public_c1, private_c1, public_c2)

    seen_c1 = [frame["payload"]["data"]["events"]["id"] for frame in await _frames(in_c1, 1)]
    seen_c2 = [frame["payload"]["data"]["events"]["id"] for frame in await _frames(in_c2, 1)]
    seen_staff = [frame["payload"]["data"]["events"]["id"] for frame in await _frames(staff_c1, 2)]

    assert seen_c1 == [public_c1.id]
    assert seen_c2 == [public_c2.id]
    assert seen_staff == [public_c1.id, private_c1.id]
    for socket in (in_c1, in_c2, staff_c1):
        await socket.close()
