"""The outbox relay: publish what handlers stored in their documents, then remove it.

A handler stores its events in the aggregate's ``outbox`` in the same atomic update as the
state change. The relay publishes each with a broker confirm and only then pulls it from the
document, so a crash anywhere leaves the event to be published on the next sweep: at least
once, never lost. It sweeps at start-up, whenever a handler nudges it, and on an interval. The
backlog gauges are set by each sweep and read afresh at every scrape of ``/metrics``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from services.common.bus import Bus, PublishError
from services.common.events import Event
from services.common.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE, on_scrape
from services.common.store import Collection, Index
from services.common.store.aggregate import OUTBOX
from services.common.tracing import SpanKind, context_of, current_traceparent, span
from services.common.tracing import enabled as tracing_enabled

__all__ = ["OUTBOX_INDEX", "OutboxRelay"]

log = logging.getLogger(__name__)

OUTBOX_INDEX = Index(keys=((f"{OUTBOX}.id", 1),), sparse=True)
_PENDING = {f"{OUTBOX}.id": {"$exists": True}}
MEASURED_DOCUMENTS = 1000  # a scrape counts the events of at most this many documents (a lower bound beyond)


class OutboxRelay:
    """Moves events from the outboxes of ``collections`` onto the bus."""

    def __init__(self, bus: Bus, collections: Sequence[Collection], *, interval_s: float = 1.0, batch_size: int = 200) -> None:
        self._bus = bus
        self._collections = tuple(collections)
        self._interval_s = interval_s
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._sweep_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._unmeasure: Callable[[], None] | None = None

    async def start(self) -> None:
        """Publish whatever a previous process left behind, then keep sweeping; the backlog is measured at every scrape."""
        await self.run_once()
        self._task = asyncio.create_task(self._loop(), name="outbox-relay")
        self._unmeasure = on_scrape(self.measure_backlog)

    async def measure_backlog(self) -> None:
        """Set the backlog gauges from the outboxes as they are now (one read of the sparse index per collection, bounded)."""
        for collection in self._collections:
            documents = await collection.find(_PENDING, limit=MEASURED_DOCUMENTS, projection={OUTBOX: 1})
            _backlog(collection.name, documents, 0)

    def notify(self) -> None:
        """A handler stored events: sweep soon."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop sweeping after a last attempt to publish what is pending."""
        if self._unmeasure is not None:
            self._unmeasure()
            self._unmeasure = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.run_once()

    async def run_once(self) -> int:
        """One full sweep; returns how many events were published."""
        async with self._sweep_lock:
            published = 0
            for collection in self._collections:
                published += await self._sweep(collection)
            return published

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox sweep failed; retrying on the next one")

    async def _sweep(self, collection: Collection) -> int:
        published = 0
        while True:
            documents = await collection.find(_PENDING, limit=self._batch_size, projection={OUTBOX: 1})
            if not documents:
                _backlog(collection.name, [], 0)
                return published
            # documents in parallel (their confirms overlap), each document's events in order
            progress = sum(await asyncio.gather(*(self._publish_document(collection, document) for document in documents)))
            published += progress
            if progress == 0 or len(documents) < self._batch_size:
                _backlog(collection.name, documents, progress)
                return published

    async def _publish_document(self, collection: Collection, document: dict[str, object]) -> int:
        sent: list[str] = []
        pending = document.get(OUTBOX)
        for entry in pending if isinstance(pending, list) else []:
            event = Event.from_document(entry)
            try:
                await self._publish(event)
            except PublishError as error:
                log.warning("publish of %s failed, kept in the outbox: %s", event.id, error)
                break
            sent.append(event.id)
            EVENTS_PUBLISHED.labels(event.routing_key).inc()
        if sent:
            await collection.update_one({"_id": document["_id"]}, {"$pull": {OUTBOX: {"id": {"$in": sent}}}})
        return len(sent)

    async def _publish(self, event: Event) -> None:
        """One event from a producer span, child of the span that made it; the published event carries the producer's context."""
        if not tracing_enabled():
            await self._bus.publish(event)
            return
        parent = context_of({"traceparent": event.traceparent} if event.traceparent else None)
        attributes = {"messaging.system": "renling-bus", "messaging.destination.name": event.routing_key, "messaging.message.id": event.id}
        with span(f"publish {event.routing_key}", kind=SpanKind.PRODUCER, parent=parent, attributes=attributes):
            await self._bus.publish(replace(event, traceparent=current_traceparent() or event.traceparent))


def _backlog(collection: str, found: list[dict[str, object]], published: int) -> None:
    """The metrics of what this sweep found pending and could not publish (its oldest event's age)."""
    pending = [entry for document in found for entry in (document.get(OUTBOX) or []) if isinstance(entry, dict)]  # type: ignore[attr-defined]
    left = max(len(pending) - published, 0)
    OUTBOX_BACKLOG.labels(collection).set(left)
    times = [Event.from_document(entry).time for entry in pending] if left else []
    OUTBOX_OLDEST_AGE.labels(collection).set(max(0.0, time.time() - min(times).timestamp()) if times else 0.0)
