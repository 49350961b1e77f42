"""A gateway over the synthetic subgraphs, every subgraph in-process behind httpx transports."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from gateway.shaping import use
from gateway.shaping_native import implementations
from tests.gateway import subgraphs
from tests.support import HttpxTransport

SCHEMAS = subgraphs.schemas()


@pytest.fixture(params=["compiled", "pure"])
def shaping_build(request: pytest.FixtureRequest) -> Iterator[str]:
    """Operations planned in the test shape with this build of :mod:`gateway.shaping_run` (the conformance tests run with both)."""
    found = implementations()
    if request.param not in found:
        pytest.fail("gateway._shaping_native is not built from the current gateway/shaping_run.py: run `make install`")
    previous = use(found[request.param])
    try:
        yield request.param
    finally:
        use(previous)


class Down(httpx.AsyncBaseTransport):
    """A subgraph that does not answer."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


@dataclass
class Federation:
    """The gateway client, the subgraph calls made, and a switch to take a subgraph down."""

    client: httpx.AsyncClient
    calls: list[str]
    app: Starlette
    down: set[str] = field(default_factory=set)

    async def query(self, query: str, variables: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        """POST to the gateway; the whole response body."""
        response = await self.client.post("/graphql", json={"query": query, "variables": variables or {}, **extra})
        body: dict[str, Any] = response.json()
        return body


class Switchable(httpx.AsyncBaseTransport):
    """Routes to a subgraph's app unless the test took it down."""

    def __init__(self, name: str, app: Any, down: set[str]) -> None:
        self.name, self.inner, self.down = name, httpx.ASGITransport(app=app), down

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.name in self.down:
            return await Down().handle_async_request(request)
        return await self.inner.handle_async_request(request)


def gateway_settings(**overrides: Any) -> GatewaySettings:
    urls = {f"{name}_url": f"http://{name}/graphql" for name in ("needs", "claims", "orgs")}
    return GatewaySettings(**{**urls, **overrides})


@asynccontextmanager
async def open_federation(monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> AsyncIterator[Federation]:
    """A gateway (with these setting overrides) over the synthetic subgraphs, fresh data each time."""
    monkeypatch.setattr(subgraphs, "PRODUCTS", copy.deepcopy(subgraphs.PRODUCTS))
    monkeypatch.setattr(subgraphs, "REVIEWS", copy.deepcopy(subgraphs.REVIEWS))
    calls: list[str] = []
    monkeypatch.setattr(subgraphs, "CALLS", calls)
    down: set[str] = set()
    apps = {name: Starlette(routes=[Route("/graphql", GraphQL(schema, graphql_ide=None))]) for name, schema in SCHEMAS.items()}
    http = httpx.AsyncClient(mounts={f"http://{name}": Switchable(name, app, down) for name, app in apps.items()})
    settings = gateway_settings(**overrides)
    monkeypatch.setattr(GatewaySettings, "subgraph_urls", lambda self: {name: f"http://{name}/graphql" for name in SCHEMAS})
    app = create_gateway_app(settings, http=HttpxTransport(http))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        yield Federation(client, calls, app, down)
    await http.aclose()


@pytest.fixture
async def federation(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Federation]:
    async with open_federation(monkeypatch) as opened:
        yield opened
