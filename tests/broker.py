"""A RabbitMQ namespace of its own for a test, with an observer recording every event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from services.common.bus.rabbit import RabbitBus
from services.common.events import Event
from services.common.settings import Settings
from tests.support import AMQP_URL, delete_topology, fast_settings, observe, require_rabbitmq

DELAYS = (20, 50)
CONSUMERS = ("needs", "orgs", "claims", "observer")


@dataclass
class Broker:
    """Settings pointing at the namespace, and the observer's record of what was published."""

    settings: Settings
    observer: RabbitBus
    seen: list[Event]

    def seen_of(self, routing_key: str) -> list[Event]:
        """Observed events with this routing key, in arrival order."""
        return [event for event in self.seen if event.routing_key == routing_key]


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    """Fails loudly if RabbitMQ is down; removes the namespace's queues and exchanges afterwards."""
    await require_rabbitmq()
    namespace = f"test-{uuid.uuid4().hex[:10]}"
    settings = fast_settings(amqp_url=AMQP_URL, events_exchange=namespace, bus_retry_delays_ms=DELAYS)
    observer = RabbitBus(AMQP_URL, namespace=namespace, retry_delays_ms=DELAYS)
    await observer.start()
    seen = await observe(observer, "#")
    try:
        yield Broker(settings, observer, seen)
    finally:
        await observer.close()
        await delete_topology(namespace, CONSUMERS, DELAYS)
