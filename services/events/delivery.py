"""The webhook dispatcher: due deliveries POSTed as signed CloudEvents, retried with back-off.

Deliveries live in the store, so a restart resumes them. Attempts run concurrently — at most
``webhook_concurrency`` in flight, over one pooled, kept-alive HTTP client — and one at a time
per endpoint, in the order they became due, so a slow or dead receiver holds one slot and
delays only its own deliveries. Each attempt is taken with a lease (a conditional update) first,
so that the dispatchers of several replicas never send the same attempt twice. The body is the event in structured
CloudEvents JSON; ``webhook-id`` is the event id (the same on every retry, so receivers can drop
repeats), with ``webhook-timestamp`` and ``webhook-signature`` per the Standard Webhooks spec —
one signature per secret still valid (after a rotation, the old one's too, during the overlap).

Every connection goes through the address guard (:mod:`services.events.network`). The log
records an answer's status and duration; a delivery that did not get an answer records only
"could not connect", with no duration and no detail, so that the log tells nobody which
addresses and ports exist. An endpoint whose registering token expired is disabled before
anything is sent; deliveries of an endpoint that is not active wait until it is resumed.

Each attempt is a client span ``webhook delivery`` (endpoint and delivery ids, attempt number,
outcome, the answer's status; never the URL, which may hold a secret), a child of the consumer
span that made the delivery from an event, so the partner's webhook shows in the event's trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from standardwebhooks.webhooks import Webhook

from services.common.events import Event
from services.common.metrics import WEBHOOK_BACKLOG, WEBHOOK_DELIVERIES, WEBHOOK_OLDEST_AGE, on_scrape, webhook_outcome
from services.common.settings import Settings
from services.common.tracing import SpanKind, context_of, mark_failed, span
from services.events.domain import Attempt, Delivery, DeliveryStatus, Endpoint, EndpointStatus, next_delay
from services.events.handlers import EventsHandlers
from services.events.network import guarded_client

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
BATCH = 500
"""Due deliveries read at once."""
BUSY_PER_SLOT = 8
"""Endpoints with a worker at once, per attempt in flight (the rest wait in the store, not in memory)."""
COULD_NOT_CONNECT = "could not connect"


class Dispatcher:
    """Delivers what is due, on start, when nudged, and every ``webhook_poll_s``."""

    def __init__(self, handlers: EventsHandlers, settings: Settings, *, clock: Callable[[], datetime]) -> None:
        self._handlers = handlers
        self._store = handlers.store
        self._settings = settings
        self._clock = clock
        self._http: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._unmeasure: Callable[[], None] | None = None
        self._slots = asyncio.Semaphore(settings.webhook_concurrency)
        self._busy: dict[str, asyncio.Task[None]] = {}  # endpoint id → the worker sending its deliveries, one at a time
        self._most_busy = BUSY_PER_SLOT * settings.webhook_concurrency

    async def start(self) -> None:
        """Open the HTTP client and start the loop; the backlog is measured at every scrape of ``/metrics``."""
        self._http = guarded_client(
            self._handlers.guard, timeout_s=self._settings.webhook_timeout_s, connections=self._settings.webhook_concurrency
        )
        self._task = asyncio.create_task(self._loop(), name="webhook-dispatcher")
        self._unmeasure = on_scrape(self.measure_backlog)

    async def measure_backlog(self) -> None:
        """Set the backlog gauges from the store: deliveries due, scheduled later, and the oldest pending one's age."""
        now = self._clock()
        due, scheduled, oldest = await self._store.backlog(now)
        WEBHOOK_BACKLOG.labels("due").set(due)
        WEBHOOK_BACKLOG.labels("scheduled").set(scheduled)
        WEBHOOK_OLDEST_AGE.set(max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)

    async def stop(self) -> None:
        """Stop the loop and the attempts in flight; pending deliveries stay in the store (a lease taken ends by itself)."""
        if self._unmeasure is not None:
            self._unmeasure()
        workers = [self._task, *self._busy.values()] if self._task is not None else list(self._busy.values())
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.aclose()

    async def run_once(self) -> int:
        """Attempt every due delivery once and wait for the attempts (tests drive the clock with it); how many were due."""
        await self._settle()
        started = 0
        while taken := await self._start_due():
            started += taken
            await self._settle()
        return started

    async def _settle(self) -> None:
        while self._busy:
            await asyncio.gather(*self._busy.values(), return_exceptions=True)

    async def _start_due(self) -> int:
        """Give each endpoint with due deliveries (and no worker yet) a worker; how many deliveries were handed out."""
        room = self._most_busy - len(self._busy)
        if room <= 0:
            return 0
        due = await self._store.due(self._clock(), limit=min(room, BATCH), excluding=list(self._busy))
        queues: dict[str, list[Delivery]] = {}
        for delivery in due:
            queues.setdefault(delivery.endpoint_id, []).append(delivery)
        for endpoint_id, deliveries in queues.items():
            self._busy[endpoint_id] = asyncio.create_task(self._work(endpoint_id, deliveries), name="webhook-endpoint")
        return len(due)

    async def _work(self, endpoint_id: str, deliveries: list[Delivery]) -> None:
        """One endpoint's due deliveries, in order, one attempt at a time; then any that became due meanwhile."""
        try:
            while deliveries:
                for delivery in deliveries:
                    async with self._slots:
                        if await self._store.lease(delivery, self._clock() + LEASE):
                            await self._attempt(delivery)
                deliveries = await self._store.due(self._clock(), limit=BATCH, endpoint_id=endpoint_id)
        except Exception:
            log.exception("webhook deliveries of an endpoint failed")
        finally:
            self._busy.pop(endpoint_id, None)
            if len(self._busy) == self._most_busy - 1:
                self._handlers.due.set()  # the loop stopped handing out work when every place was taken

    async def _loop(self) -> None:
        while True:
            try:
                while await self._start_due():
                    pass
            except Exception:
                log.exception("webhook round failed")
            await self._handlers.due.wait(self._settings.webhook_poll_s)

    async def _attempt(self, delivery: Delivery) -> None:
        endpoint = await self._store.endpoint(delivery.endpoint_id)
        entry = (await self._store.entries([delivery.event_id])).get(delivery.event_id)
        now = self._clock()
        if endpoint is None or entry is None:
            await self._store.record(
                delivery, Attempt(now, None, "endpoint or event gone", 0), status=DeliveryStatus.FAILED, next_attempt_at=now
            )
            return
        if endpoint.status is EndpointStatus.ACTIVE and not endpoint.granted_at(now):
            endpoint = await self._handlers.expire(endpoint, now)
        if endpoint.status is not EndpointStatus.ACTIVE:
            await self._store.postpone(delivery, now + timedelta(seconds=self._settings.webhook_retry_max_s))
            return
        attributes = {
            "renling.webhook.endpoint_id": endpoint.id,
            "renling.webhook.delivery_id": delivery.id,
            "renling.webhook.attempt": len(delivery.attempts) + 1,
            "messaging.message.id": delivery.event_id,
            "messaging.destination.name": delivery.routing_key,
        }
        parent = context_of({"traceparent": delivery.traceparent} if delivery.traceparent else None)
        with span("webhook delivery", kind=SpanKind.CLIENT, parent=parent, attributes=attributes) as current:
            outcome, status_code = await self._post(delivery, endpoint, entry, now)
            if current is not None:
                current.set_attribute("renling.webhook.outcome", outcome)
                if status_code is not None:
                    current.set_attribute("http.response.status_code", status_code)
                if outcome != "delivered":
                    mark_failed(current, outcome)

    async def _post(self, delivery: Delivery, endpoint: Endpoint, entry: dict[str, object], now: datetime) -> tuple[str, int | None]:
        """POST the signed event once and record the attempt; its outcome (as counted) and the answer's status."""
        body = _cloud_event(entry)
        headers = {
            "content-type": "application/cloudevents+json",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": " ".join(Webhook(secret).sign(delivery.event_id, now, body) for secret in endpoint.signing_secrets(now)),
        }
        started = time.perf_counter()
        status_code: int | None = None
        assert self._http is not None
        try:
            async with self._http.stream("POST", endpoint.url, content=body.encode(), headers=headers) as response:
                status_code = response.status_code
        except httpx.HTTPError as failure:
            log.info("webhook delivery %s could not connect: %s", delivery.id, type(failure).__name__)
        if status_code is None:
            attempt = Attempt(now, None, COULD_NOT_CONNECT, 0)
        else:
            attempt = Attempt(now, status_code, None, int((time.perf_counter() - started) * 1000))
        attempts = len(delivery.attempts) + 1
        outcome = webhook_outcome(status_code, attempts, self._settings.webhook_max_attempts)
        WEBHOOK_DELIVERIES.labels(outcome).inc()
        if status_code is not None and 200 <= status_code < 300:
            await self._store.record(delivery, attempt, status=DeliveryStatus.DELIVERED, next_attempt_at=now)
        elif status_code == 410:
            await self._store.record(delivery, attempt, status=DeliveryStatus.FAILED, next_attempt_at=now)
            await self._store.save_endpoint(endpoint.disable("the receiver answered 410 Gone", at=now))
        elif attempts >= self._settings.webhook_max_attempts:
            await self._store.record(delivery, attempt, status=DeliveryStatus.FAILED, next_attempt_at=now)
        else:
            delay = next_delay(attempts, base_s=self._settings.webhook_retry_base_s, max_s=self._settings.webhook_retry_max_s)
            await self._store.record(delivery, attempt, status=DeliveryStatus.PENDING, next_attempt_at=now + delay)
        return outcome, status_code


def _cloud_event(entry: dict[str, object]) -> str:
    event = Event.from_document(
        {
            "id": entry["_id"],
            "type": entry["type"],
            "source": entry["source"],
            "community": entry["community"],
            "time": entry["time"],
            "data": entry["data"],
            "subject": entry["subject"],
        }
    )
    return json.dumps(json.loads(event.to_json()), ensure_ascii=False)
