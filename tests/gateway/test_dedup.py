"""In-flight deduplication, through the gateway: identical queries in flight share, callers with different tokens and mutations never do.

Every subgraph request is held at the gateway's HTTP port until the test releases it, so the
requests are really concurrent; the test waits (by condition, not by time) until they have all
arrived where they would be shared before it lets the subgraph answer.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

from gateway.app import create_gateway_app
from gateway.dedup import InboundDeduplicator, InFlight, is_read_document
from gateway.settings import GatewaySettings
from services.common.identity import Role
from tests.gateway import subgraphs
from tests.gateway.conftest import SCHEMAS, gateway_settings
from tests.support import HttpxTransport, eventually, token

PRODUCTS = "{ products { id name } }"
RENAME = 'mutation { rename(id: "p1", name: "Kettle 2") { id name } }'


class Held:
    """The gateway's HTTP port to the subgraphs: records each request and holds it until released."""

    def __init__(self, inner: HttpxTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []
        self.released = asyncio.Event()

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float) -> tuple[int, bytes]:
        """Record, wait for the release, then forward to the in-process subgraph."""
        self.requests.append((url, body, dict(headers)))
        await self.released.wait()
        return await self.inner.post(url, body, headers, timeout_s=timeout_s)

    async def close(self) -> None:
        """Close the inner transport."""
        await self.inner.close()


@dataclass
class HeldGateway:
    """The gateway client, the held port, and the gateway's two deduplicators."""

    client: httpx.AsyncClient
    port: Held
    inbound: InboundDeduplicator
    outbound: InFlight[tuple[int, bytes]] | None

    async def post(self, query: str, *, authorization: str = "") -> dict[str, Any]:
        """POST to the gateway as a caller would; the decoded body."""
        headers = {"authorization": authorization} if authorization else {}
        response = await self.client.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def held_gateway(monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> AsyncIterator[HeldGateway]:
    """The gateway over the synthetic subgraphs, each subgraph request held until ``port.released`` is set."""
    monkeypatch.setattr(subgraphs, "PRODUCTS", copy.deepcopy(subgraphs.PRODUCTS))
    monkeypatch.setattr(subgraphs, "CALLS", [])
    apps = {name: Starlette(routes=[Route("/graphql", GraphQL(schema, graphql_ide=None))]) for name, schema in SCHEMAS.items()}
    http = httpx.AsyncClient(mounts={f"http://{name}": httpx.ASGITransport(app=app) for name, app in apps.items()})
    monkeypatch.setattr(GatewaySettings, "subgraph_urls", lambda self: {name: f"http://{name}/graphql" for name in SCHEMAS})
    port = Held(HttpxTransport(http))
    app = create_gateway_app(gateway_settings(**overrides), http=port)
    port.released.set()  # composing at start-up is not held
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        port.requests.clear()
        port.released.clear()
        yield HeldGateway(client, port, app.state.inbound, app.state.gateway._client.in_flight)


def _bearer(subject: str) -> str:
    return "Bearer " + token(gateway_settings(), Role.DISTRICT_ADMIN, districts=["district-chaoyang"], subject=subject)


async def test_identical_queries_in_flight_share_one_execution_and_one_subgraph_call(monkeypatch: pytest.MonkeyPatch) -> None:
    async with held_gateway(monkeypatch, dedup_outbound=False) as gateway:
        callers = [asyncio.create_task(gateway.post(PRODUCTS)) for _ in range(5)]
        await eventually(lambda: _true(gateway.inbound.flights.joined == 4), what="four callers joining the first")
        gateway.port.released.set()
        answers = await asyncio.gather(*callers)
    assert len(gateway.port.requests) == 1
    assert gateway.inbound.flights.started == 1
    assert all(answer == answers[0] for answer in answers)
    assert [product["name"] for product in answers[0]["data"]["products"]] == ["Kettle", "Teapot", "Cup"]


async def test_identical_subgraph_requests_in_flight_share_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    async with held_gateway(monkeypatch, dedup_inbound=False) as gateway:
        assert gateway.outbound is not None
        outbound = gateway.outbound
        callers = [asyncio.create_task(gateway.post(PRODUCTS)) for _ in range(4)]
        await eventually(lambda: _true(outbound.joined == 3), what="three subgraph requests joining the first")
        gateway.port.released.set()
        answers = await asyncio.gather(*callers)
    assert len(gateway.port.requests) == 1
    assert gateway.inbound.flights.started == 0
    assert all(answer == answers[0] and "errors" not in answer for answer in answers)


async def test_identical_get_queries_in_flight_share_too(monkeypatch: pytest.MonkeyPatch) -> None:
    async with held_gateway(monkeypatch, dedup_outbound=False) as gateway:

        async def get() -> dict[str, Any]:
            response = await gateway.client.get("/graphql", params={"query": PRODUCTS})
            body: dict[str, Any] = response.json()
            return body

        callers = [asyncio.create_task(get()) for _ in range(3)]
        await eventually(lambda: _true(gateway.inbound.flights.joined == 2), what="two GETs joining the first")
        gateway.port.released.set()
        answers = await asyncio.gather(*callers)
    assert len(gateway.port.requests) == 1
    assert all(answer == answers[0] and "errors" not in answer for answer in answers)


async def test_callers_with_different_tokens_never_share(monkeypatch: pytest.MonkeyPatch) -> None:
    ann, bob = _bearer("ann"), _bearer("bob")
    async with held_gateway(monkeypatch) as gateway:
        callers = [asyncio.create_task(gateway.post(PRODUCTS, authorization=who)) for who in (ann, bob, ann)]
        await eventually(
            lambda: _true(len(gateway.port.requests) == 2 and gateway.inbound.flights.joined == 1),
            what="one subgraph request per token, the second Ann joining the first",
        )
        gateway.port.released.set()
        answers = await asyncio.gather(*callers)
    assert sorted(headers["authorization"] for _, _, headers in gateway.port.requests) == sorted([ann, bob])
    assert gateway.inbound.flights.started == 2
    assert all("errors" not in answer for answer in answers)


async def test_mutations_are_never_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    async with held_gateway(monkeypatch) as gateway:
        callers = [asyncio.create_task(gateway.post(RENAME)) for _ in range(3)]
        await eventually(lambda: _true(len(gateway.port.requests) == 3), what="each mutation sent to the subgraph")
        gateway.port.released.set()
        answers = await asyncio.gather(*callers)
    assert subgraphs.CALLS.count("products:rename:Kettle 2") == 3
    assert gateway.inbound.flights.started == 0
    assert gateway.inbound.flights.joined == 0
    assert all(answer["data"]["rename"]["name"] == "Kettle 2" for answer in answers)


async def test_nothing_is_kept_once_the_work_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    async with held_gateway(monkeypatch) as gateway:
        gateway.port.released.set()
        first = await gateway.post(PRODUCTS)
        second = await gateway.post(PRODUCTS)
    assert first == second
    assert len(gateway.port.requests) == 2
    assert len(gateway.inbound.flights) == 0


async def test_turned_off_every_request_calls_the_subgraph(monkeypatch: pytest.MonkeyPatch) -> None:
    async with held_gateway(monkeypatch, dedup_inbound=False, dedup_outbound=False) as gateway:
        assert gateway.outbound is None
        callers = [asyncio.create_task(gateway.post(PRODUCTS)) for _ in range(3)]
        await eventually(lambda: _true(len(gateway.port.requests) == 3), what="three subgraph requests")
        gateway.port.released.set()
        answers = await asyncio.gather(*callers)
    assert all(answer == answers[0] for answer in answers)


async def test_a_caller_that_goes_away_does_not_cancel_the_shared_work() -> None:
    flights: InFlight[str] = InFlight()
    release = asyncio.Event()

    async def work() -> str:
        await release.wait()
        return "done"

    first = asyncio.create_task(flights.run("k", work))
    second = asyncio.create_task(flights.run("k", work))
    await eventually(lambda: _true(flights.joined == 1), what="the second caller joining")
    first.cancel()
    release.set()
    assert await second == "done"
    with pytest.raises(asyncio.CancelledError):
        await first


def test_only_documents_that_begin_with_a_query_are_shared_outbound() -> None:
    assert is_read_document("{ products { id } }")
    assert is_read_document("  # comment\n query Q($a: Int) { a }")
    assert is_read_document("query{ a }")
    assert not is_read_document("mutation { rename(id: 1) { id } }")
    assert not is_read_document("subscription { priceChanged { id } }")
    assert not is_read_document("queryX { a }")


async def _true(value: bool) -> bool:
    return value
