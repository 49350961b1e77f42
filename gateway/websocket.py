"""graphql-transport-ws between clients and the gateway: subscriptions (and queries) over WebSocket.

The token may come in the upgrade's Authorization header or, as browsers need, in the
``connection_init`` payload; a bad one closes the socket with 4403, and so does its expiry:
the socket is closed (4403, "the token expired…") the moment the token's ``exp`` passes, so a
subscription never outlives the credential it was opened with; clients re-connect with a fresh
token. Each ``subscribe`` runs as its own task; ``complete`` from the client cancels it.

The protocol's closures, as the spec lists them: a frame that is not a JSON object, a message of
an unknown type, or a ``subscribe`` without a string id or an object payload closes with 4400;
a second ``connection_init`` with 4429; a ``subscribe`` before ``connection_init`` with 4401; a
repeated operation id with 4409. A failure inside one operation (a subgraph down, a bug) is an
``error`` message for that operation only — the socket stays open for the others.

Subscriptions go upstream multiplexed (:mod:`gateway.websocket_upstream`): over one socket of the
whole gateway to a subgraph that authorizes each subscription by the client's own token (the
events service), else over one socket per client connection and subgraph, opened with the
client's token (never shared between clients). A subscription that is one subgraph's field with nothing to join has each upstream payload
forwarded as it came, under the client's id, without being shaped again.

Each operation is a server span from ``subscribe`` to its end (continuing a ``traceparent`` of the
upgrade request), with its outcome (complete, failed, cancelled) and the number of responses
sent; the subgraph fetches it makes are its children.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from gateway.client import forwarded
from gateway.gateway import Gateway, RawPayload
from gateway.rate_limit import RateLimiter
from gateway.websocket_upstream import SharedUpstreams, Upstreams
from services.common.graphql.view import bearer_token
from services.common.identity import AuthenticationError, TokenVerifier
from services.common.tracing import SpanKind, context_of, mark_failed, span

__all__ = ["serve_websocket"]

log = logging.getLogger(__name__)

PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT_S = 10.0
EXPIRED = "the token expired: connect again with a fresh one"
FAILED = [{"message": "the operation failed on the server", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]


class _Close(Exception):
    """Close the socket with this code and reason (a protocol violation)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


async def serve_websocket(socket: WebSocket) -> None:
    """One client connection."""
    if PROTOCOL not in socket.scope.get("subprotocols", []):
        await socket.close(code=4406, reason="use the graphql-transport-ws subprotocol")
        return
    await socket.accept(subprotocol=PROTOCOL)
    try:
        connected = await _connection_init(socket)
    except _Close as close:
        await _close(socket, close.code, close.reason)
        return
    if connected is None:
        return
    headers, caller, expires_at = connected
    session = _Session(socket, headers, caller)
    try:
        await session.run(expires_at)
    finally:
        await session.stop()


class _Session:
    """An acknowledged connection: the messages it receives and the operations it runs."""

    def __init__(self, socket: WebSocket, headers: dict[str, str], caller: str) -> None:
        self._socket = socket
        self._headers = headers
        self._caller = caller
        self._limiter: RateLimiter | None = socket.app.state.limiter
        self._gateway: Gateway = socket.app.state.gateway
        self._running: dict[str, asyncio.Task[None]] = {}
        self._send_lock = asyncio.Lock()
        urls = {name: subgraph.url for name, subgraph in self._gateway.supergraph.subgraphs.items()}
        self._upstreams = Upstreams(urls, headers.get("authorization"), _shared_upstreams(socket, self._gateway, urls))

    async def run(self, expires_at: datetime | None) -> None:
        """Serve messages until the client leaves, breaks the protocol, or the token expires."""
        receiving = asyncio.create_task(self._receive())
        watching = asyncio.create_task(_until(expires_at))
        try:
            done, _ = await asyncio.wait({receiving, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (receiving, watching):
                task.cancel()
            await asyncio.gather(receiving, watching, return_exceptions=True)
        if watching in done:
            await self._cancel_operations()
            await _close(self._socket, 4403, EXPIRED)
            return
        failure = receiving.exception()
        if isinstance(failure, _Close):
            await self._cancel_operations()
            await _close(self._socket, failure.code, failure.reason)
        elif failure is not None and not isinstance(failure, WebSocketDisconnect):
            log.error("websocket session failed", exc_info=failure)
            await self._cancel_operations()
            await _close(self._socket, 1011, "internal error")

    async def stop(self) -> None:
        """Cancel what still runs, and close the upstream sockets."""
        await self._cancel_operations()
        await self._upstreams.close()

    async def _receive(self) -> None:
        while True:
            message = _parsed(await _next_text(self._socket))
            kind = message.get("type")
            if kind == "ping":
                await self._send({"type": "pong"})
            elif kind == "pong":
                continue
            elif kind == "connection_init":
                raise _Close(4429, "Too many initialisation requests")
            elif kind == "subscribe":
                await self._subscribe(message)
            elif kind == "complete":
                operation_id = message.get("id")
                if not isinstance(operation_id, str):
                    raise _Close(4400, "complete needs the id of an operation")
                task = self._running.pop(operation_id, None)
                if task is not None:
                    task.cancel()
            else:
                raise _Close(4400, f"unknown message type {str(kind)[:40]!r}")

    async def _subscribe(self, message: dict[str, Any]) -> None:
        operation_id = message.get("id")
        payload = message.get("payload")
        if not isinstance(operation_id, str) or not operation_id:
            raise _Close(4400, "subscribe needs a string id")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            raise _Close(4400, "subscribe needs a payload object with a query string")
        if operation_id in self._running:
            raise _Close(4409, f"Subscriber for {operation_id[:64]} already exists")
        if self._limiter is not None:
            try:
                wait = await self._limiter.admit(self._caller)
            except Exception:
                log.exception("the rate limiter failed")
                await self._send({"id": operation_id, "type": "error", "payload": FAILED})
                return
            if wait is not None:
                await self._send({"id": operation_id, "type": "error", "payload": [self._limiter.refusal(wait)]})
                return
        self._running[operation_id] = asyncio.create_task(self._operate(operation_id, payload))

    async def _operate(self, operation_id: str, payload: dict[str, Any]) -> None:
        """Run one operation to its end in a server span (``gateway subscribe``, the gateway adds the operation's name):
        complete, failed or cancelled."""
        attributes = {"renling.websocket.operation_id": operation_id[:64]}
        parent = context_of(dict(self._socket.headers))
        with span("gateway subscribe", kind=SpanKind.SERVER, parent=parent, attributes=attributes) as current:
            outcome, responses = "failed", 0
            try:
                id_json = json.dumps(operation_id)
                async for response in self._gateway.subscribe(payload, self._headers, upstream=self._upstreams.subscribe):
                    if isinstance(response, RawPayload):  # the subgraph's payload is the response: forwarded as it came
                        await self._send_text('{"id":' + id_json + ',"type":"next","payload":' + response.text + "}")
                    else:
                        await self._send({"id": operation_id, "type": "next", "payload": response})
                    responses += 1
                await self._send({"id": operation_id, "type": "complete"})
                outcome = "complete"
            except asyncio.CancelledError:
                outcome = "cancelled"
                raise
            except Exception:
                log.exception("subscription %s failed", operation_id[:64])
                if current is not None:
                    mark_failed(current, "the operation failed on the server")
                with contextlib.suppress(Exception):
                    await self._send({"id": operation_id, "type": "error", "payload": FAILED})
            finally:
                self._running.pop(operation_id, None)
                if current is not None:
                    current.set_attribute("renling.websocket.outcome", outcome)
                    current.set_attribute("renling.subscription.responses", responses)

    async def _send(self, message: dict[str, Any]) -> None:
        await self._send_text(json.dumps(message))

    async def _send_text(self, text: str) -> None:
        async with self._send_lock:
            await self._socket.send_text(text)

    async def _cancel_operations(self) -> None:
        tasks = list(self._running.values())
        self._running.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _shared_upstreams(socket: WebSocket, gateway: Gateway, urls: dict[str, str]) -> SharedUpstreams:
    """The gateway's shared upstream sockets (one set per executor: a new supergraph gets new ones)."""
    state = socket.app.state
    kept: tuple[Gateway, SharedUpstreams] | None = getattr(state, "shared_upstreams", None)
    if kept is None or kept[0] is not gateway:
        kept = (gateway, SharedUpstreams(urls))
        state.shared_upstreams = kept
    return kept[1]


async def _next_text(socket: WebSocket) -> str:
    """The next text frame; :class:`WebSocketDisconnect` when the client left, a 4400 closure for a binary frame."""
    message = await socket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text = message.get("text")
    if not isinstance(text, str):
        raise _Close(4400, "Invalid message received: use text frames")
    return text


def _parsed(text: str) -> dict[str, Any]:
    """A message: a JSON object, else a 4400 closure."""
    try:
        message = json.loads(text)
    except ValueError as error:
        raise _Close(4400, "Invalid message received: not JSON") from error
    if not isinstance(message, dict):
        raise _Close(4400, "Invalid message received: not a JSON object")
    return message


async def _until(moment: datetime | None) -> None:
    """Sleep until ``moment`` (forever when there is none)."""
    if moment is None:
        await asyncio.Event().wait()
        return
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


async def _close(socket: WebSocket, code: int, reason: str) -> None:
    if socket.application_state is WebSocketState.CONNECTED and socket.client_state is WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):
            await socket.close(code=code, reason=reason)


async def _connection_init(socket: WebSocket) -> tuple[dict[str, str], str, datetime | None] | None:
    """Wait for ``connection_init``, check the token, acknowledge.

    The headers to forward, the caller's rate-limit key (token subject, else client address) and
    the token's expiry; None if the socket was closed.
    """
    try:
        async with asyncio.timeout(INIT_TIMEOUT_S):
            text = await _next_text(socket)
    except TimeoutError:
        await _close(socket, 4408, "Connection initialisation timeout")
        return None
    except WebSocketDisconnect:
        return None
    message = _parsed(text)
    if message.get("type") == "subscribe":
        raise _Close(4401, "Unauthorized")
    if message.get("type") != "connection_init":
        raise _Close(4400, "expected connection_init")
    payload = message.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise _Close(4400, "the connection_init payload is an object")
    headers = forwarded(socket.headers)
    given = (payload.get("Authorization") or payload.get("authorization")) if payload else None
    if isinstance(given, str):
        headers["authorization"] = given
    token = bearer_token(headers)
    caller = f"address:{socket.client.host if socket.client else 'unknown'}"
    expires_at: datetime | None = None
    if token is not None:
        verifier: TokenVerifier = socket.app.state.verifier
        try:
            if not token:
                raise AuthenticationError("the Authorization value must be `Bearer <token>`")
            principal = await verifier.verify(token)
        except AuthenticationError:
            await _close(socket, 4403, "Forbidden")
            return None
        if principal.expires_at is not None and principal.expires_at <= datetime.now(UTC):
            await _close(socket, 4403, EXPIRED)
            return None
        caller, expires_at = f"subject:{principal.subject}", principal.expires_at
    await socket.send_text(json.dumps({"type": "connection_ack"}))
    return headers, caller, expires_at
