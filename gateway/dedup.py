"""In-flight deduplication: identical work already running is joined, not started again.

Two places use it, both on by default (``DEDUP_INBOUND``, ``DEDUP_OUTBOUND`` turn them off):

- **inbound** (:class:`InboundDeduplicator`, hooked into the ``/graphql`` handler): requests with
  the same operation text, operation name, variables and the headers that reach the subgraphs
  (``Authorization`` and ``x-request-id``, see :func:`gateway.client.forwarded`) while the first
  is still running share its execution and its serialized response. Each request is still
  authenticated and rate-limited on its own before it joins; the answer depends on nothing
  else, so callers with different tokens never share one.
- **outbound** (:class:`InFlight` in :class:`gateway.client.SubgraphClient`): identical subgraph
  requests (same URL, body and forwarded headers) in flight share one HTTP exchange; each caller
  parses the bytes itself, so no caller sees another's merged data.

Mutations and subscriptions are never shared: inbound, the operation is looked up (parsed
once per text, cached) and only a query joins; outbound, only a document that begins with a
query (``{`` or ``query``) joins. Nothing is cached once the work is done: a request that
arrives after the first has finished runs again.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

import orjson
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.responses import Response

__all__ = ["InFlight", "InboundDeduplicator", "is_read_document"]

T = TypeVar("T")
OPERATION_CACHE_SIZE = 1_000
_READ_DOCUMENT = re.compile(r"[\s,\ufeff]*(?:#[^\n\r]*[\s,]*)*(?:\{|query\b)")


class InFlight(Generic[T]):
    """One running task per key; callers with the same key while it runs await the same result.

    The work runs in a task of its own, so a caller that goes away (its request cancelled) does
    not cancel it for the others; its outcome, value or exception, is every caller's.
    ``started`` and ``joined`` count the tasks started and the callers that joined one.
    """

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[T]] = {}
        self.started = 0
        self.joined = 0

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        """The result of ``work()``, or of the identical work already in flight under ``key``."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._running[key] = task
            self.started += 1
            task.add_done_callback(lambda done: self._finished(key, done))
        else:
            self.joined += 1
        return await asyncio.shield(task)

    def _finished(self, key: Hashable, task: asyncio.Task[T]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved here too, so that a task every caller left is not reported as unhandled

    def __len__(self) -> int:
        return len(self._running)


def is_read_document(query: str) -> bool:
    """Whether a subgraph document begins with a query (shorthand ``{`` or ``query``): only those are shared."""
    return _READ_DOCUMENT.match(query) is not None


class InboundDeduplicator:
    """Shares one execution and one serialized response among identical queries in flight."""

    def __init__(self, *, enabled: bool, max_tokens: int) -> None:
        self.enabled = enabled
        self.flights: InFlight[bytes] = InFlight()
        self._max_tokens = max_tokens
        self._shareable: OrderedDict[tuple[str, str | None], bool] = OrderedDict()

    async def respond(
        self, body: Mapping[str, Any], headers: Mapping[str, str], execute: Callable[[], Awaitable[dict[str, Any]]]
    ) -> Response:
        """The JSON response of ``execute()``, shared with identical queries running at the same time."""
        return _json(await self.serialized(body, headers, execute))

    async def serialized(
        self, body: Mapping[str, Any], headers: Mapping[str, str], execute: Callable[[], Awaitable[dict[str, Any]]]
    ) -> bytes:
        """The JSON bytes of ``execute()``'s response, shared with identical queries running at the same time."""
        key = self._key(body, headers) if self.enabled else None
        if key is None:
            return orjson.dumps(await execute())

        async def serialized() -> bytes:
            return orjson.dumps(await execute())

        return await self.flights.run(key, serialized)

    def _key(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> Hashable | None:
        """What identifies the request, or ``None`` when it must run alone (not a valid query)."""
        query, operation_name, variables = body.get("query"), body.get("operationName"), body.get("variables")
        if not isinstance(query, str) or not (operation_name is None or isinstance(operation_name, str)):
            return None
        if variables is not None and not isinstance(variables, dict):
            return None
        if not self._is_query(query, operation_name):
            return None
        try:
            canonical = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        return (query, operation_name, canonical, tuple(sorted(headers.items())))

    def _is_query(self, query: str, operation_name: str | None) -> bool:
        """Whether the operation run is a query; parsed once per (text, name), an unparsable one is not shared."""
        key = (query, operation_name)
        known = self._shareable.get(key)
        if known is not None:
            self._shareable.move_to_end(key)
            return known
        try:
            operation = get_operation_ast(parse(query, no_location=True, max_tokens=self._max_tokens), operation_name)
        except GraphQLError:
            operation = None
        shareable = operation is not None and operation.operation is OperationType.QUERY
        self._shareable[key] = shareable
        if len(self._shareable) > OPERATION_CACHE_SIZE:
            self._shareable.popitem(last=False)
        return shareable


def _json(content: bytes) -> Response:
    return Response(content, media_type="application/json")
