"""``python -m bench.downloads [--megabytes N]``: a large file through the gateway — throughput, and the memory it takes.

The disclosure service (its real app, on ``memory://``) answers ``/reports`` here with N MB of CSV-like
rows in 64 KiB chunks, as fast as it can; the gateway (its real app, with its production aiohttp
client) streams it to an httpx client that counts and drops the bytes. All three are served by
uvicorn on loopback in this one process, so the figures are for one core. Printed: the time, the
MB/s, and how much the process's peak resident memory (``ru_maxrss``) grew while the file went
through — a gateway that gathered the file before answering would grow by about N MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import time
from collections.abc import AsyncIterator

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.common.identity import Role, mint_token
from services.common.serve import QuietServer
from services.common.settings import Settings
from services.disclosure.app import create_app as create_disclosure_app

__all__ = ["main", "run_downloads"]

CHUNK = (b"2026-03-10,c1,GREEN_GUARDIANS,PARTY_SERVICE_FUND,30000,\xe5\xa4\x95\xe9\x98\xb3\xe5\xa4\xa9\xe4\xbd\xbf\r\n" * 1200)[:65536]


class LargeReport:
    """The disclosure service, with ``/reports`` answering ``size`` bytes of rows."""

    def __init__(self, app: ASGIApp, size: int) -> None:
        self.app, self.size = app, size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/reports":
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv; charset=utf-8")]})
        for _ in range(self.size // len(CHUNK)):
            await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


@contextlib.asynccontextmanager
async def serving(app: ASGIApp, *, lifespan: bool = True) -> AsyncIterator[str]:
    """The app served by uvicorn on a free loopback port; its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on" if lifespan else "off")
    server = QuietServer(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes no event for it
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run_downloads(*, megabytes: int) -> dict[str, float]:
    """Stream a 1 MB report through the gateway to warm up, then the large one measured; the figures."""
    settings = Settings(mongodb_url="memory://", amqp_url="")
    disclosure_app = create_disclosure_app(settings)
    token = mint_token(settings, subject="bench", roles=[Role.DISTRICT_ADMIN], districts=["d1"])
    size = megabytes * 1024 * 1024
    report = LargeReport(disclosure_app, 1024 * 1024)
    async with disclosure_app.router.lifespan_context(disclosure_app), serving(report, lifespan=False) as disclosure:
        gateway_settings = GatewaySettings(
            **{**settings.model_dump(), "subgraphs": ("disclosure",), "disclosure_url": f"{disclosure}/graphql", "rate_limit": ""}
        )
        async with serving(create_gateway_app(gateway_settings)) as gateway, httpx.AsyncClient(timeout=60) as http:
            url = f"{gateway}/reports?district=d1&from=2026-01-01&to=2026-12-31"
            await _download(http, url, token)  # warm-up with 1 MB: connections, code paths
            report.size = size
            before = _peak_mb()
            began = time.perf_counter()
            received = await _download(http, url, token)
            seconds = time.perf_counter() - began
            after = _peak_mb()
    assert received == size // len(CHUNK) * len(CHUNK), received
    return {
        "megabytes": received / 1024 / 1024,
        "seconds": round(seconds, 2),
        "megabytes_per_second": round(received / 1024 / 1024 / seconds, 1),
        "peak_rss_before_mb": round(before, 1),
        "peak_rss_growth_mb": round(after - before, 1),
    }


async def _download(http: httpx.AsyncClient, url: str, token: str) -> int:
    received = 0
    async with http.stream("GET", url, headers={"authorization": f"Bearer {token}"}) as answer:
        assert answer.status_code == 200, await answer.aread()
        chunks: AsyncIterator[bytes] = answer.aiter_raw()
        async for chunk in chunks:
            received += len(chunk)
    return received


def main() -> None:
    """Print the figures of one measured download."""
    parser = argparse.ArgumentParser(prog="python -m bench.downloads")
    parser.add_argument("--megabytes", type=int, default=256, help="size of the report streamed (default 256)")
    figures = asyncio.run(run_downloads(megabytes=parser.parse_args().megabytes))
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
