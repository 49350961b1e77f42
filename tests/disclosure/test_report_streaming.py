"""A report export streams through the gateway: its first bytes reach the client while the service is still sending.

Both the disclosure service and the gateway are served by uvicorn on loopback ports (real HTTP,
the gateway's production aiohttp client), so nothing in between buffers for the test. The service's
answer is held after its first chunk until the client has that chunk from the gateway: a gateway
that gathered the export before answering would never deliver it, and the test would fail on its
wait. The report is the real one (the scenario of ``test_reports``) cut into small chunks.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.common.identity import Role
from tests.disclosure.test_reports import PERIOD, World, csv_tables, scenario, world
from tests.support import serving

__all__ = ["world"]


class HeldAfterFirstChunk:
    """The disclosure service, except that a ``/reports`` answer pauses after its first body chunk until released."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.release = asyncio.Event()
        self.finished = asyncio.Event()
        self.chunks_sent = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/reports":
            await self.app(scope, receive, send)
            return

        async def held(message: Message) -> None:
            if message["type"] == "http.response.body":
                if self.chunks_sent == 1:
                    await self.release.wait()
                self.chunks_sent += 1
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.finished.set()

        await self.app(scope, receive, held)


async def test_a_district_export_streams_through_the_gateway_before_the_service_has_finished(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("services.disclosure.exports.CHUNK", 256)  # the real export, in many small chunks
    await scenario(world)
    admin = {"authorization": f"Bearer {world.token('admin', Role.DISTRICT_ADMIN)}"}
    held = HeldAfterFirstChunk(world.apps["disclosure"])
    report = f"/reports?district=d1&{PERIOD}&format=csv"
    async with AsyncExitStack() as service, AsyncExitStack() as edge, httpx.AsyncClient(timeout=10) as http:
        disclosure = await service.enter_async_context(serving(held, lifespan=False))
        settings = {**world.settings.model_dump(), "subgraphs": ("disclosure",), "disclosure_url": f"{disclosure}/graphql"}
        gateway = await edge.enter_async_context(serving(create_gateway_app(GatewaySettings(**settings))))

        async with http.stream("GET", gateway + report, headers=admin) as answer:
            chunks = answer.aiter_raw()
            first = await asyncio.wait_for(anext(chunks), timeout=10)  # while the service holds back the rest
            still_sending = not held.finished.is_set()
            held.release.set()
            rest = b"".join([chunk async for chunk in chunks])
        chunks_sent = held.chunks_sent
        held.release.set()
        direct = await http.get(disclosure + report, headers=admin)
        await service.aclose()  # the disclosure service goes away; the gateway stays
        unreachable = await http.get(gateway + report, headers=admin)

    assert still_sending
    assert answer.status_code == 200
    assert answer.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in answer.headers
    assert first.startswith("\ufeffreport,district,d1".encode())
    assert first + rest == direct.content
    assert chunks_sent > 3
    assert csv_tables((first + rest).decode())[1]["volunteer_hours"] == [["category", "hours"], ["GREEN_GUARDIANS", "12.5"]]
    assert (unreachable.status_code, unreachable.json()["errors"][0]["extensions"]["code"]) == (502, "SUBGRAPH_UNAVAILABLE")


class ServiceBroke(Exception):
    """The disclosure service's process failing mid-answer (uvicorn drops the connection)."""


class Faulty:
    """The disclosure service, except that ``/reports`` fails (``fault="fail"``), keeps the caller waiting (``"stall"``)
    or breaks off after its first chunk (``"break"``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.fault = ""
        self.stalled = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/reports" and self.fault == "fail":
            await send({"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Internal Server Error: Traceback (most recent call last) ..."})
            return
        if scope["type"] == "http" and scope["path"] == "/reports" and self.fault == "break":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"report,district,d1\r\n", "more_body": True})
            raise ServiceBroke
        if scope["type"] == "http" and scope["path"] == "/reports" and self.fault == "stall":
            self.stalled.set()
            await asyncio.sleep(1.5)
        await self.app(scope, receive, send)


async def read_into(received: list[bytes], answer: httpx.Response) -> None:
    """Every chunk of a streamed answer, appended as it comes."""
    async for chunk in answer.aiter_raw():
        received.append(chunk)


async def test_a_failing_or_stalled_service_is_a_json_error_at_the_gateway_and_a_broken_answer_is_cut_off(world: World) -> None:
    admin = {"authorization": f"Bearer {world.token('admin', Role.DISTRICT_ADMIN)}"}
    faulty = Faulty(world.apps["disclosure"])
    report = f"/reports?district=d1&{PERIOD}"
    async with serving(faulty, lifespan=False) as disclosure, httpx.AsyncClient(timeout=10) as http:
        settings = {
            **world.settings.model_dump(),
            "subgraphs": ("disclosure",),
            "disclosure_url": f"{disclosure}/graphql",
            "download_timeout_s": 0.5,
        }
        async with serving(create_gateway_app(GatewaySettings(**settings))) as gateway:
            faulty.fault = "fail"
            failed = await http.get(gateway + report, headers=admin)
            faulty.fault = "stall"
            stalled = await http.get(gateway + report, headers=admin)
            faulty.fault = "break"
            received: list[bytes] = []
            async with http.stream("GET", gateway + report, headers=admin) as broken:
                with pytest.raises(httpx.RemoteProtocolError):  # cut off: never presented as a complete file
                    await read_into(received, broken)
            faulty.fault = ""
            passed_on = await http.get(gateway + report, headers=admin)  # the service's own refusal (no such district yet)
            direct = await http.get(disclosure + report, headers=admin)

    assert (failed.status_code, failed.headers["content-type"]) == (502, "application/json")
    assert failed.json()["errors"][0]["extensions"]["code"] == "SUBGRAPH_FAILED"
    assert "Traceback" not in failed.text  # the service's own failure text stays inside
    assert faulty.stalled.is_set()
    assert (stalled.status_code, stalled.json()["errors"][0]["extensions"]["code"]) == (504, "SUBGRAPH_TIMEOUT")
    assert (broken.status_code, b"".join(received)) == (200, b"report,district,d1\r\n")
    assert (passed_on.status_code, passed_on.json()) == (direct.status_code, direct.json())
    assert passed_on.json()["errors"][0]["extensions"]["field"] == "district"
