"""``python -m bench.receiver --port N``: one process standing in for many partners' webhook receivers.

Every ``POST /hook/<n>`` is one partner's endpoint (the events service sees a thousand distinct
URLs; they share this host and port, as endpoints behind one load balancer would). Each arrival
is recorded with the system's monotonic clock (``time.monotonic``, CLOCK_MONOTONIC, the same in
every process of the machine) under the event's ``subject``; ``GET /arrivals/<subject>`` answers
how many deliveries of it came, to how many distinct endpoints, and when the first and the last
arrived. The receiver answers 204 at once and verifies nothing (the tests check signatures).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict

from aiohttp import web

__all__ = ["main", "receiver_app"]


def receiver_app() -> web.Application:
    """The receiver: POST /hook/<n> records, GET /arrivals/<subject> reports."""
    arrivals: dict[str, list[tuple[float, str]]] = defaultdict(list)

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        arrived = time.monotonic()
        if not request.headers.get("webhook-signature", "").startswith("v1,"):
            return web.Response(status=400, text="unsigned")
        subject = str(json.loads(body).get("subject"))
        arrivals[subject].append((arrived, request.match_info["n"]))
        return web.Response(status=204)

    async def report(request: web.Request) -> web.Response:
        seen = arrivals.get(request.match_info["subject"], [])
        times = [moment for moment, _ in seen]
        return web.json_response(
            {
                "count": len(seen),
                "endpoints": len({endpoint for _, endpoint in seen}),
                "first": min(times) if times else None,
                "last": max(times) if times else None,
            }
        )

    app = web.Application()
    app.router.add_post("/hook/{n}", receive)
    app.router.add_get("/arrivals/{subject}", report)
    return app


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m bench.receiver")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(receiver_app(), host="127.0.0.1", port=args.port, print=None, access_log=None, backlog=2048)


if __name__ == "__main__":
    main()
