"""Partner events: mutation → subscription-frame latency, the pipeline's throughput, raw aio-pika beside them.

Every service runs as its own process on the real RabbitMQ (a fresh exchange namespace per
run) with the gateway in front, as deployed. Measured, in one run:

- **raw**: aio-pika alone on the same broker, a durable topic exchange into a quorum queue,
  persistent messages, publisher confirms, prefetch 32, manual acks; once publishing one
  message at a time (as the outbox relay does), once with 256 confirms in flight;
- **pipeline**: domain events published onto the bus exactly as the outbox relay publishes
  them, consumed by the events service (dedupe, feed append), and received by a subscriber
  through the gateway (graphql-transport-ws), events per second;
- **latency**: ``registerOrganization`` mutations sent through the gateway at a steady rate by
  community staff; a partner's subscription receives ``orgs.org.registered.v1``; the time from
  sending the mutation to the partner's frame, p50/p99, and the rate reached;
- **fan-out** (:mod:`bench.fanout`): one event to 1 000 webhook endpoints and 1 000
  subscriptions — mutation → last endpoint and last subscriber, CPU per delivery, and other
  mutations' latency with and without the fan-out running.

``python -m bench.events --only fanout`` runs the fan-out alone (``--endpoints``,
``--subscribers``, ``--events``, ``--via gateway,events``); ``BENCH_LOGS=<folder>`` keeps the
services' logs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import websockets
from websockets.typing import Subprotocol

from bench.fanout import FanOut, run_fanout
from bench.measure import ROOT, ensure_jwt_secret
from bench.processes import Measured, cpu_seconds, free_port, pids_of, started
from services.cli import SERVICES
from services.common.bus.rabbit import RabbitBus, delete_namespace
from services.common.events import new_event
from services.common.identity import Role, mint_token
from services.common.settings import LOCAL_RABBITMQ, Settings

__all__ = ["FanOutPlan", "run_events"]

DISTRICT, STREET, COMMUNITY = "district-events", "street-events", "community-events"
QUIET = "community-quiet"  # a community no partner follows: its mutations cause no fan-out
PROTOCOL = Subprotocol("graphql-transport-ws")
PAYLOAD = {"needId": "0" * 32, "communityId": COMMUNITY, "category": "blue_guard", "title": "基准事件", "actor": "bench"}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def raw_throughput(url: str, count: int, *, in_flight: int) -> float:
    """Messages per second from the first publish to the last ack, aio-pika alone."""
    name = f"bench-raw-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"data": PAYLOAD, "padding": "x" * 400}).encode()
    publisher, consumer = await aio_pika.connect_robust(url), await aio_pika.connect_robust(url)
    try:
        publish_channel = await publisher.channel(publisher_confirms=True)
        exchange = await publish_channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True, auto_delete=True)
        consume_channel = await consumer.channel()
        await consume_channel.set_qos(prefetch_count=32)
        queue = await consume_channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
        await queue.bind(name, routing_key="#")
        received = 0
        done = asyncio.Event()

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            await message.ack()
            received += 1
            if received == count:
                done.set()

        await queue.consume(on_message)
        began = time.perf_counter()
        pending: set[asyncio.Task[Any]] = set()
        for number in range(count):
            message = aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=str(number))
            if in_flight == 1:
                await exchange.publish(message, routing_key="needs.need.submitted.v1")
                continue
            pending.add(asyncio.create_task(exchange.publish(message, routing_key="needs.need.submitted.v1")))
            if len(pending) >= in_flight:
                finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    task.result()
        if pending:
            await asyncio.gather(*pending)
        await asyncio.wait_for(done.wait(), timeout=300)
        rate = count / (time.perf_counter() - began)
        await queue.delete(if_unused=False, if_empty=False)
        return rate
    finally:
        await publisher.close()
        await consumer.close()


@asynccontextmanager
async def subscription(ws_url: str, token: str, query: str) -> AsyncIterator[asyncio.Queue[tuple[float, dict[str, Any]]]]:
    """A graphql-transport-ws subscription; yields a queue of (arrival time, event) pairs."""
    frames: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
    async with websockets.connect(ws_url, subprotocols=[PROTOCOL], max_size=None) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        if json.loads(await socket.recv())["type"] != "connection_ack":
            raise RuntimeError("the gateway refused the subscription connection")
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))

        async def read() -> None:
            async for raw in socket:
                message = json.loads(raw)
                if message["type"] == "next":
                    frames.put_nowait((time.perf_counter(), message["payload"]["data"]["events"]))
                elif message["type"] == "error":
                    raise RuntimeError(f"subscription error: {message}")

        reader = asyncio.create_task(read())
        await asyncio.sleep(0.5)  # the subscription is live once the gateway has subscribed upstream
        try:
            yield frames
        finally:
            reader.cancel()


async def pipeline_throughput(settings: Settings, ws_url: str, staff: str, count: int) -> float:
    """Events per second from the first publish (as the outbox relay publishes) to the subscriber's last frame."""
    query = 'subscription { events(types: ["needs.need.submitted.v1"]) { id subject } }'
    bus = RabbitBus(settings.amqp_url, namespace=settings.events_exchange)
    await bus.start()
    try:
        async with subscription(ws_url, staff, query) as frames:
            began = time.perf_counter()
            for number in range(count):
                await bus.publish(
                    new_event("needs.need.submitted.v1", service="needs", community=COMMUNITY, subject=f"need-{number}", data=PAYLOAD)
                )
            seen = 0
            last = began
            while seen < count:
                last, _ = await asyncio.wait_for(frames.get(), timeout=120)
                seen += 1
            return count / (last - began)
    finally:
        await bus.close()


async def latency_at_rate(gateway_url: str, ws_url: str, staff: str, partner: str, rate: float, seconds: float) -> dict[str, Any]:
    """Mutations at ``rate`` per second; mutation sent → partner's frame, in milliseconds; failed mutations and missing frames counted."""
    query = 'subscription { events(types: ["orgs.org.registered.v1"]) { subject } }'
    sent: dict[str, float] = {}
    mutation = (
        "mutation($input: RegisterOrganizationInput!) { registerOrganization(input: $input) "
        "{ organization { id } errors { code field message } } }"
    )
    run = uuid.uuid4().hex[:6]
    failed: list[str] = []
    async with subscription(ws_url, partner, query) as frames, aiohttp.ClientSession() as http:

        async def register(number: int) -> None:
            body = {"query": mutation, "variables": {"input": _organization(f"{run}-{number}")}}
            began = time.perf_counter()
            async with http.post(gateway_url, json=body, headers={"authorization": f"Bearer {staff}"}) as response:
                answer = await response.json()
            payload = (answer.get("data") or {}).get("registerOrganization")
            if not payload or payload["errors"]:  # counted, not fatal: past the knee the gateway's subgraph timeout answers
                failed.append(str((answer.get("errors") or (payload and payload["errors"]) or ["no data"])[0]))
                return
            sent[payload["organization"]["id"]] = began

        total = int(rate * seconds)
        tasks = []
        began = time.perf_counter()
        for number in range(total):
            await asyncio.sleep(max(0.0, began + number / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(register(number)))
        await asyncio.gather(*tasks)
        sending_s = time.perf_counter() - began
        latencies: list[float] = []
        arrivals: dict[str, float] = {}
        with contextlib.suppress(TimeoutError):  # a frame that never comes is reported as missing, below
            while not sent.keys() <= arrivals.keys():
                arrived, event = await asyncio.wait_for(frames.get(), timeout=60)
                arrivals[event["subject"]] = arrived
        for subject, arrived in arrivals.items():
            if subject in sent:
                latencies.append(1000 * (arrived - sent[subject]))
    if not latencies:
        return {"rate_asked": rate, "events": 0, "failed": len(failed), "first_failure": failed[:1]}
    return {
        "rate_asked": rate,
        "rate_sent": round(total / sending_s, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "events": len(latencies),
        "failed": len(failed),
        "first_failure": failed[:1],
        "missing_frames": len(sent.keys() - arrivals.keys()),
    }


def _organization(name: str, community: str = COMMUNITY) -> dict[str, Any]:
    return {
        "communityId": community,
        "kind": "SOCIAL_ORGANIZATION",
        "foundedOn": "2020-01-01",
        "name": f"基准队{name}",
        "purpose": "PUBLIC_WELFARE",
        "fields": ["VOLUNTEER_SERVICE"],
        "description": "",
        "mentors": [],
        "partnerIds": [],
        "servedCommunityIds": [],
        "stage": "NEEDS_ASSESSMENT",
        "status": "ACTIVE",
        "leader": {"name": "队长", "phone": "", "inManagementGroup": True},
        "members": [{"name": "副队长", "phone": "", "inManagementGroup": True}, {"name": "干事", "phone": "", "inManagementGroup": True}],
    }


async def _places(gateway_url: str, admin: str) -> None:
    steps = [
        ("registerDistrict", {"id": DISTRICT, "name": "事件区"}),
        ("registerStreet", {"id": STREET, "districtId": DISTRICT, "name": "事件街道"}),
        ("registerCommunity", {"id": COMMUNITY, "streetId": STREET, "name": "事件社区", "address": "事件路1号"}),
        ("registerCommunity", {"id": QUIET, "streetId": STREET, "name": "安静社区", "address": "事件路2号"}),
    ]
    async with aiohttp.ClientSession() as http:
        for mutation, fields in steps:
            body = {
                "query": f"mutation($input: {mutation[0].upper()}{mutation[1:]}Input!) {{ {mutation}(input: $input) {{ errors {{ code message }} }} }}",
                "variables": {"input": fields},
            }
            async with http.post(gateway_url, json=body, headers={"authorization": f"Bearer {admin}"}) as response:
                answer = await response.json()
            if answer.get("errors") or answer["data"][mutation]["errors"]:
                raise RuntimeError(f"{mutation}: {answer}")
    await asyncio.sleep(1.0)  # the places travel to the other services as events


@dataclass(frozen=True)
class FanOutPlan:
    """The fan-out run: how many endpoints, subscriptions and measured events; the steady mutation rate beside it."""

    endpoints: int = 1_000
    subscribers: int = 1_000
    events: int = 8
    rate: float = 20.0
    via: tuple[str, ...] = ("gateway",)


def run_events(
    *,
    count: int,
    rates: list[float],
    seconds: float,
    fanout: FanOutPlan | None = FanOutPlan(),
    throughput: bool = True,
    events_niceness: int = 0,
    report: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Start the services on RabbitMQ and the gateway, then measure; print and return the figures.

    ``events_niceness`` is the events service's ``NICENESS`` (the others run at 0): its fan-out then takes
    only the CPU the request path leaves on this shared machine.
    """
    ensure_jwt_secret()
    url = os.environ.get("AMQP_URL") or LOCAL_RABBITMQ
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    ports = {name: free_port() for name in (*SERVICES, "gateway", "receiver")}
    env = {f"{name.upper()}_PORT": str(port) for name, port in ports.items()}
    env |= {
        "AMQP_URL": url,
        "EVENTS_EXCHANGE": namespace,
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT": "",
        "RATE_LIMIT_PER_ADDRESS": "",
        "OUTBOX_INTERVAL_S": "1",
        "WEBHOOK_ALLOW_PRIVATE": "true",  # the receivers are on loopback (the documented switch; refused by default)
    }
    settings = Settings(amqp_url=url, events_exchange=namespace)
    tokens = {
        "admin": mint_token(settings, subject="bench-admin", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT]),
        "staff": mint_token(settings, subject="bench-staff", roles=[Role.COMMUNITY_STAFF], communities=[COMMUNITY]),
        "quiet": mint_token(settings, subject="bench-quiet-staff", roles=[Role.COMMUNITY_STAFF], communities=[QUIET]),
        "partner": mint_token(settings, subject="bench-partner", roles=[Role.PARTNER], communities=[COMMUNITY]),
    }
    figures: dict[str, Any] = {"namespace": namespace, "events_niceness": events_niceness}
    if throughput:
        figures["raw_one_at_a_time_per_s"] = round(asyncio.run(raw_throughput(url, count, in_flight=1)))
        figures["raw_256_in_flight_per_s"] = round(asyncio.run(raw_throughput(url, count, in_flight=256)))
        report(
            f"raw aio-pika: {figures['raw_one_at_a_time_per_s']}/s publishing one at a time, "
            f"{figures['raw_256_in_flight_per_s']}/s with 256 in flight"
        )
    with tempfile.TemporaryDirectory(prefix="renling-events-") as folder, ExitStack() as stack:
        logs = Path(os.environ.get("BENCH_LOGS") or folder)  # BENCH_LOGS keeps the services' logs after the run
        logs.mkdir(parents=True, exist_ok=True)
        # runs last, once the services have stopped: the run's queues and exchanges go, even after a failure
        stack.callback(lambda: asyncio.run(delete_namespace(url, namespace, tuple(SERVICES), settings.bus_retry_delays_ms)))
        processes = {
            name: stack.enter_context(
                started(
                    name,
                    [sys.executable, "-m", "services", "serve", name],
                    port=ports[name],
                    env=env | {"NICENESS": str(events_niceness if name == "events" else 0)},
                    cwd=ROOT,
                    log=logs / f"{name}.log",
                )
            )
            for name in (*SERVICES, "gateway")
        }
        gateway_url = f"http://127.0.0.1:{ports['gateway']}/graphql"
        ws_url = f"ws://127.0.0.1:{ports['gateway']}/graphql"
        asyncio.run(_places(gateway_url, tokens["admin"]))
        if throughput:
            _throughput(figures, processes, settings, ws_url, gateway_url, tokens, count=count, rates=rates, seconds=seconds, report=report)
        if fanout is not None:
            command = [sys.executable, "-m", "bench.receiver", "--port", str(ports["receiver"])]
            stack.enter_context(started("receiver", command, port=ports["receiver"], cwd=ROOT, log=logs / "receiver.log"))
            figures["fanout"] = []
            for via in fanout.via:
                setup = FanOut(
                    gateway_url=gateway_url,
                    ws_url=ws_url,
                    events_ws_url=f"ws://127.0.0.1:{ports['events']}/graphql",
                    receiver_url=f"http://127.0.0.1:{ports['receiver']}",
                    staff=tokens["staff"],
                    quiet_staff=tokens["quiet"],
                    partners=[
                        mint_token(settings, subject=f"bench-partner-{via}-{n}", roles=[Role.PARTNER], communities=[COMMUNITY])
                        for n in range(max(fanout.endpoints, fanout.subscribers))
                    ],
                    community=COMMUNITY,
                    quiet_community=QUIET,
                    organization=_organization,
                )
                figures["fanout"].append(
                    asyncio.run(
                        run_fanout(
                            setup,
                            processes,
                            endpoints=fanout.endpoints,
                            subscribers=fanout.subscribers,
                            events=fanout.events,
                            rate=fanout.rate,
                            seconds=seconds,
                            via=via,
                            report=report,
                        )
                    )
                )
    return figures


def _throughput(
    figures: dict[str, Any],
    processes: Mapping[str, Measured],
    settings: Settings,
    ws_url: str,
    gateway_url: str,
    tokens: Mapping[str, str],
    *,
    count: int,
    rates: list[float],
    seconds: float,
    report: Callable[[str], None],
) -> None:
    """The pipeline's throughput against raw aio-pika, and mutation → partner frame latency at steady rates."""
    cpu = _cpu_now(processes)
    began = time.perf_counter()
    rate = asyncio.run(pipeline_throughput(settings, ws_url, tokens["staff"], count))
    figures["pipeline_cpu_pct"] = _cpu_shares(processes, cpu, time.perf_counter() - began)
    figures["pipeline_per_s"] = round(rate)
    figures["pipeline_vs_raw_one_at_a_time"] = round(rate / figures["raw_one_at_a_time_per_s"], 2)
    figures["pipeline_vs_raw_256_in_flight"] = round(rate / figures["raw_256_in_flight_per_s"], 2)
    report(
        f"pipeline (bus → events service → gateway → subscriber): {figures['pipeline_per_s']}/s = "
        f"{figures['pipeline_vs_raw_one_at_a_time']}× raw one at a time, {figures['pipeline_vs_raw_256_in_flight']}× raw 256 in flight; "
        f"CPU % of one core: {json.dumps(figures['pipeline_cpu_pct'])}"
    )
    figures["latency"] = []
    for steady in rates:
        cpu = _cpu_now(processes)
        began = time.perf_counter()
        measured: dict[str, Any] = asyncio.run(latency_at_rate(gateway_url, ws_url, tokens["staff"], tokens["partner"], steady, seconds))
        measured["cpu_pct"] = _cpu_shares(processes, cpu, time.perf_counter() - began)
        figures["latency"].append(measured)
        report(f"mutation → partner frame at {steady:g}/s: {json.dumps(measured)}")


def _cpu_now(processes: Mapping[str, Measured]) -> dict[str, float]:
    """CPU seconds so far of each service, of RabbitMQ (its Erlang VM) and of this load generator."""
    seconds = {name: process.cpu_s() for name, process in processes.items()}
    seconds["rabbitmq"] = sum(cpu_seconds(pid) for pid in pids_of("beam.smp"))
    seconds["load generator"] = time.process_time()
    return seconds


def _cpu_shares(processes: Mapping[str, Measured], before: Mapping[str, float], seconds: float) -> dict[str, int]:
    """Each one's CPU use over the run, in % of one core (the machine has 200 %)."""
    now = _cpu_now(processes)
    shares = {name: round(100 * (now[name] - before[name]) / seconds) for name in now}
    shares["total"] = sum(shares.values())
    return shares


def main() -> None:
    """``python -m bench.events``."""
    parser = argparse.ArgumentParser(prog="python -m bench.events")
    parser.add_argument("--count", type=int, default=5_000, help="events for the throughput runs")
    parser.add_argument("--rates", default="100,250,500", help="steady mutation rates for the latency runs, per second")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--only", choices=("throughput", "fanout"), help="one part only (default both)")
    parser.add_argument("--endpoints", type=int, default=1_000, help="webhook endpoints of the fan-out")
    parser.add_argument("--subscribers", type=int, default=1_000, help="subscriptions of the fan-out")
    parser.add_argument("--events", type=int, default=8, help="measured fan-out events per phase")
    parser.add_argument("--via", default="gateway", help="where subscriptions connect: gateway, events, or both (gateway,events)")
    parser.add_argument("--events-niceness", type=int, default=0, help="NICENESS of the events service (0-19)")
    args = parser.parse_args()
    plan = FanOutPlan(args.endpoints, args.subscribers, args.events, via=tuple(args.via.split(",")))
    run_events(
        count=args.count,
        rates=[float(rate) for rate in args.rates.split(",")],
        seconds=args.seconds,
        fanout=None if args.only == "throughput" else plan,
        throughput=args.only != "fanout",
        events_niceness=args.events_niceness,
    )


if __name__ == "__main__":
    main()
