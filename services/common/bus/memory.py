"""The in-process bus: the embedded mode's stand-in for RabbitMQ, with the same semantics.

Each consumer has its own queue (like a durable queue per service) and worker; routing uses
topic matching; a failed handler is retried after the configured delays and dead-lettered
after the delivery limit; an event no consumer is bound to is kept as unroutable.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from services.common.bus.port import DeadLetter, Subscription, UnprocessableEvent
from services.common.bus.topic import topic_matches
from services.common.events import Event
from services.common.metrics import DEAD_LETTERS

__all__ = ["DeadLetter", "InProcessBus"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Delivery:
    event: Event
    attempt: int


class InProcessBus:
    """Delivers events to in-process consumers at least once, in publish order per consumer."""

    def __init__(self, *, delivery_limit: int = 10, retry_delays_ms: Sequence[int] = (200, 2_000)) -> None:
        self._delivery_limit = delivery_limit
        self._retry_delays_s = [delay / 1000 for delay in retry_delays_ms] or [0.0]
        self._subscriptions: list[Subscription] = []
        self._queues: dict[str, asyncio.Queue[_Delivery]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self.dead: deque[DeadLetter] = deque(maxlen=10_000)
        self.unroutable: deque[Event] = deque(maxlen=1_000)

    async def start(self) -> None:
        """Nothing to connect: the bus lives in this process."""

    async def publish(self, event: Event) -> None:
        """Enqueue for every consumer whose bindings match; record it if none does."""
        routed = False
        for subscription in self._subscriptions:
            if any(topic_matches(pattern, event.routing_key) for pattern in subscription.bindings):
                self._queues[subscription.consumer].put_nowait(_Delivery(event, attempt=1))
                routed = True
        if not routed:
            self.unroutable.append(event)

    async def subscribe(self, subscription: Subscription) -> None:
        """Bind a consumer; several subscriptions may share a consumer name only once."""
        if subscription.consumer in self._queues:
            raise ValueError(f"consumer {subscription.consumer!r} is already subscribed")
        queue: asyncio.Queue[_Delivery] = asyncio.Queue()
        self._queues[subscription.consumer] = queue
        self._subscriptions.append(subscription)
        self._workers.append(asyncio.create_task(self._work(subscription, queue)))

    async def dead_letters(self, consumer: str, limit: int) -> list[DeadLetter]:
        """The consumer's dead letters kept in memory, oldest first."""
        return [letter for letter in self.dead if letter.consumer == consumer][:limit]

    async def ping(self) -> bool:
        """Always reachable."""
        return True

    async def drain(self) -> None:
        """Wait until every queued delivery (not the delayed retries) has been handled."""
        await asyncio.gather(*(queue.join() for queue in self._queues.values()))

    async def close(self) -> None:
        """Let queued work finish briefly, then stop the workers and pending retries."""
        try:
            async with asyncio.timeout(5):
                await self.drain()
        except TimeoutError:
            log.warning("in-process bus closed with deliveries pending")
        for timer in self._timers:
            timer.cancel()
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()

    async def _work(self, subscription: Subscription, queue: asyncio.Queue[_Delivery]) -> None:
        while True:
            delivery = await queue.get()
            try:
                await subscription.handler(delivery.event)
            except Exception as error:  # noqa: BLE001 - any handler failure is retried
                self._retry_or_dead_letter(subscription.consumer, queue, delivery, error)
            finally:
                queue.task_done()

    def _retry_or_dead_letter(self, consumer: str, queue: asyncio.Queue[_Delivery], delivery: _Delivery, error: Exception) -> None:
        if delivery.attempt >= self._delivery_limit or isinstance(error, UnprocessableEvent):
            log.error("dead-lettered %s for %s: %r", delivery.event.id, consumer, error)
            self.dead.append(DeadLetter(consumer, delivery.event, delivery.attempt, repr(error)))
            DEAD_LETTERS.labels(consumer).inc()
            return
        delay = self._retry_delays_s[min(delivery.attempt - 1, len(self._retry_delays_s) - 1)]
        log.warning("retrying %s for %s in %.1fs: %r", delivery.event.id, consumer, delay, error)
        retry = _Delivery(delivery.event, delivery.attempt + 1)
        timer: asyncio.TimerHandle

        def requeue() -> None:
            self._timers.discard(timer)
            queue.put_nowait(retry)

        timer = asyncio.get_running_loop().call_later(delay, requeue)
        self._timers.add(timer)
