"""The RabbitMQ adapter (aio-pika): confirmed, persistent, never silently dropped.

Topology, all durable, names prefixed with the namespace ``N``:

* ``N.events`` — the topic exchange every service publishes to; routing key
  ``<service>.<aggregate>.<event>.v1``. Its alternate exchange ``N.unroutable`` (fanout) keeps
  anything no queue is bound to in the ``N.unroutable`` queue, so unroutable is visible.
* ``N.<consumer>`` — one quorum queue per consuming service, with a delivery limit and
  ``N.dead`` as dead-letter exchange; crashed handlers are redelivered until the limit.
* ``N.<consumer>.wait.<ms>`` — wait queues: a failed handler's message is parked there and
  comes back to ``N.<consumer>`` when its TTL expires (delayed retry).
* ``N.<consumer>.dead`` — dead letters: retries exhausted, delivery limit hit, or unparseable.

Publishing and consuming use separate robust connections (a blocked publisher never stalls
consumers), publisher confirms, persistent messages and ``mandatory``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from services.common.bus.port import DeadLetter, PublishError, Subscription, UnprocessableEvent
from services.common.events import Event, InvalidEvent
from services.common.metrics import DEAD_LETTERS

__all__ = ["RabbitBus", "delete_namespace"]

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-renling-attempt"
ERROR_HEADER = "x-renling-error"
CONTENT_TYPE = "application/cloudevents+json"


class RabbitBus:
    """Bus adapter over RabbitMQ; see the module docstring for the topology."""

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "renling",
        prefetch: int = 32,
        delivery_limit: int = 10,
        retry_delays_ms: Sequence[int] = (200, 2_000, 20_000),
        publish_timeout_s: float = 10.0,
    ) -> None:
        self._url = url
        self.namespace = namespace
        self._prefetch = prefetch
        self._delivery_limit = delivery_limit
        self._retry_delays_ms = tuple(retry_delays_ms)
        self._publish_timeout_s = publish_timeout_s
        self._publish_connection: AbstractRobustConnection | None = None
        self._consume_connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._events: AbstractExchange | None = None
        self._dead: AbstractExchange | None = None
        self._consumers: list[tuple[AbstractQueue, str]] = []

    @property
    def exchange_name(self) -> str:
        """The topic exchange events are published to."""
        return f"{self.namespace}.events"

    def queue_name(self, consumer: str) -> str:
        """The durable quorum queue of a consuming service."""
        return f"{self.namespace}.{consumer}"

    def dead_letter_queue_name(self, consumer: str) -> str:
        """Where a consumer's dead letters wait for an administrator."""
        return f"{self.namespace}.{consumer}.dead"

    @property
    def unroutable_queue_name(self) -> str:
        """Where events no consumer is bound to are kept."""
        return f"{self.namespace}.unroutable"

    async def start(self) -> None:
        """Open both connections and declare the shared exchanges."""
        self._publish_connection = await aio_pika.connect_robust(
            self._url, client_properties={"connection_name": f"{self.namespace} publish"}
        )
        self._consume_connection = await aio_pika.connect_robust(
            self._url, client_properties={"connection_name": f"{self.namespace} consume"}
        )
        self._publish_channel = await self._publish_connection.channel(publisher_confirms=True)
        channel = self._publish_channel
        unroutable = await channel.declare_exchange(f"{self.namespace}.unroutable", aio_pika.ExchangeType.FANOUT, durable=True)
        unroutable_queue = await channel.declare_queue(self.unroutable_queue_name, durable=True, arguments={"x-queue-type": "quorum"})
        await unroutable_queue.bind(unroutable)
        self._events = await channel.declare_exchange(
            self.exchange_name,
            aio_pika.ExchangeType.TOPIC,
            durable=True,
            arguments={"alternate-exchange": unroutable.name},
        )
        self._dead = await channel.declare_exchange(f"{self.namespace}.dead", aio_pika.ExchangeType.DIRECT, durable=True)

    async def publish(self, event: Event) -> None:
        """Publish persistently and wait for the broker's confirm."""
        await self._publish_raw(self._require_events(), event.routing_key, _message(event, attempt=1))

    async def subscribe(self, subscription: Subscription) -> None:
        """Declare the consumer's queues and start consuming with the configured prefetch."""
        if self._consume_connection is None:
            raise RuntimeError("RabbitBus.start() was not called")
        channel = await self._consume_connection.channel()
        await channel.set_qos(prefetch_count=self._prefetch)
        consumer = subscription.consumer
        dead_queue = await channel.declare_queue(self.dead_letter_queue_name(consumer), durable=True, arguments={"x-queue-type": "quorum"})
        await dead_queue.bind(f"{self.namespace}.dead", routing_key=consumer)
        queue = await channel.declare_queue(
            self.queue_name(consumer),
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": self._delivery_limit,
                "x-dead-letter-exchange": f"{self.namespace}.dead",
                "x-dead-letter-routing-key": consumer,
            },
        )
        for pattern in subscription.bindings:
            await queue.bind(self.exchange_name, routing_key=pattern)
        for delay in self._retry_delays_ms:
            await channel.declare_queue(
                self._wait_queue_name(consumer, delay),
                durable=True,
                arguments={
                    "x-message-ttl": delay,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": queue.name,
                },
            )

        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._deliver(subscription, message)

        tag = await queue.consume(on_message)
        self._consumers.append((queue, tag))

    async def dead_letters(self, consumer: str, limit: int) -> list[DeadLetter]:
        """Peek at the consumer's dead-letter queue: get up to ``limit`` messages, then give them all back."""
        if self._consume_connection is None:
            raise RuntimeError("RabbitBus.start() was not called")
        channel = await self._consume_connection.channel()
        held: list[AbstractIncomingMessage] = []
        try:
            queue = await channel.declare_queue(self.dead_letter_queue_name(consumer), durable=True, arguments={"x-queue-type": "quorum"})
            while len(held) < limit and (message := await queue.get(no_ack=False, fail=False)) is not None:
                held.append(message)
            letters = [letter for message in held if (letter := _dead_letter(consumer, message, self._delivery_limit)) is not None]
            for message in held:
                await message.nack(requeue=True)
        finally:
            await channel.close()
        return letters

    async def ping(self) -> bool:
        """Both connections open."""
        return all(
            connection is not None and not connection.is_closed for connection in (self._publish_connection, self._consume_connection)
        )

    async def close(self) -> None:
        """Cancel consumers, then close both connections."""
        for queue, tag in self._consumers:
            try:
                await queue.cancel(tag)
            except Exception:
                log.debug("cancel of %s failed", tag, exc_info=True)
        self._consumers.clear()
        for connection in (self._consume_connection, self._publish_connection):
            if connection is not None:
                await connection.close()

    async def _deliver(self, subscription: Subscription, message: AbstractIncomingMessage) -> None:
        try:
            event = Event.from_json(message.body)
        except InvalidEvent as error:
            log.error("dead-lettering an unparseable message on %s: %s", subscription.consumer, error)
            await message.reject(requeue=False)
            DEAD_LETTERS.labels(subscription.consumer).inc()
            return
        try:
            await subscription.handler(event)
        except Exception as error:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            await self._retry_or_dead_letter(subscription.consumer, message, event, error)
            return
        await message.ack()

    async def _retry_or_dead_letter(self, consumer: str, message: AbstractIncomingMessage, event: Event, error: Exception) -> None:
        attempt = _attempt(message)
        try:
            if attempt <= len(self._retry_delays_ms) and not isinstance(error, UnprocessableEvent):
                delay = self._retry_delays_ms[attempt - 1]
                log.warning("retrying %s for %s in %d ms: %r", event.id, consumer, delay, error)
                retry = _message(event, attempt=attempt + 1)
                await self._publish_raw(self._require_default_exchange(), self._wait_queue_name(consumer, delay), retry)
            else:
                log.error("dead-lettering %s for %s after %d attempts: %r", event.id, consumer, attempt, error)
                dead = _message(event, attempt=attempt, error=repr(error))
                await self._publish_raw(self._require_dead(), consumer, dead)
                DEAD_LETTERS.labels(consumer).inc()
        except PublishError:
            await message.nack(requeue=True)
            return
        await message.ack()

    async def _publish_raw(self, exchange: AbstractExchange, routing_key: str, message: aio_pika.Message) -> None:
        try:
            confirmation = await exchange.publish(message, routing_key=routing_key, mandatory=True, timeout=self._publish_timeout_s)
        except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as error:
            raise PublishError(f"publish to {exchange.name or '(default)'}/{routing_key} failed: {error!r}") from error
        if confirmation is not None and not isinstance(confirmation, aiormq.spec.Basic.Ack):
            raise PublishError(f"broker did not confirm {routing_key}: {confirmation!r}")

    def _wait_queue_name(self, consumer: str, delay_ms: int) -> str:
        return f"{self.namespace}.{consumer}.wait.{delay_ms}"

    def _require_events(self) -> AbstractExchange:
        if self._events is None:
            raise PublishError("RabbitBus.start() was not called")
        return self._events

    def _require_dead(self) -> AbstractExchange:
        if self._dead is None:
            raise PublishError("RabbitBus.start() was not called")
        return self._dead

    def _require_default_exchange(self) -> AbstractExchange:
        if self._publish_channel is None:
            raise PublishError("RabbitBus.start() was not called")
        return self._publish_channel.default_exchange


def _message(event: Event, *, attempt: int, error: str | None = None) -> aio_pika.Message:
    headers: dict[str, Any] = {ATTEMPT_HEADER: attempt, "ce-community": event.community}
    if error is not None:
        headers[ERROR_HEADER] = error[:1000]
    return aio_pika.Message(
        event.to_json(),
        content_type=CONTENT_TYPE,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=event.id,
        type=event.type,
        headers=headers,
    )


def _dead_letter(consumer: str, message: AbstractIncomingMessage, delivery_limit: int) -> DeadLetter | None:
    """A dead-lettered message as a :class:`DeadLetter` (``None`` for one that is not an event at all).

    Ours carry the attempt and the error in headers; the broker's (delivery limit reached, or
    rejected as unparseable) carry its reason.
    """
    try:
        event = Event.from_json(message.body)
    except InvalidEvent:
        return None
    headers = message.headers or {}
    reason = str(headers.get(ERROR_HEADER) or headers.get("x-first-death-reason") or "unknown")
    attempts = _attempt(message) if ATTEMPT_HEADER in headers else delivery_limit if reason == "delivery_limit" else 1
    return DeadLetter(consumer, event, attempts, reason)


def _attempt(message: AbstractIncomingMessage) -> int:
    value = (message.headers or {}).get(ATTEMPT_HEADER, 1)
    return value if isinstance(value, int) else 1


async def delete_namespace(url: str, namespace: str, consumers: Iterable[str], retry_delays_ms: Iterable[int]) -> None:
    """Remove every queue and exchange a namespace declared, messages included (tests, benchmarks, retiring a namespace)."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        delays = list(retry_delays_ms)
        queues = [f"{namespace}.unroutable"]
        for consumer in consumers:
            queues += [f"{namespace}.{consumer}", f"{namespace}.{consumer}.dead"]
            queues += [f"{namespace}.{consumer}.wait.{delay}" for delay in delays]
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in ("events", "unroutable", "dead"):
            await channel.exchange_delete(f"{namespace}.{exchange}")
