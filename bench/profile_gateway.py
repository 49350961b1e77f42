"""The gateway's own CPU per request on the public query, and where it goes (cProfile).

``python -m bench.profile_gateway [--requests N] [--top K] [--query official|without]``: the four
public subgraphs (``bench/peers/subgraphs.mjs``) are started and each distinct subgraph request is
answered by them once; every later identical request is answered from that record (the bytes
parsed again, as the HTTP client would), in process. So what is measured is the gateway alone:
parse and plan (cached), fetch bookkeeping, merging, shaping, and encoding the response with
orjson — no network, no subgraph. Prints the mean CPU per request, then the top of the profile.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import orjson

from bench.measure import PEERS
from bench.processes import free_port, started
from bench.public import LOAD_CPU, QUERIES, pointed_at
from gateway.client import SubgraphClient
from gateway.gateway import Gateway
from gateway.keep_alive import KeepAliveTransport
from gateway.settings import GatewaySettings
from gateway.supergraph_sdl import load_supergraph
from services.common.serve import settle_garbage_collector

__all__ = ["RecordingTransport", "main", "profile"]


class RecordingTransport:
    """Posts to the real subgraphs once per distinct (URL, body); answers again from the record."""

    def __init__(self) -> None:
        self._real = KeepAliveTransport()
        self.record: dict[tuple[str, bytes], tuple[int, bytes]] = {}
        self.replaying = False

    async def post(self, url: str, body: bytes, headers: Mapping[str, str], *, timeout_s: float) -> tuple[int, bytes]:
        """The recorded answer, or the subgraph's (recorded) while not replaying."""
        key = (url, body)
        found = self.record.get(key)
        if found is not None:
            return found
        if self.replaying:
            raise RuntimeError(f"a request not seen while recording: {body[:200]!r}")
        found = self.record[key] = await self._real.post(url, body, headers, timeout_s=timeout_s)
        return found

    async def close(self) -> None:
        """Close the real client."""
        await self._real.close()


async def _run(supergraph_sdl: str, query: str, requests: int, top: int) -> None:
    supergraph = load_supergraph(supergraph_sdl)
    settings = GatewaySettings(max_cost=1_000_000)
    transport = RecordingTransport()
    client = SubgraphClient(transport, supergraph.subgraphs, timeout_s=10.0, dedup=False)
    gateway = Gateway(supergraph, client, settings)
    body = {"query": query}
    first = await gateway.execute(body, {})
    if first.get("errors"):
        raise RuntimeError(f"the query answered with errors: {first['errors'][:3]}")
    reference = orjson.dumps(first)
    transport.replaying = True
    for _ in range(20):  # warm up
        await gateway.execute(body, {})
    settle_garbage_collector()  # as the server does once started
    began, cpu_began = time.perf_counter(), time.process_time()
    for _ in range(requests):
        orjson.dumps(await gateway.execute(body, {}))
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    print(f"{requests} requests: {cpu / requests * 1000:.3f} ms CPU each ({wall / requests * 1000:.3f} ms wall), {len(reference)} bytes")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        orjson.dumps(await gateway.execute(body, {}))
    profiler.disable()
    again = orjson.dumps(await gateway.execute(body, {}))
    print("same answer after the runs:", again == reference)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    print(out.getvalue())
    await transport.close()


def profile(*, query: str, requests: int, top: int) -> None:
    """Start the subgraphs, then record, time and profile the query in process."""
    with tempfile.TemporaryDirectory(prefix="renling-profile-") as folder:
        port = free_port()
        with started("subgraphs", ["node", "subgraphs.mjs", str(port)], port=port, cwd=PEERS, cpus=LOAD_CPU):
            supergraph = pointed_at(port, Path(folder))
            asyncio.run(_run(supergraph.read_text(encoding="utf-8"), query, requests, top))


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile_gateway")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--query", choices=("official", "without"), default="official")
    args = parser.parse_args()
    query = QUERIES["official query" if args.query == "official" else "without shippingEstimate"]
    profile(query=query, requests=args.requests, top=args.top)


if __name__ == "__main__":
    main()
