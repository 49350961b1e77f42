"""``python -m bench.platform``: the embedded platform (as ``make up``) with a generated district.

The services share one in-process bus and the ``memory://`` store, as in ``make up``; the
gateway is started separately by the benchmarks. Prints one ``BENCH {json}`` line with the
start-up and load times once the district is loaded, then serves until Ctrl-C.

``SIGUSR1`` splits it: the one-process platform stops, and the loaded district is served by one
process per service group (:data:`GROUPS`: needs, claims, orgs, the rest), as a deployment runs
one process per service. They are forked from the loaded process, so each starts with the whole
``memory://`` store as it was (copy-on-write) and fresh apps over it (each group its own
in-process bus); after the fork nothing is shared, so events no longer travel between groups: a
split platform serves reads (what the district benchmark sends), and a write would reach only its
own service's store. Prints ``SPLIT {json}`` (each group's process id) once forked.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence

import uvloop
from starlette.applications import Starlette

from bench.dataset import District, load_district
from services.cli import SERVICES
from services.common.app import make_bus
from services.common.serve import Listener, serve_all
from services.common.settings import Settings
from services.common.store.memory import MemoryServer

__all__ = ["GROUPS", "main"]

GROUPS: tuple[tuple[str, ...], ...] = (
    ("needs",),
    ("claims",),
    ("orgs",),
    tuple(name for name in SERVICES if name not in ("needs", "claims", "orgs")),
)
"""The processes of a split platform: one per service the district views read, one for the rest."""


def main() -> None:
    """Serve every service with the district named on the command line; split on SIGUSR1."""
    parser = argparse.ArgumentParser(prog="python -m bench.platform")
    District.add_arguments(parser)
    district = District.from_arguments(parser.parse_args())
    settings = Settings()
    memory = MemoryServer()
    split: list[bool] = []
    try:
        uvloop.run(_serve(settings, district, memory, split))
    except KeyboardInterrupt:
        sys.exit(130)
    if split:
        _serve_split(settings, memory)


def _serve_split(settings: Settings, memory: MemoryServer) -> None:
    """Fork one process per group over the loaded store; forward SIGINT/SIGTERM to them and wait for them."""
    gc.collect()
    gc.freeze()  # the store's objects stay shared pages: no collection in a child walks (and so copies) them
    stops = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    children: dict[str, int] = {}
    for group in GROUPS:
        pid = os.fork()
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
            code = 1
            try:
                uvloop.run(_serve_group(settings, memory, group))
                code = 0
            except Exception:
                logging.getLogger("bench.platform").exception("the process of %s stopped", "+".join(group))
            finally:
                os._exit(code)  # a child never returns into the parent's code
        children["+".join(group)] = pid
    print("SPLIT " + json.dumps({"processes": children}), flush=True)
    signal.sigwait(stops)
    for pid in children.values():
        os.kill(pid, signal.SIGINT)
    for pid in children.values():
        os.waitpid(pid, 0)


async def _serve_group(settings: Settings, memory: MemoryServer, names: Sequence[str]) -> None:
    """Serve the services ``names`` over the forked store, with an in-process bus of their own."""
    bus = make_bus(settings)
    await bus.start()
    apps = {name: SERVICES[name][0](settings, memory=memory, bus=bus) for name in names}
    try:
        await serve_all([Listener(name, app, settings.host, SERVICES[name][1](settings)) for name, app in apps.items()])
    finally:
        await bus.close()


async def _serve(settings: Settings, district: District, memory: MemoryServer, split: list[bool]) -> None:
    began = time.perf_counter()
    bus = make_bus(settings)
    await bus.start()
    apps = {name: factory(settings, memory=memory, bus=bus) for name, (factory, _) in SERVICES.items()}

    def split_now() -> None:
        split.append(True)
        os.kill(os.getpid(), signal.SIGTERM)  # serve_all stops every listener on SIGTERM

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, split_now)
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
