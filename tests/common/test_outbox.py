"""The outbox relay publishes what handlers stored, at least once, and never loses it."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.routing import Route

from services.common.bus import PublishError, Subscription
from services.common.bus.memory import InProcessBus
from services.common.events import Event, new_event
from services.common.metrics import metrics_endpoint
from services.common.outbox import OutboxRelay
from services.common.store import Database, insert_aggregate
from tests.stores import database

__all__ = ["database"]


class FlakyBus(InProcessBus):
    """Refuses the first ``failures`` publishes, like a broker that did not confirm."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def publish(self, event: Event) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise PublishError("no confirm")
        await super().publish(event)


async def test_unconfirmed_events_stay_until_a_later_sweep_publishes_them_in_order(database: Database) -> None:
    needs = database.collection("needs")
    bus = FlakyBus(failures=1)
    received: list[str] = []

    async def handler(event: Event) -> None:
        received.append(event.id)

    await bus.subscribe(Subscription("audit", ("#",), handler))
    events = [new_event("needs.need.submitted.v1", service="needs", community="c1", data={"n": index}) for index in range(3)]
    await insert_aggregate(needs, {"_id": "n1"}, events)
    relay = OutboxRelay(bus, [needs])

    assert await relay.run_once() == 0
    stored = await needs.find_one({"_id": "n1"})
    assert stored is not None
    assert len(stored["outbox"]) == 3

    assert await relay.run_once() == 3
    assert await relay.run_once() == 0
    await bus.drain()
    assert received == [event.id for event in events]
    stored = await needs.find_one({"_id": "n1"})
    assert stored is not None
    assert stored["outbox"] == []
    await bus.close()


async def test_start_publishes_what_a_crashed_process_left_behind(database: Database) -> None:
    needs = database.collection("needs")
    bus = InProcessBus()
    received: list[str] = []

    async def handler(event: Event) -> None:
        received.append(event.id)

    await bus.subscribe(Subscription("audit", ("#",), handler))
    left_behind = new_event("needs.need.submitted.v1", service="needs", community="c1", data={})
    await insert_aggregate(needs, {"_id": "n1"}, [left_behind])

    relay = OutboxRelay(bus, [needs], interval_s=60)
    await relay.start()
    await bus.drain()
    await relay.stop()

    assert received == [left_behind.id]
    await bus.close()


async def test_sweeps_many_documents_in_batches(database: Database) -> None:
    needs = database.collection("needs")
    bus = InProcessBus()
    received: list[str] = []

    async def handler(event: Event) -> None:
        received.append(event.id)

    await bus.subscribe(Subscription("audit", ("#",), handler))
    for index in range(25):
        await insert_aggregate(
            needs, {"_id": f"n{index}"}, [new_event("needs.need.submitted.v1", service="needs", community="c1", data={})]
        )

    assert await OutboxRelay(bus, [needs], batch_size=10).run_once() == 25
    await bus.drain()
    assert len(set(received)) == 25
    await bus.close()


async def test_the_backlog_on_metrics_is_read_from_the_outboxes_at_scrape_time(database: Database) -> None:
    waiting = database.collection("outbox_probe")
    bus = InProcessBus()
    relay = OutboxRelay(bus, [waiting], interval_s=3600)  # no sweep between start and the scrape
    await relay.start()
    app = Starlette(routes=[Route("/metrics", metrics_endpoint)])
    events = [new_event("needs.need.submitted.v1", service="needs", community="c1", data={"n": index}) for index in range(2)]
    try:
        await insert_aggregate(waiting, {"_id": "n1"}, events)  # stored, the relay not told
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://metrics") as http:
            text = (await http.get("/metrics")).text
    finally:
        await relay.stop()
        await bus.close()
    samples = {
        (sample.name, sample.labels.get("collection")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }

    assert samples[("renling_outbox_backlog_events", "outbox_probe")] == 2
    assert samples[("renling_outbox_oldest_age_seconds", "outbox_probe")] >= 0
