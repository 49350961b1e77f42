"""Fan-out: one event to 1 000 webhook endpoints and 1 000 subscriptions, and what it costs the mutations.

Run by :func:`bench.events.run_events` against the services it started (every service its own
process on RabbitMQ, the gateway in front). The webhook receivers are one process
(:mod:`bench.receiver`) with one path per endpoint; the events service is started with
``WEBHOOK_ALLOW_PRIVATE=true``, the documented switch for receivers on loopback (the address
guard refuses them otherwise). The subscriptions are 1 000 graphql-transport-ws sockets, each
its own partner token, through the gateway (as partners connect) or straight to the events
service (``via="events"``, to tell the two hops apart).

Each event is one ``registerOrganization`` mutation by community staff; its
``orgs.org.registered.v1`` event is public, so every partner sees it. Measured per event: the
time from sending the mutation to the arrival at the *last* endpoint (the receiver's clock) and
at the *last* subscriber (this process's clock; both CLOCK_MONOTONIC), over several events
(p50/p95/max); the CPU seconds the events service (and the gateway) used per delivery; and the
latency of other mutations (in another community, which no partner follows) at a steady rate,
with the fan-out idle and with it running.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import websockets
from websockets.typing import Subprotocol

from bench.processes import Measured

__all__ = ["FanOut", "run_fanout"]

PROTOCOL = Subprotocol("graphql-transport-ws")
EVENT = "orgs.org.registered.v1"
WAIT_S = 30.0
REGISTER = (
    "mutation($input: RegisterOrganizationInput!) { registerOrganization(input: $input) "
    "{ organization { id } errors { code field message } } }"
)
REGISTER_WEBHOOK = "mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { endpoint { id } errors { code message } } }"
SUBSCRIBE = f'subscription {{ events(types: ["{EVENT}"]) {{ id subject }} }}'


@dataclass
class FanOut:
    """Where everything is, and who acts."""

    gateway_url: str
    ws_url: str
    events_ws_url: str
    receiver_url: str
    staff: str
    quiet_staff: str
    partners: list[str]
    community: str
    quiet_community: str
    organization: Callable[[str, str], dict[str, Any]]
    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(_percentile(values, 0.95), 1),
        "max_ms": round(max(values), 1),
    }


async def _mutate(http: aiohttp.ClientSession, setup: FanOut, token: str, community: str) -> tuple[str, float]:
    """One registerOrganization; the organization's id (the event's subject) and the seconds it took."""
    body = {"query": REGISTER, "variables": {"input": setup.organization(uuid.uuid4().hex[:10], community)}}
    began = time.monotonic()
    async with http.post(setup.gateway_url, json=body, headers={"authorization": f"Bearer {token}"}) as response:
        answer = await response.json()
    took = time.monotonic() - began
    payload = (answer.get("data") or {}).get("registerOrganization")
    if not payload or payload["errors"]:
        raise RuntimeError(f"registerOrganization failed: {answer}")
    return str(payload["organization"]["id"]), took


async def _register_webhooks(http: aiohttp.ClientSession, setup: FanOut, count: int) -> list[tuple[str, str]]:
    """``count`` endpoints, each its own partner and path, following the community's organization events; (token, id) of each."""
    limit = asyncio.Semaphore(16)
    registered: list[tuple[str, str]] = []

    async def one(number: int) -> None:
        variables = {"i": {"url": f"{setup.receiver_url}/hook/{number}", "types": [EVENT], "communities": [setup.community]}}
        async with (
            limit,
            http.post(
                setup.gateway_url,
                json={"query": REGISTER_WEBHOOK, "variables": variables},
                headers={"authorization": f"Bearer {setup.partners[number % len(setup.partners)]}"},
            ) as response,
        ):
            answer = await response.json()
        if not answer.get("data") or answer["data"]["registerWebhook"]["errors"]:
            raise RuntimeError(f"registerWebhook failed: {answer}")
        registered.append((setup.partners[number % len(setup.partners)], answer["data"]["registerWebhook"]["endpoint"]["id"]))

    await asyncio.gather(*(one(number) for number in range(count)))
    return registered


async def _delete_webhooks(http: aiohttp.ClientSession, setup: FanOut, registered: list[tuple[str, str]]) -> None:
    """The run's endpoints go (a next run must not deliver to them too)."""
    limit = asyncio.Semaphore(16)
    mutation = "mutation($i: DeleteWebhookInput!) { deleteWebhook(input: $i) { errors { message } } }"

    async def one(token: str, endpoint_id: str) -> None:
        body = {"query": mutation, "variables": {"i": {"endpointId": endpoint_id}}}
        async with limit, http.post(setup.gateway_url, json=body, headers={"authorization": f"Bearer {token}"}) as response:
            answer = await response.json()
        if not answer.get("data") or answer["data"]["deleteWebhook"]["errors"]:
            raise RuntimeError(f"deleteWebhook failed: {answer}")

    await asyncio.gather(*(one(token, endpoint_id) for token, endpoint_id in registered))


@asynccontextmanager
async def _subscribers(setup: FanOut, ws_url: str, count: int) -> AsyncIterator[None]:
    """``count`` sockets, one subscription each; every frame's arrival is recorded under its subject."""
    opened: list[websockets.ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    limit = asyncio.Semaphore(32)

    async def read(socket: websockets.ClientConnection) -> None:
        async for raw in socket:
            message = json.loads(raw)
            if message["type"] == "next":
                setup.arrivals[message["payload"]["data"]["events"]["subject"]].append(time.monotonic())
            elif message["type"] == "error":
                raise RuntimeError(f"subscription error: {message}")

    async def one(number: int) -> None:
        async with limit:
            socket = await websockets.connect(ws_url, subprotocols=[PROTOCOL], max_size=None, open_timeout=60)
            opened.append(socket)
            await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {setup.partners[number]}"}}))
            if json.loads(await socket.recv())["type"] != "connection_ack":
                raise RuntimeError("the subscription connection was refused")
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
            readers.append(asyncio.create_task(read(socket)))

    try:
        await asyncio.gather(*(one(number) for number in range(count)))
        yield
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(socket.close() for socket in opened), return_exceptions=True)


async def _received(http: aiohttp.ClientSession, setup: FanOut, subject: str) -> dict[str, Any]:
    async with http.get(f"{setup.receiver_url}/arrivals/{subject}") as response:
        answer: dict[str, Any] = await response.json()
        return answer


async def _one_event(http: aiohttp.ClientSession, setup: FanOut, *, endpoints: int, subscribers: int) -> dict[str, Any]:
    """One fan-out event: mutation sent → last webhook and last subscription frame, in ms (None where it did not complete)."""
    began = time.monotonic()
    subject, _ = await _mutate(http, setup, setup.staff, setup.community)
    deadline = began + WAIT_S
    hooks: dict[str, Any] = {"count": 0, "endpoints": 0, "last": None}
    while time.monotonic() < deadline:
        if endpoints:
            hooks = await _received(http, setup, subject)
        if hooks["endpoints"] >= endpoints and len(setup.arrivals[subject]) >= subscribers:
            break
        await asyncio.sleep(0.02)
    frames = setup.arrivals[subject]
    return {
        "webhooks": hooks["endpoints"],
        "webhook_last_ms": round(1000 * (hooks["last"] - began), 1) if endpoints and hooks["endpoints"] >= endpoints else None,
        "frames": len(frames),
        "frame_last_ms": round(1000 * (max(frames) - began), 1) if subscribers and len(frames) >= subscribers else None,
    }


async def _phase(
    http: aiohttp.ClientSession,
    setup: FanOut,
    processes: Mapping[str, Measured],
    *,
    name: str,
    events: int,
    endpoints: int,
    subscribers: int,
    report: Callable[[str], None],
) -> dict[str, Any]:
    """A warm-up event (every receiver and subscription live), then ``events`` measured ones, one at a time."""
    for _ in range(5):
        if all(
            v is not None for k, v in (await _one_event(http, setup, endpoints=endpoints, subscribers=subscribers)).items() if "_ms" in k
        ):
            break
    cpu = {who: processes[who].cpu_s() for who in ("events", "gateway")}
    rounds = []
    for _ in range(events):
        rounds.append(await _one_event(http, setup, endpoints=endpoints, subscribers=subscribers))
        await asyncio.sleep(0.3)
    used = {who: processes[who].cpu_s() - cpu[who] for who in cpu}
    deliveries = events * (endpoints + subscribers)
    figures: dict[str, Any] = {"endpoints": endpoints, "subscribers": subscribers, "events": events, "rounds": rounds}
    for kind, key, wanted in (("webhooks", "webhook_last_ms", endpoints), ("subscriptions", "frame_last_ms", subscribers)):
        if not wanted:
            continue
        done = [r[key] for r in rounds if r[key] is not None]
        figures[f"{kind}_last"] = _summary(done) if done else None
        figures[f"{kind}_complete"] = f"{len(done)}/{events}"
    figures["cpu_ms_per_delivery"] = {who: round(1000 * seconds / deliveries, 3) for who, seconds in used.items()}
    report(f"fan-out {name}: {json.dumps({k: v for k, v in figures.items() if k != 'rounds'}, ensure_ascii=False)}")
    return figures


async def _mutation_latency(http: aiohttp.ClientSession, setup: FanOut, *, rate: float, seconds: float) -> dict[str, Any]:
    """Mutations in the quiet community (no partner follows it) at ``rate`` per second; their latency."""
    took: list[float] = []
    failed: list[str] = []

    async def one() -> None:
        try:
            took.append(1000 * (await _mutate(http, setup, setup.quiet_staff, setup.quiet_community))[1])
        except (RuntimeError, aiohttp.ClientError, TimeoutError) as failure:  # counted, not hidden: the row says how many
            failed.append(str(failure)[:200])

    tasks = []
    began = time.monotonic()
    for number in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, began + number / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return {
        **(_summary(took) if took else {}),
        "mutations": len(took),
        "failed": len(failed),
        **({"first_failure": failed[0]} if failed else {}),
    }


async def _fan_out_meanwhile(http: aiohttp.ClientSession, setup: FanOut, *, seconds: float, every_s: float) -> int:
    """Fan-out events every ``every_s`` for ``seconds`` (not waited for); how many were sent."""
    sent = tried = 0
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        tried += 1
        with contextlib.suppress(RuntimeError, aiohttp.ClientError, TimeoutError):  # a refused one is simply not a fan-out event
            await _mutate(http, setup, setup.staff, setup.community)
            sent += 1
        await asyncio.sleep(max(0.0, began + tried * every_s - time.monotonic()))
    return sent


async def run_fanout(
    setup: FanOut,
    processes: Mapping[str, Measured],
    *,
    endpoints: int,
    subscribers: int,
    events: int,
    rate: float,
    seconds: float,
    via: str,
    report: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Subscriptions alone, then with the webhooks too, mutation latency with and without fan-out, then webhooks alone."""
    ws_url = setup.ws_url if via == "gateway" else setup.events_ws_url
    figures: dict[str, Any] = {"via": via}
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=64)) as http:
        figures["idle_mutations"] = await _mutation_latency(http, setup, rate=rate, seconds=seconds)
        report(f"mutations at {rate:g}/s, no fan-out: {json.dumps(figures['idle_mutations'])}")
        async with _subscribers(setup, ws_url, subscribers):
            figures["subscriptions_only"] = await _phase(
                http, setup, processes, name="subscriptions only", events=events, endpoints=0, subscribers=subscribers, report=report
            )
            registered = await _register_webhooks(http, setup, endpoints)
            figures["both"] = await _phase(
                http,
                setup,
                processes,
                name="webhooks + subscriptions",
                events=events,
                endpoints=endpoints,
                subscribers=subscribers,
                report=report,
            )
            fanning = asyncio.create_task(_fan_out_meanwhile(http, setup, seconds=seconds, every_s=1.0))
            figures["mutations_during_fan_out"] = await _mutation_latency(http, setup, rate=rate, seconds=seconds)
            figures["mutations_during_fan_out"]["fan_out_events"] = await fanning
            report(
                f"mutations at {rate:g}/s, one fan-out event a second to {endpoints} endpoints + {subscribers} subscriptions: "
                f"{json.dumps(figures['mutations_during_fan_out'])}"
            )
            await asyncio.sleep(5.0)  # the last fan-out events drain before the next phase
        figures["webhooks_only"] = await _phase(
            http, setup, processes, name="webhooks only", events=events, endpoints=endpoints, subscribers=0, report=report
        )
        fanning = asyncio.create_task(_fan_out_meanwhile(http, setup, seconds=seconds, every_s=1.0))
        figures["mutations_during_webhook_fan_out"] = await _mutation_latency(http, setup, rate=rate, seconds=seconds)
        figures["mutations_during_webhook_fan_out"]["fan_out_events"] = await fanning
        report(
            f"mutations at {rate:g}/s, one fan-out event a second to {endpoints} endpoints (no subscriptions): "
            f"{json.dumps(figures['mutations_during_webhook_fan_out'])}"
        )
        await asyncio.sleep(5.0)  # the last fan-out events drain
        await _delete_webhooks(http, setup, registered)
    return figures
