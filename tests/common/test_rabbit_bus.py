"""The RabbitMQ adapter against the real broker on localhost (fails loudly if it is down)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest

from services.common.bus import Subscription, UnprocessableEvent
from services.common.bus.rabbit import ERROR_HEADER, RabbitBus
from services.common.events import Event, new_event
from tests.support import AMQP_URL, delete_topology, eventually, require_rabbitmq

DELAYS = (20, 50)


@pytest.fixture
async def bus() -> AsyncIterator[RabbitBus]:
    """A started bus in a namespace of its own, removed from the broker afterwards."""
    await require_rabbitmq()
    namespace = f"test-{uuid.uuid4().hex[:10]}"
    bus = RabbitBus(AMQP_URL, namespace=namespace, retry_delays_ms=DELAYS, delivery_limit=3, prefetch=8)
    await bus.start()
    try:
        yield bus
    finally:
        await bus.close()
        await delete_topology(namespace, ["needs"], DELAYS)


async def _messages_in(queue_name: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name, ensure=True)
        found = []
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            found.append(message)
        return found


def _event(**data: object) -> Event:
    return new_event("claims.claim.approved.v1", service="claims", community="c1", data={"item_id": "i1", **data})


async def test_published_event_reaches_a_bound_consumer_intact(bus: RabbitBus) -> None:
    received: list[Event] = []

    async def handler(event: Event) -> None:
        received.append(event)

    await bus.subscribe(Subscription("needs", ("claims.claim.*.v1",), handler))
    event = _event(claim_id="k1")
    await bus.publish(event)

    async def arrived() -> bool:
        return len(received) == 1

    await eventually(arrived, what="delivery")
    assert received == [event]
    assert await bus.ping()


async def test_failing_handler_is_retried_through_wait_queues(bus: RabbitBus) -> None:
    attempts: list[float] = []

    async def flaky(event: Event) -> None:
        attempts.append(asyncio.get_running_loop().time())
        if len(attempts) < 3:
            raise RuntimeError("store not ready")

    await bus.subscribe(Subscription("needs", ("#",), flaky))
    await bus.publish(_event())

    async def third_attempt() -> bool:
        return len(attempts) == 3

    await eventually(third_attempt, what="third attempt")
    assert attempts[1] - attempts[0] >= DELAYS[0] / 1000
    assert attempts[2] - attempts[1] >= DELAYS[1] / 1000
    await asyncio.sleep(0.2)
    assert len(attempts) == 3
    assert await _messages_in(bus.dead_letter_queue_name("needs")) == []


async def test_poison_message_is_dead_lettered_and_the_queue_keeps_flowing(bus: RabbitBus) -> None:
    handled: list[str] = []

    async def handler(event: Event) -> None:
        if event.data.get("poison"):
            raise RuntimeError("cannot handle this one")
        handled.append(event.id)

    await bus.subscribe(Subscription("needs", ("#",), handler))
    poison, good = _event(poison=True), _event()
    await bus.publish(poison)
    await bus.publish(good)

    async def good_handled() -> bool:
        return handled == [good.id]

    await eventually(good_handled, what="the good event")
    dead: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def dead_lettered() -> bool:
        dead.extend(await _messages_in(bus.dead_letter_queue_name("needs")))
        return len(dead) == 1

    await eventually(dead_lettered, what="dead letter")
    assert Event.from_json(dead[0].body) == poison
    assert "cannot handle this one" in str((dead[0].headers or {})[ERROR_HEADER])


async def test_unprocessable_event_skips_retries(bus: RabbitBus) -> None:
    calls = 0

    async def handler(event: Event) -> None:
        nonlocal calls
        calls += 1
        raise UnprocessableEvent("lacks claim_id")

    await bus.subscribe(Subscription("needs", ("#",), handler))
    await bus.publish(_event())
    dead: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def dead_lettered() -> bool:
        dead.extend(await _messages_in(bus.dead_letter_queue_name("needs")))
        return len(dead) == 1

    await eventually(dead_lettered, what="dead letter")
    assert calls == 1


async def test_unparseable_message_goes_to_the_dead_letter_queue(bus: RabbitBus) -> None:
    async def handler(event: Event) -> None:
        raise AssertionError("must not be called")

    await bus.subscribe(Subscription("needs", ("#",), handler))
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(bus.exchange_name)
        await exchange.publish(aio_pika.Message(b"{not json"), routing_key="claims.claim.approved.v1")
    dead: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def dead_lettered() -> bool:
        dead.extend(await _messages_in(bus.dead_letter_queue_name("needs")))
        return len(dead) == 1

    await eventually(dead_lettered, what="dead letter")
    assert dead[0].body == b"{not json"


async def test_unroutable_event_is_kept_visible(bus: RabbitBus) -> None:
    event = new_event("orgs.org.registered.v1", service="orgs", community="c1", data={})

    await bus.publish(event)

    found: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def kept() -> bool:
        found.extend(await _messages_in(bus.unroutable_queue_name))
        return len(found) == 1

    await eventually(kept, what="unroutable event")
    assert Event.from_json(found[0].body) == event


async def test_dead_letters_can_be_looked_at_without_taking_them_away(bus: RabbitBus) -> None:
    async def handler(event: Event) -> None:
        raise RuntimeError("the track record rejects this")

    await bus.subscribe(Subscription("needs", ("#",), handler))
    poison = _event(poison=True)
    await bus.publish(poison)

    async def dead_lettered() -> bool:
        return len(await bus.dead_letters("needs", 10)) == 1

    await eventually(dead_lettered, what="the dead letter")
    first, again = await bus.dead_letters("needs", 10), await bus.dead_letters("needs", 10)

    assert first == again  # looking leaves it there
    (letter,) = first
    assert letter.event == poison
    assert letter.consumer == "needs"
    assert "the track record rejects this" in letter.error
    assert letter.attempts == 1 + len(DELAYS)  # the first delivery and each delayed retry
    assert await bus.dead_letters("orgs", 10) == []
