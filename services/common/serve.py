"""Serve several ASGI apps in one process (uvicorn), stopping them together on Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from services.common.identity import insecure_secret
from services.common.settings import Settings

__all__ = ["KEEP_ALIVE_S", "Listener", "QuietServer", "refuse_insecure_secret", "serve_all", "settle_garbage_collector"]

KEEP_ALIVE_S = 65
"""Idle keep-alive connections are kept this long; longer than the gateway's pool keeps them (30 s),
so the gateway never reuses a connection the server is closing."""


@dataclass(frozen=True)
class Listener:
    """One app on one port."""

    name: str
    app: ASGIApp
    host: str
    port: int

    @property
    def url(self) -> str:
        """Where its GraphQL endpoint is."""
        return f"http://{self.host}:{self.port}/graphql"


class QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its caller (several share one process)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_all(listeners: Sequence[Listener], *, on_started: Callable[[], Awaitable[None]] | None = None) -> None:
    """Run every listener until SIGINT/SIGTERM; then shut all of them down cleanly."""
    servers = [
        QuietServer(
            uvicorn.Config(
                listener.app,
                host=listener.host,
                port=listener.port,
                log_config=None,
                lifespan="on",
                ws="websockets-sansio",
                timeout_keep_alive=KEEP_ALIVE_S,
            )
        )
        for listener in listeners
    ]
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        while not all(server.started for server in servers):
            if any(task.done() for task in tasks):
                stop()
                break
            await asyncio.sleep(0.05)
        else:
            if on_started is not None:
                await on_started()
            settle_garbage_collector()
        await asyncio.gather(*tasks)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def settle_garbage_collector() -> None:
    """Once started (and loaded), move what exists out of the cycle collector's sight, and collect less often.

    Requests allocate many short-lived objects, so collections run every few requests; a full
    collection walks every live object: the supergraph in the gateway, and in the embedded mode
    the whole ``memory://`` store (100 000 needs at district scale: hundreds of milliseconds per
    pass, seen as tail latency). Frozen objects are still freed by reference counting.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def refuse_insecure_secret(settings: Settings) -> None:
    """Outside the embedded mode, the development (or a short) HS256 secret stops the start-up (exit status 2).

    Anyone can mint a district administrator's token with the secret published in the
    repository; a part run alone (a deployment) must have a secret of its own.
    """
    reason = insecure_secret(settings)
    if reason is not None:
        print(f"renling: refusing to start: {reason}", file=sys.stderr)
        sys.exit(2)
