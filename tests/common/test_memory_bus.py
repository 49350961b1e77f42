"""The in-process bus routes, retries and dead-letters like the RabbitMQ adapter."""

from __future__ import annotations

from services.common.bus import Subscription, UnprocessableEvent
from services.common.bus.memory import InProcessBus
from services.common.events import Event, new_event
from tests.support import eventually


def _event(key: str) -> Event:
    return new_event(key, service="test", community="c1", data={"n": 1})


async def test_routes_by_binding_to_each_consumer_once() -> None:
    bus = InProcessBus()
    needs: list[str] = []
    claims: list[str] = []

    async def to_needs(event: Event) -> None:
        needs.append(event.routing_key)

    async def to_claims(event: Event) -> None:
        claims.append(event.routing_key)

    await bus.subscribe(Subscription("needs", ("claims.#",), to_needs))
    await bus.subscribe(Subscription("claims", ("needs.item.*.v1", "needs.item.published.v1"), to_claims))
    for key in ("claims.claim.approved.v1", "needs.item.published.v1", "orgs.org.registered.v1"):
        await bus.publish(_event(key))
    await bus.drain()

    assert needs == ["claims.claim.approved.v1"]
    assert claims == ["needs.item.published.v1"]
    assert [event.routing_key for event in bus.unroutable] == ["orgs.org.registered.v1"]
    await bus.close()


async def test_failed_handler_is_retried_after_a_delay() -> None:
    bus = InProcessBus(delivery_limit=5, retry_delays_ms=(10, 20))
    attempts: list[str] = []

    async def flaky(event: Event) -> None:
        attempts.append(event.id)
        if len(attempts) < 3:
            raise RuntimeError("store not ready")

    await bus.subscribe(Subscription("needs", ("#",), flaky))
    event = _event("claims.claim.approved.v1")
    await bus.publish(event)

    async def handled_three_times() -> bool:
        return len(attempts) == 3

    await eventually(handled_three_times, what="third attempt")
    assert attempts == [event.id] * 3
    assert list(bus.dead) == []
    await bus.close()


async def test_dead_letters_after_the_delivery_limit_and_keeps_flowing() -> None:
    bus = InProcessBus(delivery_limit=3, retry_delays_ms=(5,))
    handled: list[str] = []

    async def handler(event: Event) -> None:
        if event.data.get("poison"):
            raise RuntimeError("cannot handle")
        handled.append(event.id)

    await bus.subscribe(Subscription("needs", ("#",), handler))
    poison = new_event("claims.claim.approved.v1", service="t", community="c1", data={"poison": True})
    good = _event("claims.claim.approved.v1")
    await bus.publish(poison)
    await bus.publish(good)

    async def dead_lettered() -> bool:
        return len(bus.dead) == 1

    await eventually(dead_lettered, what="dead letter")
    assert bus.dead[0].event == poison
    assert bus.dead[0].attempts == 3
    assert handled == [good.id]
    await bus.close()


async def test_unprocessable_event_is_dead_lettered_at_once() -> None:
    bus = InProcessBus(delivery_limit=5, retry_delays_ms=(5,))
    calls = 0

    async def handler(event: Event) -> None:
        nonlocal calls
        calls += 1
        raise UnprocessableEvent("lacks item_id")

    await bus.subscribe(Subscription("needs", ("#",), handler))
    await bus.publish(_event("claims.claim.approved.v1"))
    await bus.drain()

    assert calls == 1
    assert len(bus.dead) == 1
    await bus.close()
