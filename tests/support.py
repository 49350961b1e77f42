"""Helpers shared by the tests: settings, tokens, a GraphQL client, RabbitMQ clean-up, waiting."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import ASGIApp

from gateway.app import create_gateway_app
from gateway.file_transport import Upstream
from gateway.settings import GatewaySettings
from gateway.transport import TransportError
from services.common.bus import Bus, Subscription
from services.common.bus.rabbit import delete_namespace
from services.common.events import Event
from services.common.identity import Role, mint_token
from services.common.settings import Settings

AMQP_URL = os.environ.get("AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672/"


def fast_settings(**overrides: Any) -> Settings:
    """Fast settings for tests: quick outbox sweeps and short retry delays."""
    values: dict[str, Any] = {
        "mongodb_url": "memory://",
        "amqp_url": "",
        "outbox_interval_s": 0.05,
        "bus_retry_delays_ms": (20, 50),
        "bus_delivery_limit": 3,
        **overrides,
    }
    return Settings(**values)


def token(
    settings: Settings,
    role: Role,
    *,
    communities: Iterable[str] = (),
    districts: Iterable[str] = (),
    subject: str | None = None,
) -> str:
    """A signed development token."""
    return mint_token(
        settings, subject=subject or f"{role.value}-{uuid.uuid4().hex[:6]}", roles=[role], communities=communities, districts=districts
    )


ERRORS = "errors { __typename code field message ... on TransitionNotAllowedError { currentStatus action } }"


class GraphQLClient:
    """Posts GraphQL operations to an ASGI app, as a client over HTTP would."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None) -> dict[str, Any]:
        """The whole response body."""
        headers = {"authorization": f"Bearer {as_}"} if as_ else {}
        response = await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert response.status_code in (200, 400), response.text
        body: dict[str, Any] = response.json()
        return body

    async def mutation(self, name: str, input: dict[str, Any], selection: str, *, as_: str) -> dict[str, Any]:
        """Run mutation ``name`` with ``input`` as its ``XxxInput`` variable; return its payload (with typed errors)."""
        type_name = name[0].upper() + name[1:] + "Input"
        data = await self.data(
            f"mutation($input: {type_name}!) {{ {name}(input: $input) {{ {selection} {ERRORS} }} }}", {"input": input}, as_=as_
        )
        payload: dict[str, Any] = data[name]
        return payload

    async def data(self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None) -> dict[str, Any]:
        """The ``data`` of a response that must have no errors."""
        body = await self.post(query, variables, as_=as_)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@asynccontextmanager
async def running(app: Starlette) -> AsyncIterator[GraphQLClient]:
    """Run the app's lifespan and give a client bound to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://needs.test") as http:
            yield GraphQLClient(http)


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0, what: str = "condition") -> None:
    """Poll until ``check`` is true; fail with ``what`` after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def require_rabbitmq() -> None:
    """Fail loudly (never skip) when the broker cannot be reached."""
    try:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
    except Exception as error:  # noqa: BLE001 - any failure to connect is reported as such
        pytest.fail(f"RabbitMQ is not reachable at {AMQP_URL}: {error!r}; start it with `rabbitmq-server -detached`")
    await connection.close()


async def delete_topology(namespace: str, consumers: Iterable[str], delays: Iterable[int]) -> None:
    """Remove what a test namespace declared on the broker."""
    await delete_namespace(AMQP_URL, namespace, consumers, delays)


@asynccontextmanager
async def serving(app: ASGIApp, *, port: int = 0, lifespan: bool = True) -> AsyncIterator[str]:
    """Serve the app with uvicorn on a free loopback port; yield its base URL (``http://127.0.0.1:N``).

    ``lifespan=False`` serves an app whose lifespan is already running (entered by :func:`running`).
    """
    import uvicorn

    from services.common.serve import QuietServer

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on" if lifespan else "off", ws="websockets-sansio")
    server = QuietServer(config)
    task = asyncio.create_task(server.serve())
    try:
        await eventually(_started(server), what="uvicorn to start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _started(server: Any) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return bool(server.started)

    return check


SUBGRAPHS = ("needs", "claims", "orgs", "events", "notices", "people", "disclosure", "audit", "evidence")


class HttpxTransport:
    """The gateway's HTTP port over an httpx client, whose ASGI mounts route it to in-process subgraphs."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float) -> tuple[int, bytes]:
        """POST through httpx; its errors become :class:`TransportError` named as before."""
        try:
            response = await self.client.post(url, content=body, headers={**headers, "content-type": "application/json"}, timeout=timeout_s)
        except httpx.HTTPError as error:
            raise TransportError(type(error).__name__) from error
        return response.status_code, response.content

    async def close(self) -> None:
        """Close the httpx client."""
        await self.client.aclose()


class HttpxFileTransport:
    """The gateway's streaming file port over an httpx client (the body read from httpx chunk by chunk, as it comes)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def open(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes | None, connect_timeout_s: float, read_timeout_s: float
    ) -> Upstream:
        """Send through httpx with ``stream=True``; its errors become :class:`TransportError` named as before."""
        request = self.client.build_request(
            method, url, headers=headers, content=body, timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as error:
            raise TransportError(type(error).__name__) from error

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_raw():
                    yield chunk
            except httpx.HTTPError as error:
                raise TransportError(type(error).__name__) from error

        return Upstream(response.status_code, {name.lower(): value for name, value in response.headers.items()}, chunks(), response.aclose)

    async def close(self) -> None:
        """Close the httpx client."""
        await self.client.aclose()


def gateway_over(apps: Mapping[str, Starlette], settings: Settings | None = None) -> tuple[Starlette, httpx.AsyncClient]:
    """The gateway in front of in-process subgraph apps (named as in ``SUBGRAPHS``), reached over ASGI.

    Returns the gateway app and the HTTP client it calls the subgraphs with (close it after).
    """
    http = httpx.AsyncClient(mounts={f"http://{name}": httpx.ASGITransport(app=app) for name, app in apps.items()})
    urls = {f"{name}_url": f"http://{name}/graphql" for name in SUBGRAPHS}
    base = settings.model_dump() if settings is not None else {}
    composed = tuple(name for name in SUBGRAPHS if name in apps)
    gateway = create_gateway_app(
        GatewaySettings(**{**base, **urls, "subgraphs": composed}), http=HttpxTransport(http), files=HttpxFileTransport(http)
    )
    return gateway, http


@asynccontextmanager
async def running_gateway(apps: Mapping[str, Starlette], settings: Settings) -> AsyncIterator[GraphQLClient]:
    """:func:`gateway_over`, started, with a client bound to it."""
    gateway, http = gateway_over(apps, settings)
    try:
        async with running(gateway) as client:
            yield client
    finally:
        await http.aclose()


async def observe(bus: Bus, *bindings: str) -> list[Event]:
    """Subscribe an ``observer`` consumer to ``bindings``; the list it appends every matching event to."""
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    await bus.subscribe(Subscription("observer", bindings, record))
    return seen
