"""``python -m services up`` as a subprocess on free ports: what `make up` runs, for tests to drive."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RunningPlatform", "platform_up"]

SERVICES = ("needs", "claims", "orgs", "events", "notices", "people", "disclosure", "audit", "evidence", "gateway")


@dataclass
class RunningPlatform:
    """The running platform: each part's GraphQL URL, the banner it printed, and its development tokens by role."""

    urls: dict[str, str]
    banner: str
    data: Path
    tokens: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    process: asyncio.subprocess.Process | None = None

    async def crash(self) -> None:
        """Kill it with SIGKILL (no clean stop: as a crash or a power cut would) and wait until it is gone."""
        assert self.process is not None
        self.process.kill()
        self.exit_code = await self.process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def platform_up(
    *,
    within: float = 60.0,
    data: Path | None = None,
    env: Mapping[str, str] | None = None,
    stderr: Path | None = None,
    fresh: bool = False,
    demo: bool = True,
) -> AsyncIterator[RunningPlatform]:
    """Start ``up`` (memory store journalled to ``data`` — a new folder if not given —, in-process bus, demo data),
    wait for its banner, stop it with Ctrl-C (SIGINT) after; ``stderr`` keeps its logs; ``fresh`` empties the folder first; ``demo=False`` starts empty."""
    with tempfile.TemporaryDirectory(prefix="renling-up-") as scratch:
        async with _platform_up(
            within, data or Path(scratch), env or {}, stderr, ["--fresh"] * fresh + ["--no-demo"] * (not demo)
        ) as running:
            yield running


@asynccontextmanager
async def _platform_up(
    within: float, data: Path, extra: Mapping[str, str], stderr: Path | None, arguments: list[str]
) -> AsyncIterator[RunningPlatform]:
    ports = {name: _free_port() for name in SERVICES}
    env = {
        **os.environ,
        **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()},
        "MONGODB_URL": "memory://",
        "AMQP_URL": "",
        "DATA_DIR": str(data),
        **extra,
    }
    log = stderr.open("ab") if stderr is not None else None
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services",
        "up",
        *arguments,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=log if log is not None else asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    printed: list[str] = []
    running = RunningPlatform(
        urls={name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}, banner="", data=data, process=process
    )
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
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(15):
                running.exit_code = await process.wait()
        if log is not None:
            log.close()
