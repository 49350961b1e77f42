"""Consumers under observation: each handled event counted and timed by consumer, type and outcome, in a consumer
span that continues the trace the event carries (its ``traceparent``)."""

from __future__ import annotations

import dataclasses
import time

from services.common.bus import Subscription
from services.common.events import Event
from services.common.metrics import EVENT_HANDLING_SECONDS, EVENTS_CONSUMED
from services.common.tracing import SpanKind, context_of, span

__all__ = ["observed_subscription"]


def observed_subscription(subscription: Subscription) -> Subscription:
    """The same subscription, its handler measured (a failure is counted, then raised for the bus to retry)."""
    handler = subscription.handler
    consumer = subscription.consumer

    async def observed(event: Event) -> None:
        started = time.perf_counter()
        parent = context_of({"traceparent": event.traceparent} if event.traceparent else None)
        attributes = {
            "messaging.consumer.group.name": consumer,
            "messaging.destination.name": event.routing_key,
            "messaging.message.id": event.id,
        }
        try:
            with span(f"consume {event.routing_key}", kind=SpanKind.CONSUMER, parent=parent, attributes=attributes):
                await handler(event)
        except Exception:
            EVENTS_CONSUMED.labels(consumer, event.routing_key, "failed").inc()
            raise
        finally:
            EVENT_HANDLING_SECONDS.labels(consumer).observe(time.perf_counter() - started)
        EVENTS_CONSUMED.labels(consumer, event.routing_key, "ok").inc()

    return dataclasses.replace(subscription, handler=observed)
