"""Calling subgraphs over HTTP: one pooled keep-alive client, a timeout per subgraph, identity forwarded."""

from __future__ import annotations

import time
from typing import Any

import orjson

from gateway.dedup import InFlight, is_read_document
from gateway.execution import SubgraphError
from gateway.model import Subgraph
from gateway.transport import HttpTransport, TransportError
from services.common.metrics import SUBGRAPH_FETCH_SECONDS, SUBGRAPH_FETCHES
from services.common.tracing import SpanKind, enabled, inject_headers, span

__all__ = ["SubgraphClient"]

FORWARDED_HEADERS = ("authorization", "x-request-id")
SHAREABLE_CACHE_SIZE = 2_000


class _Measures:
    """One subgraph's children of the fetch metrics, looked up once (a ``labels()`` lookup per request costs more than the count)."""

    def __init__(self, subgraph: str) -> None:
        self.ok = SUBGRAPH_FETCHES.labels(subgraph, "ok")
        self.graphql_errors = SUBGRAPH_FETCHES.labels(subgraph, "graphql_errors")
        self.failed = SUBGRAPH_FETCHES.labels(subgraph, "failed")
        self.seconds = SUBGRAPH_FETCH_SECONDS.labels(subgraph)


class SubgraphClient:
    """Posts GraphQL to subgraphs; errors of transport become :class:`SubgraphError`."""

    def __init__(self, http: HttpTransport, subgraphs: dict[str, Subgraph], *, timeout_s: float, dedup: bool = True) -> None:
        self._http = http
        self.in_flight: InFlight[tuple[int, bytes]] | None = InFlight() if dedup else None
        self._subgraphs = subgraphs
        self._timeout_s = timeout_s
        self._connect_timeout_s = min(timeout_s, 2.0)
        self._measures: dict[str, _Measures] = {}
        self._shareable: dict[str, bool] = {}

    async def post(self, subgraph: str, query: str, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """One GraphQL request; the body must be a GraphQL response. Counted and timed per subgraph and outcome."""
        started = time.perf_counter()
        measures = self._measures.get(subgraph)
        if measures is None:
            measures = self._measures[subgraph] = _Measures(subgraph)
        try:
            if enabled():
                attributes = {"renling.subgraph": subgraph, "server.address": self._subgraphs[subgraph].url}
                with span(f"subgraph {subgraph}", kind=SpanKind.CLIENT, attributes=attributes):
                    headers = dict(headers)
                    inject_headers(headers)  # traceparent: the subgraph's spans are this one's children
                    body = await self._post(subgraph, query, variables, headers)
            else:  # no span to open: the request alone
                body = await self._post(subgraph, query, variables, headers)
        except SubgraphError:
            measures.failed.inc()
            raise
        finally:
            measures.seconds.observe(time.perf_counter() - started)
        (measures.graphql_errors if body.get("errors") else measures.ok).inc()
        return body

    async def reachable(self, subgraph: str) -> bool:
        """Whether the subgraph answers a GraphQL request (``{ __typename }``) now, within the connect timeout."""
        try:
            status, _ = await self._http.post(
                self._subgraphs[subgraph].url, b'{"query": "{ __typename }"}', {}, timeout_s=self._connect_timeout_s
            )
        except TransportError:
            return False
        return status == 200

    @property
    def subgraphs(self) -> list[str]:
        """The names of the subgraphs this client calls."""
        return list(self._subgraphs)

    async def _post(self, subgraph: str, query: str, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        url = self._subgraphs[subgraph].url
        payload = orjson.dumps({"query": query, "variables": variables})
        try:
            if self.in_flight is not None and self._is_read(query):
                key = (url, payload, tuple(sorted(headers.items())))
                status, raw = await self.in_flight.run(key, lambda: self._http.post(url, payload, headers, timeout_s=self._timeout_s))
            else:
                status, raw = await self._http.post(url, payload, headers, timeout_s=self._timeout_s)
        except TransportError as error:
            raise SubgraphError(str(error)) from error
        if status >= 500:
            raise SubgraphError(f"HTTP {status}")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise SubgraphError("the answer is not JSON") from error
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            raise SubgraphError("the answer is not a GraphQL response")
        return body

    def _is_read(self, query: str) -> bool:
        """:func:`gateway.dedup.is_read_document`, remembered per text (the texts are the cached plans')."""
        known = self._shareable.get(query)
        if known is None:
            if len(self._shareable) >= SHAREABLE_CACHE_SIZE:
                self._shareable.clear()
            known = self._shareable[query] = is_read_document(query)
        return known

    async def sdl(self, subgraph: Subgraph) -> str:
        """``_service { sdl }`` of a subgraph; :class:`SubgraphError` when it cannot give one."""
        try:
            status, raw = await self._http.post(subgraph.url, b'{"query": "{ _service { sdl } }"}', {}, timeout_s=self._timeout_s)
        except TransportError as error:
            raise SubgraphError(f"{subgraph.name}: {error}") from error
        if status != 200:
            raise SubgraphError(f"{subgraph.name} answered HTTP {status}")
        try:
            sdl = orjson.loads(raw)["data"]["_service"]["sdl"]
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            raise SubgraphError(f"{subgraph.name} returned no SDL") from error
        if not isinstance(sdl, str):
            raise SubgraphError(f"{subgraph.name} returned no SDL")
        return sdl


def forwarded(headers: Any) -> dict[str, str]:
    """The caller's identity and request id, passed on to every subgraph."""
    return {name: headers[name] for name in FORWARDED_HEADERS if name in headers}


__all__ += ["forwarded"]
