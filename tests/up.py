"""``python -m services up`` as a subprocess on free ports: what `make up` runs, for tests to drive."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

__all__ = ["RunningPlatform", "platform_up"]

SERVICES = ("needs", "claims", "orgs", "events", "notices", "people", "gateway")


@dataclass
class RunningPlatform:
    """The running platform: each part's GraphQL URL, the banner it printed, and its development tokens by role."""

    urls: dict[str, str]
    banner: str
    tokens: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def platform_up(*, within: float = 60.0) -> AsyncIterator[RunningPlatform]:
    """Start ``up`` (memory store, in-process bus, demo data), wait for its banner, stop it with Ctrl-C (SIGINT) after."""
    ports = {name: _free_port() for name in SERVICES}
    env = {**os.environ, **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()}, "MONGODB_URL": "memory://", "AMQP_URL": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services", "up", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    assert process.stdout is not None
    printed: list[str] = []
    running = RunningPlatform(urls={name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}, banner="")
    try:
        async with asyncio.timeout(within):
            while not printed or "Ctrl-C" not in printed[-1]:
                line = (await process.stdout.readline()).decode()
                if not line:
                    raise RuntimeError("`up` exited before printing its banner:\n" + "".join(printed))
                printed.append(line)
        running.banner = "".join(printed)
        running.tokens = {
            parts[0]: parts[-1] for parts in (line.split() for line in printed) if len(parts) == 2 and parts[-1].count(".") == 2
        }
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(15):
            running.exit_code = await process.wait()
