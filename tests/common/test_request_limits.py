"""The request limits before the app: headers, bodies by their length or as read, and larger bodies only where allowed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.common.request_limits import RequestLimitsMiddleware


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({"read": len(await request.body())})


def _client(**limits: Any) -> httpx.AsyncClient:
    app = Starlette(
        routes=[Route("/graphql", _echo, methods=["POST"]), Route("/uploads/{token}", _echo, methods=["PUT"])],
        middleware=[Middleware(RequestLimitsMiddleware, **limits)],
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_bodies_up_to_the_limit_pass_and_larger_ones_are_refused_in_json() -> None:
    async with _client(max_body_bytes=1_000) as client:
        passed = await client.post("/graphql", content=b"x" * 1_000)
        refused = await client.post("/graphql", content=b"x" * 1_001)

    assert passed.json() == {"read": 1_000}
    assert refused.status_code == 413
    assert refused.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_chunked_body_is_refused_once_it_grows_past_the_limit() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 400

    async with _client(max_body_bytes=1_000) as client:
        refused = await client.post("/graphql", content=chunks())

    assert refused.status_code == 413


async def test_only_the_routes_named_may_take_larger_bodies() -> None:
    async with _client(max_body_bytes=1_000, larger_bodies={"/uploads/": 5_000}) as client:
        upload = await client.put("/uploads/t1", content=b"x" * 4_000)
        graphql = await client.post("/graphql", content=b"x" * 4_000)
        too_large_upload = await client.put("/uploads/t1", content=b"x" * 5_001)

    assert upload.json() == {"read": 4_000}
    assert graphql.status_code == 413
    assert too_large_upload.status_code == 413
    assert "5000 bytes" in too_large_upload.json()["errors"][0]["message"]


async def test_headers_past_the_limit_are_refused_with_431() -> None:
    async with _client(max_body_bytes=1_000, max_header_bytes=2_048) as client:
        refused = await client.post("/graphql", content=b"{}", headers={"authorization": "Bearer " + "a" * 4_000})

    assert refused.status_code == 431
    assert refused.json()["errors"][0]["extensions"]["code"] == "REQUEST_HEADER_FIELDS_TOO_LARGE"
