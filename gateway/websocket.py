"""graphql-transport-ws between clients and the gateway: subscriptions (and queries) over WebSocket.

The token may come in the upgrade's Authorization header or, as browsers need, in the
``connection_init`` payload; a bad one closes the socket with 4403. Each ``subscribe`` runs as
its own task; ``complete`` from the client cancels it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.client import forwarded
from gateway.gateway import Gateway
from gateway.rate_limit import RateLimiter
from services.common.graphql.view import bearer_token
from services.common.identity import AuthenticationError, TokenVerifier

__all__ = ["serve_websocket"]

PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT_S = 10.0


async def serve_websocket(socket: WebSocket) -> None:
    """One client connection."""
    if PROTOCOL not in socket.scope.get("subprotocols", []):
        await socket.close(code=4406, reason="use the graphql-transport-ws subprotocol")
        return
    await socket.accept(subprotocol=PROTOCOL)
    connected = await _connection_init(socket)
    if connected is None:
        return
    headers, caller = connected
    limiter: RateLimiter | None = socket.app.state.limiter
    gateway: Gateway = socket.app.state.gateway
    running: dict[str, asyncio.Task[None]] = {}
    send_lock = asyncio.Lock()

    async def send(message: dict[str, Any]) -> None:
        async with send_lock:
            await socket.send_text(json.dumps(message))

    async def operate(operation_id: str, payload: dict[str, Any]) -> None:
        try:
            async for response in gateway.subscribe(payload, headers):
                await send({"id": operation_id, "type": "next", "payload": response})
            await send({"id": operation_id, "type": "complete"})
        finally:
            running.pop(operation_id, None)

    try:
        while True:
            message = json.loads(await socket.receive_text())
            kind = message.get("type")
            if kind == "ping":
                await send({"type": "pong"})
            elif kind == "subscribe":
                operation_id = str(message.get("id"))
                if operation_id in running:
                    await socket.close(code=4409, reason=f"Subscriber for {operation_id} already exists")
                    return
                wait = await limiter.admit(caller) if limiter is not None else None
                if limiter is not None and wait is not None:
                    await send({"id": operation_id, "type": "error", "payload": [limiter.refusal(wait)]})
                    continue
                running[operation_id] = asyncio.create_task(operate(operation_id, message.get("payload") or {}))
            elif kind == "complete":
                task = running.pop(str(message.get("id")), None)
                if task is not None:
                    task.cancel()
    except (WebSocketDisconnect, json.JSONDecodeError):
        pass
    finally:
        for task in running.values():
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*running.values(), return_exceptions=True)


async def _connection_init(socket: WebSocket) -> tuple[dict[str, str], str] | None:
    """Wait for ``connection_init``, check the token, acknowledge.

    The headers to forward and the caller's rate-limit key (token subject, else client address),
    or None if the socket was closed.
    """
    try:
        async with asyncio.timeout(INIT_TIMEOUT_S):
            message = json.loads(await socket.receive_text())
    except (TimeoutError, WebSocketDisconnect, json.JSONDecodeError):
        await socket.close(code=4408, reason="Connection initialisation timeout")
        return None
    if message.get("type") != "connection_init":
        await socket.close(code=4400, reason="expected connection_init")
        return None
    headers = forwarded(socket.headers)
    payload = message.get("payload") or {}
    given = payload.get("Authorization") or payload.get("authorization") if isinstance(payload, dict) else None
    if isinstance(given, str):
        headers["authorization"] = given
    token = bearer_token(headers)
    caller = f"address:{socket.client.host if socket.client else 'unknown'}"
    if token is not None:
        verifier: TokenVerifier = socket.app.state.verifier
        try:
            if not token:
                raise AuthenticationError("the Authorization value must be `Bearer <token>`")
            caller = f"subject:{(await verifier.verify(token)).subject}"
        except AuthenticationError:
            await socket.close(code=4403, reason="Forbidden")
            return None
    await socket.send_text(json.dumps({"type": "connection_ack"}))
    return headers, caller
