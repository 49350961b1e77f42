"""``python -m bench.platform``: the embedded platform (as ``make up``) with a generated district.

The four services share one in-process bus and the ``memory://`` store, as in ``make up``; the
gateway is started separately by the benchmarks. Prints one ``BENCH {json}`` line with the
start-up and load times once the district is loaded, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Mapping

import uvloop
from starlette.applications import Starlette

from bench.dataset import District, load_district
from services.cli import SERVICES
from services.common.app import make_bus
from services.common.serve import Listener, serve_all
from services.common.settings import Settings
from services.common.store.memory import MemoryServer

__all__ = ["main"]


def main() -> None:
    """Serve needs, claims, orgs and events with the district named on the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.platform")
    District.add_arguments(parser)
    district = District.from_arguments(parser.parse_args())
    try:
        uvloop.run(_serve(Settings(), district))
    except KeyboardInterrupt:
        sys.exit(130)


async def _serve(settings: Settings, district: District) -> None:
    began = time.perf_counter()
    bus = make_bus(settings)
    await bus.start()
    memory = MemoryServer() if settings.mongodb_url.startswith("memory://") else None
    apps = {name: factory(settings, memory=memory, bus=bus) for name, (factory, _) in SERVICES.items()}
    listeners = [Listener(name, app, settings.host, SERVICES[name][1](settings)) for name, app in apps.items()]

    async def started() -> None:
        serving = time.perf_counter() - began
        loaded = await load_district(
            district, apps["orgs"].state.handlers, apps["needs"].state.handlers, apps["claims"].state.handlers, progress=_note
        )
        await _until_settled(apps)
        drain = getattr(bus, "drain", None)
        if drain is not None:
            await drain()  # every consumer (the statistics' too) has handled what was published
        figures = {
            "serving_s": round(serving, 2),
            "loaded_s": round(time.perf_counter() - began, 2),
            "load_s": {part: round(seconds, 2) for part, seconds in loaded.seconds.items()},
            "claims": loaded.claims,
            "pid": os.getpid(),
        }
        print("BENCH " + json.dumps(figures), flush=True)

    try:
        await serve_all(listeners, on_started=started)
    finally:
        await bus.close()


async def _until_settled(apps: Mapping[str, Starlette]) -> None:
    """Until every outbox is empty (the events of the load have been published and handled)."""
    for _ in range(3_000):
        pending = 0
        for app in apps.values():
            store = app.state.handlers.store
            for collection in getattr(store, "outbox_collections", ()):
                pending += await collection.count_documents({"outbox.id": {"$exists": True}})
        if not pending:
            return
        await asyncio.sleep(0.1)


def _note(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
