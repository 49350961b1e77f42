"""Faults survived on the real RabbitMQ: a broker restart, a service dying between write and publish.

The broker's application is stopped and started again (every connection drops, the quorum
queues stay) in the middle of a stream of submissions. Nothing a resident submitted may be
lost: every write succeeds, every event reaches the consumer once the broker is back, and the
service's publisher and the consumer reconnect by themselves.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage

from services.common.bus import Subscription
from services.common.bus.rabbit import RabbitBus
from services.common.events import Event
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.needs.app import create_app
from services.orgs.app import create_app as create_orgs_app
from tests.broker import DELAYS, Broker, broker
from tests.needs.conftest import SUBMIT, knowing
from tests.needs.test_on_rabbitmq import FlakyRabbitBus
from tests.orgs.test_on_rabbitmq import organization_and_its_approval
from tests.support import AMQP_URL, eventually, running, token

__all__ = ["broker"]

SUBMISSIONS = 40


async def _rabbitmqctl(*args: str) -> None:
    process = await asyncio.create_subprocess_exec("rabbitmqctl", *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, error = await process.communicate()
    assert process.returncode == 0, error.decode()


@pytest.mark.timeout(240)
async def test_a_broker_restart_while_needs_are_submitted_loses_no_event(broker: Broker) -> None:
    resident = token(broker.settings, Role.RESIDENT, communities=["c1"], subject="resident-1")
    settings = broker.settings.model_copy(update={"outbox_interval_s": 0.2})
    submitted: list[str] = []
    async with running(create_app(settings, memory=knowing("c1"))) as client:

        async def submit_all() -> None:
            for n in range(SUBMISSIONS):
                payload = await client.data(SUBMIT, {"input": {"communityId": "c1", "title": f"第{n}号需求"}}, as_=resident)
                submitted.append(payload["submitNeed"]["need"]["id"])
                await asyncio.sleep(0.1)

        submissions = asyncio.create_task(submit_all())
        await asyncio.sleep(0.8)
        outage_started = time.perf_counter()
        try:
            await _rabbitmqctl("stop_app")
            await asyncio.sleep(1.0)
        finally:
            await _rabbitmqctl("start_app")  # whatever happened, the broker is left running for the other tests
        outage = time.perf_counter() - outage_started
        await submissions

        async def all_arrived() -> bool:
            return {event.data["need_id"] for event in broker.seen_of("needs.need.submitted.v1")} == set(submitted)

        await eventually(all_arrived, within=90, what="every submitted need's event after the broker restart")

    seen = [event.data["need_id"] for event in broker.seen_of("needs.need.submitted.v1")]
    print(f"broker down {outage:.1f} s; {len(submitted)} needs submitted, {len(set(seen))} distinct events, {len(seen)} deliveries")
    assert len(submitted) == SUBMISSIONS
    assert sorted(set(seen)) == sorted(submitted)


async def test_a_service_killed_between_its_write_and_its_publish_publishes_after_restart(broker: Broker) -> None:
    memory = knowing("c1")  # the database outlives the process (and the needs service knows c1)
    broken = FlakyRabbitBus(
        AMQP_URL, namespace=broker.settings.events_exchange, retry_delays_ms=DELAYS, delivery_limit=broker.settings.bus_delivery_limit
    )
    broken.failures = 10**6  # this process never gets its event out before it dies
    await broken.start()
    resident = token(broker.settings, Role.RESIDENT, communities=["c1"], subject="resident-1")
    settings = broker.settings.model_copy(update={"outbox_interval_s": 0.1})
    try:
        async with running(create_app(settings, bus=broken, memory=memory)) as client:
            payload = await client.data(SUBMIT, {"input": {"communityId": "c1", "title": "小区门口缺少减速带"}}, as_=resident)
            need_id = payload["submitNeed"]["need"]["id"]
            await asyncio.sleep(0.5)  # the relay tries, and fails, several times
    finally:
        await broken.close()
    assert broker.seen_of("needs.need.submitted.v1") == []
    assert memory.client["renling_needs"]["needs"].find_one({"_id": need_id})["outbox"] != []

    async with running(create_app(settings, memory=memory)):  # the restarted process, on a working broker

        async def published() -> bool:
            return len(broker.seen_of("needs.need.submitted.v1")) >= 1

        await eventually(published, what="the restarted service's relay to publish the kept event")
        await asyncio.sleep(0.5)

    assert [event.data["need_id"] for event in broker.seen_of("needs.need.submitted.v1")] == [need_id]
    assert memory.client["renling_needs"]["needs"].find_one({"_id": need_id})["outbox"] == []


class DyingRabbitBus(RabbitBus):
    """A consumer whose process dies after its handler wrote, before it could acknowledge."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.died = asyncio.Event()
        self._killed = asyncio.Event()

    async def _deliver(self, subscription: Subscription, message: AbstractIncomingMessage) -> None:
        if message.routing_key != "claims.claim.approved.v1":
            await super()._deliver(subscription, message)
            return
        await subscription.handler(Event.from_json(message.body))  # the write is done …
        self.died.set()
        await self._killed.wait()  # … and the process hangs until it is killed, never acknowledging

    async def kill(self) -> None:
        """Drop the consuming connection with the delivery unacknowledged, as a dead process would."""
        assert self._consume_connection is not None
        await self._consume_connection.close()
        self._killed.set()
        self._consumers.clear()
        self._consume_connection = None


class RecordingRabbitBus(RabbitBus):
    """A consumer that notes each delivery and whether the broker marked it redelivered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deliveries: list[tuple[str | None, bool]] = []

    async def _deliver(self, subscription: Subscription, message: AbstractIncomingMessage) -> None:
        self.deliveries.append((message.routing_key, bool(message.redelivered)))
        await super()._deliver(subscription, message)


async def test_a_consumer_killed_in_the_middle_of_handling_is_redelivered_and_applied_once(broker: Broker) -> None:
    memory = MemoryServer()
    dying = DyingRabbitBus(
        AMQP_URL, namespace=broker.settings.events_exchange, retry_delays_ms=DELAYS, delivery_limit=broker.settings.bus_delivery_limit
    )
    await dying.start()
    admin = token(broker.settings, Role.DISTRICT_ADMIN, districts=["d1"])
    staff = token(broker.settings, Role.COMMUNITY_STAFF, communities=["c1"])
    query = "query($id: ID!) { organization(id: $id) { trackRecord { itemsClaimed } } }"
    try:
        async with running(create_orgs_app(broker.settings, bus=dying, memory=memory)) as client:
            org_id, approved = await organization_and_its_approval(client, admin, staff)
            await broker.observer.publish(approved)
            async with asyncio.timeout(20):
                await dying.died.wait()
            written = (await client.data(query, {"id": org_id}, as_=staff))["organization"]["trackRecord"]["itemsClaimed"]
            async with asyncio.timeout(10):
                await dying.kill()
    finally:
        await dying.close()

    restarted = RecordingRabbitBus(
        AMQP_URL, namespace=broker.settings.events_exchange, retry_delays_ms=DELAYS, delivery_limit=broker.settings.bus_delivery_limit
    )
    await restarted.start()
    try:
        async with running(create_orgs_app(broker.settings, bus=restarted, memory=memory)) as client:
            await eventually(partial(_has, restarted.deliveries), what="the redelivery to the restarted consumer")
            await asyncio.sleep(0.5)
            record = (await client.data(query, {"id": org_id}, as_=staff))["organization"]["trackRecord"]
            drained = await _queue_is_empty(broker.settings.events_exchange + ".orgs")
    finally:
        await restarted.close()

    assert written == 1  # the dying consumer had applied it
    assert ("claims.claim.approved.v1", True) in restarted.deliveries  # the broker redelivered it to the restarted one …
    assert drained  # … which acknowledged it …
    assert record == {"itemsClaimed": 1}  # … without applying it twice


async def _has(deliveries: list[tuple[str | None, bool]]) -> bool:
    return ("claims.claim.approved.v1", True) in deliveries


async def _queue_is_empty(name: str) -> bool:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return queue.declaration_result.message_count == 0
