"""The dispatcher sends concurrently within its bound, one attempt at a time per endpoint and in order,
so a slow receiver delays only its own deliveries; retries, the delivery log and signatures stay as they were."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.common.bus.memory import InProcessBus
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from services.events.delivery import QUEUED_PER_SLOT
from tests.events.conftest import Events, event, place
from tests.support import eventually, fast_settings, running, serving

REGISTER = "endpoint { id } secret"
LOG = "{ webhooks { url deliveries { eventId status attempts { statusCode } } } }"
BOUND = 3


@dataclass
class Receivers:
    """Many endpoints on one server (``/hook/<name>``): what each got, in order; a gate holding some of them; failures to answer."""

    got: dict[str, list[tuple[str, bytes, dict[str, str]]]] = field(default_factory=lambda: defaultdict(list))
    held: set[str] = field(default_factory=set)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    failures: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    most_in_flight: int = 0

    def app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            name = request.path_params["name"]
            body = await request.body()
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                if name in self.held or "*" in self.held:
                    await self.gate.wait()
                self.got[name].append((json.loads(body)["data"]["item_id"], body, dict(request.headers)))
                if self.failures.get(name, 0) > 0:
                    self.failures[name] -= 1
                    return Response(status_code=503)
                return Response(status_code=204)
            finally:
                self.in_flight -= 1

        return Starlette(routes=[Route("/hook/{name}", receive, methods=["POST"])])


@pytest.fixture
async def bounded() -> AsyncIterator[Events]:
    """The events service with at most ``BOUND`` attempts in flight and fast retries."""
    settings = fast_settings(
        webhook_allow_private=True, webhook_concurrency=BOUND, webhook_retry_base_s=0.05, webhook_retry_max_s=0.1, webhook_poll_s=0.05
    )
    bus = InProcessBus()
    app = create_app(settings, bus=bus, memory=MemoryServer())
    async with running(app) as client:
        service = Events(client, bus, settings, app)
        await service.publish(place("c1", "d1"))
        yield service
    await bus.close()


async def _register(events: Events, base: str, names: list[str]) -> dict[str, str]:
    """One endpoint per name, each its own partner; their signing secrets."""
    secrets = {}
    for name in names:
        partner = events.token(Role.PARTNER, "c1", subject=f"partner-{name}")
        payload = await events.client.mutation("registerWebhook", {"url": f"{base}/hook/{name}"}, REGISTER, as_=partner)
        assert payload["errors"] == []
        secrets[name] = payload["secret"]
    return secrets


async def test_deliveries_go_out_concurrently_but_never_more_than_the_bound(bounded: Events) -> None:
    """More endpoints than the dispatcher takes at once (8 per slot): the rest wait in the store and go when there is room."""
    receivers = Receivers(held={"*"})
    names = [f"e{n:02}" for n in range(QUEUED_PER_SLOT * BOUND + 6)]
    async with serving(receivers.app()) as base:
        await _register(bounded, base, names)
        await bounded.publish(event("needs.item.published.v1", item_id="i1"))

        async def bound_reached() -> bool:
            return receivers.in_flight == BOUND

        await eventually(bound_reached, what=f"{BOUND} attempts in flight")
        await asyncio.sleep(0.2)  # time for a dispatcher that ignored its bound to send more
        in_flight_while_held = receivers.in_flight
        receivers.gate.set()

        async def all_delivered() -> bool:
            return sum(len(got) for got in receivers.got.values()) == len(names)

        await eventually(all_delivered, what="every endpoint's delivery")

    assert in_flight_while_held == BOUND
    assert receivers.most_in_flight == BOUND
    assert sorted(receivers.got) == names


async def test_a_slow_endpoint_delays_only_its_own_deliveries_which_keep_their_order(bounded: Events) -> None:
    receivers = Receivers(held={"slow"})
    async with serving(receivers.app()) as base:
        await _register(bounded, base, ["slow", "a", "b", "c"])
        await bounded.publish(*(event("needs.item.published.v1", item_id=f"i{n}") for n in range(4)))

        async def the_others_have_everything() -> bool:
            return all(len(receivers.got[name]) == 4 for name in ("a", "b", "c"))

        await eventually(the_others_have_everything, what="the fast endpoints' deliveries while the slow one holds")
        slow_meanwhile = len(receivers.got["slow"])
        receivers.gate.set()

        async def slow_done() -> bool:
            return len(receivers.got["slow"]) == 4

        await eventually(slow_done, what="the slow endpoint's deliveries")

    assert slow_meanwhile == 0  # its first attempt was still held: nothing else of it overtook
    assert [item for item, _, _ in receivers.got["slow"]] == ["i0", "i1", "i2", "i3"]
    assert all([item for item, _, _ in receivers.got[name]] == ["i0", "i1", "i2", "i3"] for name in ("a", "b", "c"))


async def test_failing_endpoints_are_retried_each_on_its_own_and_every_attempt_is_logged_and_signed(bounded: Events) -> None:
    receivers = Receivers(failures={"flaky-1": 2, "flaky-2": 1})
    names = ["flaky-1", "flaky-2", "steady"]
    async with serving(receivers.app()) as base:
        secrets = await _register(bounded, base, names)
        await bounded.publish(event("needs.item.published.v1", item_id="i1"))

        async def all_delivered() -> bool:
            endpoints = (await bounded.client.data(LOG, as_=bounded.token(Role.PARTNER, "c1", subject="partner-flaky-1")))["webhooks"]
            return (
                bool(endpoints[0]["deliveries"])
                and endpoints[0]["deliveries"][0]["status"] == "DELIVERED"
                and len(receivers.got["flaky-2"]) == 2
            )

        await eventually(all_delivered, what="the flaky endpoints' retries")
        logs = {
            name: (await bounded.client.data(LOG, as_=bounded.token(Role.PARTNER, "c1", subject=f"partner-{name}")))["webhooks"][0]
            for name in names
        }

    assert [a["statusCode"] for a in logs["flaky-1"]["deliveries"][0]["attempts"]] == [503, 503, 204]
    assert [a["statusCode"] for a in logs["flaky-2"]["deliveries"][0]["attempts"]] == [503, 204]
    assert [a["statusCode"] for a in logs["steady"]["deliveries"][0]["attempts"]] == [204]
    assert {len(receivers.got[name]) for name in names} == {3, 2, 1}
    for name in names:
        ids = {headers["webhook-id"] for _, _, headers in receivers.got[name]}
        assert ids == {logs[name]["deliveries"][0]["eventId"]}  # the same webhook-id on every retry
        for _, body, headers in receivers.got[name]:
            Webhook(secrets[name]).verify(body, headers)  # raises unless the signature is the endpoint's


async def test_a_change_made_while_an_endpoints_deliveries_wait_is_honoured_by_the_ones_not_sent_yet(bounded: Events) -> None:
    """The dispatcher sends a fresh event's deliveries with the endpoint as it was read when the event was recorded; a pause
    or a new secret made meanwhile counts for every attempt that starts after it."""
    receivers = Receivers(held={"paused", "rotated"})
    async with serving(receivers.app()) as base:
        secrets = await _register(bounded, base, ["paused", "rotated"])
        await bounded.publish(*(event("needs.item.published.v1", item_id=f"i{n}") for n in range(3)))

        async def both_held() -> bool:
            return receivers.in_flight == 2

        await eventually(both_held, what="the first delivery of each endpoint in flight")
        ids = {}
        for name in ("paused", "rotated"):
            partner = bounded.token(Role.PARTNER, "c1", subject=f"partner-{name}")
            ids[name] = (await bounded.client.data("{ webhooks { id } }", as_=partner))["webhooks"][0]["id"]
        paused = await bounded.client.mutation(
            "pauseWebhook",
            {"endpointId": ids["paused"]},
            "endpoint { status }",
            as_=bounded.token(Role.PARTNER, "c1", subject="partner-paused"),
        )
        rotated = await bounded.client.mutation(
            "rotateWebhookSecret",
            {"endpointId": ids["rotated"], "overlapHours": 0},
            "secret",
            as_=bounded.token(Role.PARTNER, "c1", subject="partner-rotated"),
        )
        receivers.gate.set()

        async def rotated_done() -> bool:
            return len(receivers.got["rotated"]) == 3

        await eventually(rotated_done, what="the rotated endpoint's deliveries")
        await asyncio.sleep(0.3)  # time for a dispatcher that ignored the pause to send the others

    assert paused["endpoint"]["status"] == "PAUSED"
    assert [item for item, _, _ in receivers.got["paused"]] == ["i0"]  # only the one already in flight
    first, *later = receivers.got["rotated"]
    Webhook(secrets["rotated"]).verify(first[1], first[2])  # in flight before the rotation: the old secret
    for _, body, headers in later:
        Webhook(rotated["secret"]).verify(body, headers)  # after it: the new one (no overlap asked for)
