"""The gateway's graphql-transport-ws connections to subgraphs, multiplexed (many subscriptions per socket).

A subgraph that authorizes each subscription itself — its ``connection_ack`` says so
(``payload["renling.operationAuthorization"]``, as the events service does) — gets one socket
from the whole gateway (:class:`SharedUpstreams`): each client's ``subscribe`` goes over it with
the client's own token in ``payload.extensions.authorization``, and the subgraph checks that
token for that subscription, as it checks every request. Any other subgraph gets one socket per
client connection (:class:`Upstreams`), whose ``connection_init`` carries the client's token, so
its subscriptions are authorized as that client's: a client with five subscriptions opens one
connection, not five, and sockets are never shared between clients (between tokens).

Each upstream ``next`` is handed on as a :class:`~gateway.gateway.RawPayload` (its payload's JSON
text): when the subscription is one subgraph field with nothing to join, the gateway forwards it
as it is under the client's id, without shaping it (:meth:`~gateway.gateway.Gateway.subscribe`).
When the upstream socket closes, every subscription on it fails (the client gets an ``error``
for each, as when its own upstream socket broke); the next subscription opens a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
import websockets
from websockets.typing import Subprotocol

from gateway.execution import SubgraphError
from gateway.gateway import RawPayload

__all__ = ["OPERATION_AUTHORIZATION", "SharedUpstreams", "Upstreams"]

log = logging.getLogger(__name__)

PROTOCOL = Subprotocol("graphql-transport-ws")
OPEN_TIMEOUT_S = 5.0
"""The upstream handshake and ``connection_ack``, at most (a starved machine is slow to accept a burst of sockets)."""
OPERATION_AUTHORIZATION = "renling.operationAuthorization"
"""The ``connection_ack`` payload key by which a subgraph says it authorizes each subscription by its own token."""
OPERATIONS_PER_CONNECTION = "renling.operationsPerConnection"
"""The ``connection_ack`` payload key giving how many operations the subgraph runs per connection (null: no limit)."""
DEFAULT_OPERATIONS = 100
"""Operations per shared socket when the subgraph does not say (strawberry's default limit per connection)."""
HANDED_AT_ONCE = 32
"""Messages handed to their operations before the reader lets the event loop poll again: one event fanned out to a
thousand subscriptions is forwarded in slices, and the requests arriving meanwhile (mutations) are served between
them instead of after all of it."""


class _Closed:
    """The upstream socket closed: why (every operation still on it fails)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


_COMPLETE = object()
Item = RawPayload | dict[str, Any] | _Closed | object


class _Upstream:
    """One open graphql-transport-ws socket to a subgraph and the operations running over it."""

    def __init__(
        self, subgraph: str, socket: websockets.ClientConnection, *, authorizes_operations: bool = False, capacity: int | None = None
    ) -> None:
        self.subgraph = subgraph
        self.authorizes_operations = authorizes_operations
        self.capacity = capacity
        """How many operations the subgraph runs on this socket at once (None: no limit)."""
        self.reserved = 0  # operations promised a place here (SharedUpstreams) and not yet started
        self._socket = socket
        self._operations: dict[str, asyncio.Queue[Item]] = {}
        self._ids = itertools.count(1)
        self.closed = False
        self._reader = asyncio.create_task(self._read(), name=f"upstream-{subgraph}")

    @classmethod
    async def open(cls, subgraph: str, url: str, authorization: str | None) -> _Upstream:
        """Connect, send ``connection_init`` with the client's token, wait for the ack; :class:`SubgraphError` if refused."""
        try:
            socket = await websockets.connect(url, subprotocols=[PROTOCOL], open_timeout=OPEN_TIMEOUT_S, max_size=None)
        except (OSError, TimeoutError, websockets.WebSocketException) as error:
            raise SubgraphError(f"subscription to {subgraph} failed: {error!r}") from error
        try:
            init = {"Authorization": authorization} if authorization is not None else {}
            await socket.send(orjson.dumps({"type": "connection_init", "payload": init}).decode())
            async with asyncio.timeout(OPEN_TIMEOUT_S):
                ack = orjson.loads(await socket.recv())
            if not isinstance(ack, dict) or ack.get("type") != "connection_ack":
                raise SubgraphError(f"subgraph {subgraph} refused the connection")
            payload = ack.get("payload")
            payload = payload if isinstance(payload, dict) else {}
            authorizes = payload.get(OPERATION_AUTHORIZATION) is True
            capacity = payload.get(OPERATIONS_PER_CONNECTION, DEFAULT_OPERATIONS)
            capacity = capacity if isinstance(capacity, int) and capacity > 0 else None
        except (OSError, TimeoutError, orjson.JSONDecodeError, websockets.WebSocketException) as error:
            await socket.close()
            raise SubgraphError(f"subscription to {subgraph} failed: {error!r}") from error
        except SubgraphError:
            await socket.close()
            raise
        return cls(subgraph, socket, authorizes_operations=authorizes, capacity=capacity)

    async def subscribe(
        self, query: str, variables: dict[str, Any], *, authorization: str | None = None
    ) -> AsyncIterator[RawPayload | dict[str, Any]]:
        """One operation over this socket (with its own token, if given): its ``next`` payloads; an upstream ``error`` as
        ``{"errors": …}`` (then it ends)."""
        if self.closed:
            raise SubgraphError(f"the connection to {self.subgraph} closed")
        operation_id = str(next(self._ids))
        queue: asyncio.Queue[Item] = asyncio.Queue()
        self._operations[operation_id] = queue
        self.reserved = max(0, self.reserved - 1)
        finished = False
        try:
            payload: dict[str, Any] = {"query": query, "variables": variables}
            if authorization is not None:
                payload["extensions"] = {"authorization": authorization}
            await self._send({"id": operation_id, "type": "subscribe", "payload": payload})
            while True:
                item = await queue.get()
                if item is _COMPLETE:
                    finished = True
                    return
                if isinstance(item, _Closed):
                    finished = True
                    raise SubgraphError(f"subscription to {self.subgraph} failed: {item.reason}")
                if isinstance(item, RawPayload | dict):
                    yield item
                    if isinstance(item, dict):
                        finished = True  # an error message ends the operation
                        return
        finally:
            self._operations.pop(operation_id, None)
            if not finished and not self.closed:
                with contextlib.suppress(Exception):
                    await self._send({"id": operation_id, "type": "complete"})  # the client stopped: the subgraph stops too

    @property
    def has_room(self) -> bool:
        """May one more operation run over it (counting those promised a place)?"""
        return not self.closed and (self.capacity is None or len(self._operations) + self.reserved < self.capacity)

    async def close(self) -> None:
        """Close the socket (the operations still on it fail)."""
        self.closed = True
        with contextlib.suppress(Exception):
            await self._socket.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def _send(self, message: dict[str, Any]) -> None:
        await self._socket.send(orjson.dumps(message).decode())

    async def _read(self) -> None:
        """Hand each message to its operation, in order, until the socket closes."""
        reason = "the subgraph closed the connection"
        handed = 0
        try:
            async for raw in self._socket:
                handed += 1
                if handed % HANDED_AT_ONCE == 0:
                    await asyncio.sleep(0)  # the operations woken so far run, and the loop polls for other work
                message = orjson.loads(raw)
                if not isinstance(message, dict):
                    continue
                kind = message.get("type")
                if kind == "ping":
                    await self._send({"type": "pong"})
                    continue
                queue = self._operations.get(str(message.get("id")))
                if queue is None:
                    continue  # an operation that ended meanwhile
                if kind == "next":
                    queue.put_nowait(RawPayload(orjson.dumps(message.get("payload") or {}).decode()))
                elif kind == "error":
                    queue.put_nowait({"errors": message.get("payload") or [{"message": "subscription error"}]})
                elif kind == "complete":
                    queue.put_nowait(_COMPLETE)
        except websockets.ConnectionClosed as closed:
            reason = f"the connection closed ({closed.rcvd.code if closed.rcvd else 'no close frame'})"
        except (OSError, orjson.JSONDecodeError, websockets.WebSocketException) as error:
            reason = repr(error)
        finally:
            self.closed = True
            for queue in self._operations.values():
                queue.put_nowait(_Closed(reason))


class SharedUpstreams:
    """Sockets of the whole gateway to the subgraphs that authorize each subscription by its own token: as many per
    subgraph as its limit of operations per connection needs, opened when needed and again after a close."""

    def __init__(self, urls: dict[str, str]) -> None:
        self._urls = urls
        self._open: dict[str, list[_Upstream]] = {}
        self._opening: dict[str, asyncio.Lock] = {}
        self._per_connection: set[str] = set()  # subgraphs whose ack did not say so: each client connection its own socket

    async def upstream(self, subgraph: str) -> _Upstream | None:
        """A shared socket to ``subgraph`` with room for one more operation, that place promised to the caller (who starts
        the operation at once); None if the subgraph's sockets are not shareable."""
        if subgraph in self._per_connection:
            return None
        async with self._opening.setdefault(subgraph, asyncio.Lock()):
            if subgraph in self._per_connection:  # learnt while this one waited
                return None
            sockets = self._open[subgraph] = [upstream for upstream in self._open.get(subgraph, []) if not upstream.closed]
            upstream = next((upstream for upstream in sockets if upstream.has_room), None)
            if upstream is None:
                upstream = await _Upstream.open(subgraph, self._urls[subgraph].replace("http", "ws", 1), None)
                if not upstream.authorizes_operations:
                    await upstream.close()
                    self._per_connection.add(subgraph)
                    return None
                sockets.append(upstream)
            upstream.reserved += 1
            return upstream

    @property
    def connections(self) -> int:
        """Shared sockets open now."""
        return sum(1 for sockets in self._open.values() for upstream in sockets if not upstream.closed)


class Upstreams:
    """The subscriptions of one client connection: over the shared socket of a subgraph that authorizes each one, else over
    this connection's own socket to the subgraph (one per subgraph, opened when first needed and again after a close)."""

    def __init__(self, urls: dict[str, str], authorization: str | None, shared: SharedUpstreams | None = None) -> None:
        self._urls = urls
        self._authorization = authorization
        self._shared = shared
        self._open: dict[str, _Upstream] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    @property
    def connections(self) -> int:
        """This connection's own upstream sockets open now."""
        return sum(1 for upstream in self._open.values() if not upstream.closed)

    async def subscribe(
        self, subgraph: str, query: str, variables: dict[str, Any], headers: dict[str, str]
    ) -> AsyncIterator[RawPayload | dict[str, Any]]:
        """A subscription to ``subgraph`` as this connection's caller (``headers`` are the connection's, given at init)."""
        shared = await self._shared.upstream(subgraph) if self._shared is not None else None
        if shared is not None:
            async for item in shared.subscribe(query, variables, authorization=self._authorization):
                yield item
            return
        upstream = await self._upstream(subgraph)
        async for item in upstream.subscribe(query, variables):
            yield item

    async def close(self) -> None:
        """Close this connection's own upstream sockets (the shared ones stay)."""
        upstreams, self._open = list(self._open.values()), {}
        await asyncio.gather(*(upstream.close() for upstream in upstreams), return_exceptions=True)

    async def _upstream(self, subgraph: str) -> _Upstream:
        async with self._opening.setdefault(subgraph, asyncio.Lock()):
            upstream = self._open.get(subgraph)
            if upstream is None or upstream.closed:
                url = self._urls[subgraph].replace("http", "ws", 1)
                upstream = self._open[subgraph] = await _Upstream.open(subgraph, url, self._authorization)
            return upstream
