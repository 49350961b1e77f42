"""Calling subgraphs over HTTP: one pooled keep-alive client, a timeout per subgraph, identity forwarded."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.execution import SubgraphError
from gateway.model import Subgraph

__all__ = ["SubgraphClient"]

FORWARDED_HEADERS = ("authorization", "x-request-id")


class SubgraphClient:
    """Posts GraphQL to subgraphs; errors of transport become :class:`SubgraphError`."""

    def __init__(self, http: httpx.AsyncClient, subgraphs: dict[str, Subgraph], *, timeout_s: float) -> None:
        self._http = http
        self._subgraphs = subgraphs
        self._timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 2.0))

    async def post(self, subgraph: str, query: str, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """One GraphQL request; the body must be a GraphQL response."""
        url = self._subgraphs[subgraph].url
        try:
            response = await self._http.post(url, json={"query": query, "variables": variables}, headers=headers, timeout=self._timeout)
        except httpx.HTTPError as error:
            raise SubgraphError(type(error).__name__) from error
        if response.status_code >= 500:
            raise SubgraphError(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise SubgraphError("the answer is not JSON") from error
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            raise SubgraphError("the answer is not a GraphQL response")
        return body

    async def sdl(self, subgraph: Subgraph) -> str:
        """``_service { sdl }`` of a subgraph."""
        response = await self._http.post(subgraph.url, json={"query": "{ _service { sdl } }"}, timeout=self._timeout)
        response.raise_for_status()
        sdl = response.json()["data"]["_service"]["sdl"]
        if not isinstance(sdl, str):
            raise SubgraphError(f"{subgraph.name} returned no SDL")
        return sdl


def forwarded(headers: Any) -> dict[str, str]:
    """The caller's identity and request id, passed on to every subgraph."""
    return {name: headers[name] for name in FORWARDED_HEADERS if name in headers}


__all__ += ["forwarded"]
