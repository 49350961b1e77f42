"""GraphQL over WebSocket (graphql-transport-ws) on a real server, token in ``connection_init``."""

from __future__ import annotations

import json
from typing import Any

import pytest
import websockets
from websockets.typing import Subprotocol

from services.common.identity import Role
from services.needs.app import create_app
from tests.needs.conftest import knowing
from tests.support import fast_settings, serving, token

PROTOCOL = Subprotocol("graphql-transport-ws")
SUBMIT = 'mutation { submitNeed(input: {communityId: "c1", title: "加装扶手"}) { need { title } errors { message } } }'


def _ws(base: str) -> str:
    return base.replace("http", "ws", 1) + "/graphql"


async def _receive(socket: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await socket.recv())
    return message


async def test_operations_over_graphql_transport_ws_with_the_token_in_connection_init() -> None:
    settings = fast_settings()
    resident = token(settings, Role.RESIDENT, communities=["c1"])
    app = create_app(settings, memory=knowing("c1"))
    async with serving(app) as base, websockets.connect(_ws(base), subprotocols=[PROTOCOL]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {resident}"}}))
        assert (await _receive(socket))["type"] == "connection_ack"

        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBMIT}}))
        assert await _receive(socket) == {
            "id": "1",
            "type": "next",
            "payload": {"data": {"submitNeed": {"need": {"title": "加装扶手"}, "errors": []}}},
        }
        assert await _receive(socket) == {"id": "1", "type": "complete"}

        await socket.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": "{ needs { totalCount } }"}}))
        assert (await _receive(socket))["payload"] == {"data": {"needs": {"totalCount": 1}}}


async def test_a_bad_token_in_connection_init_closes_the_socket() -> None:
    async with serving(create_app(fast_settings())) as base, websockets.connect(_ws(base), subprotocols=[PROTOCOL]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403
