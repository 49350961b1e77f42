"""The webhook dispatcher: due deliveries POSTed as signed CloudEvents, retried with back-off.

Deliveries live in the store, so a restart resumes them. Attempts run concurrently — at most
``webhook_concurrency`` in flight, over one pooled, kept-alive HTTP client — and one at a time
per endpoint, in the order they became due, so a slow or dead receiver holds one slot and
delays only its own deliveries. Each attempt is taken with a lease (a conditional update) first,
so that the dispatchers of several replicas never send the same attempt twice: a new delivery is
stored already leased to the replica that recorded its event (which sends it at once, with no
second write and no search), a due one — a retry, or one whose lease ran out — is leased with a
conditional update. The endpoint a new delivery goes to is the one recording the event read
(its snapshot is handed over with the delivery, so a fan-out to a thousand endpoints does not read
each endpoint again): a snapshot serves only while that endpoint's handed-over deliveries are
being sent and at most ``SNAPSHOT_S``, and any change made through this replica drops it at once
(:meth:`Dispatcher.forget`); retries and deliveries found due read the endpoint from the store.
The body is the event in structured CloudEvents JSON; ``webhook-id`` is the event id (the same on every retry, so receivers can drop
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
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from standardwebhooks.webhooks import Webhook

from services.common.events import Event
from services.common.metrics import WEBHOOK_BACKLOG, WEBHOOK_DELIVERIES, WEBHOOK_OLDEST_AGE, on_scrape, webhook_outcome
from services.common.settings import Settings
from services.common.tracing import SpanKind, context_of, mark_failed, span
from services.events.domain import Attempt, Delivery, DeliveryStatus, Endpoint, EndpointStatus, next_delay
from services.events.handlers import EventsHandlers
from services.events.network import WebhookClient

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
BATCH = 500
"""Due deliveries read at once."""
QUEUED_PER_SLOT = 8
"""Deliveries taken (leased) and waiting for a slot, at most, per attempt in flight; the rest wait in the store."""
QUEUED_PER_ENDPOINT = 16
"""Deliveries of one endpoint taken at once (a backlogged endpoint does not take every place)."""
BODIES = 256
"""Events whose CloudEvent body is kept serialized (one event goes to many endpoints at once)..."""
BODY_TTL_S = 30.0
"""...for a short while only: a retry hours later sends the entry as it is then (an erasure may have rewritten it)."""
COULD_NOT_CONNECT = "could not connect"
SNAPSHOT_S = 5.0
"""How long the endpoint read when an event was recorded is used for that event's deliveries (then it is read again)."""
SIGNERS = 4_096
"""Signing keys kept decoded (a secret's base64 decoded once, not once per delivery)."""


class Dispatcher:
    """Delivers what is due, on start, when nudged, and every ``webhook_poll_s``."""

    def __init__(self, handlers: EventsHandlers, settings: Settings, *, clock: Callable[[], datetime]) -> None:
        self._handlers = handlers
        self._store = handlers.store
        self._settings = settings
        self._clock = clock
        self._http: WebhookClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._unmeasure: Callable[[], None] | None = None
        self._slots = asyncio.Semaphore(settings.webhook_concurrency)
        self._queues: dict[str, deque[Delivery]] = {}  # endpoint id → its leased deliveries, sent in order by one worker
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._queued = 0
        self._most_queued = QUEUED_PER_SLOT * settings.webhook_concurrency
        self._throttled = False  # something due was left in the store for want of room: look again when there is
        self._bodies: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._snapshots: dict[str, tuple[float, Endpoint]] = {}  # endpoint id → (monotonic time read, the endpoint then)
        self._changed: dict[str, float] = {}  # endpoint id → when it was last changed here (monotonic)
        self._signers: OrderedDict[str, Webhook] = OrderedDict()

    async def start(self) -> None:
        """Open the HTTP client and start the loop; the backlog is measured at every scrape of ``/metrics``."""
        self._http = WebhookClient(
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
        tasks = [*([self._task] if self._task is not None else []), *self._workers.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            http, self._http = self._http, None
            await http.close()

    async def run_once(self) -> int:
        """Attempt every due delivery once and wait for the attempts (tests drive the clock with it); how many were taken."""
        await self._settle()
        taken = 0
        while started := await self._take_due():
            taken += started
            await self._settle()
        return taken

    async def _settle(self) -> None:
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def _take_due(self) -> int:
        """Lease due deliveries and queue each behind its endpoint's earlier ones; how many were taken."""
        room = self._most_queued - self._queued
        if room <= 0:
            self._throttled = True
            return 0
        now = self._clock()
        full = [endpoint_id for endpoint_id, queue in self._queues.items() if len(queue) >= QUEUED_PER_ENDPOINT]
        taken = 0
        for delivery in await self._store.due(now, limit=min(room, BATCH), excluding=full):
            ahead = len(self._queues.get(delivery.endpoint_id, ()))
            if ahead >= QUEUED_PER_ENDPOINT:
                self._throttled = True
                continue
            if not await self._store.lease(delivery, now + self._lease(ahead)):
                continue  # another replica's dispatcher took it
            self._queue(delivery)
            taken += 1
        return taken

    def reserve(self, deliveries: Sequence[Delivery], now: datetime) -> list[Delivery]:
        """New deliveries (not stored yet), those there is room for leased to this dispatcher: stored so, they are handed over
        (:meth:`hand_over`) without a second write; the others are stored due, for :meth:`_take_due`."""
        if self._http is None:  # not started yet (the consumers start first), or stopped: the loop finds them due
            return list(deliveries)
        room = self._most_queued - self._queued
        ahead: dict[str, int] = {}
        reserved = []
        for delivery in deliveries:
            queued = ahead.get(delivery.endpoint_id, len(self._queues.get(delivery.endpoint_id, ())))
            if room <= 0 or queued >= QUEUED_PER_ENDPOINT:
                reserved.append(delivery)
                continue
            reserved.append(replace(delivery, next_attempt_at=now + self._lease(queued)))
            ahead[delivery.endpoint_id] = queued + 1
            room -= 1
        return reserved

    def hand_over(self, deliveries: Sequence[Delivery], endpoints: Mapping[str, Endpoint] | None = None, *, read_at: float = 0.0) -> None:
        """Send these (reserved, now stored) deliveries, each behind its endpoint's earlier ones; ``endpoints``, as the caller
        read them at ``read_at`` (``time.monotonic()``), spare each attempt reading its endpoint again (:data:`SNAPSHOT_S`) —
        unless the endpoint was changed here since."""
        if endpoints:
            for delivery in deliveries:
                endpoint = endpoints.get(delivery.endpoint_id)
                if endpoint is not None and self._changed.get(endpoint.id, -1.0) < read_at:
                    self._snapshots[endpoint.id] = (read_at, endpoint)
        for delivery in deliveries:
            self._queue(delivery)

    def forget(self, endpoint_id: str) -> None:
        """The endpoint was changed (paused, rotated, revoked, deleted…): its next attempt reads it from the store, and a
        snapshot read before now is not taken."""
        now = time.monotonic()
        self._snapshots.pop(endpoint_id, None)
        self._changed[endpoint_id] = now
        if len(self._changed) > SIGNERS:
            self._changed = {key: at for key, at in self._changed.items() if now - at < SNAPSHOT_S}

    def _lease(self, ahead: int) -> timedelta:
        """Long enough for every attempt before this one, in its endpoint's queue and in the slots, to time out."""
        return LEASE + timedelta(seconds=self._settings.webhook_timeout_s * (ahead + QUEUED_PER_SLOT))

    def _queue(self, delivery: Delivery) -> None:
        self._queues.setdefault(delivery.endpoint_id, deque()).append(delivery)
        self._queued += 1
        if delivery.endpoint_id not in self._workers:
            self._workers[delivery.endpoint_id] = asyncio.create_task(self._work(delivery.endpoint_id), name="webhook-endpoint")

    async def _work(self, endpoint_id: str) -> None:
        """Send one endpoint's queued deliveries in order, one attempt at a time, each in a slot."""
        queue = self._queues[endpoint_id]
        try:
            while queue:
                try:
                    async with self._slots:
                        await self._attempt(queue[0])
                except Exception:
                    log.exception("a webhook attempt failed")  # its lease runs out and it is attempted again
                finally:
                    queue.popleft()
                    self._queued -= 1
        finally:
            del self._workers[endpoint_id]
            self._snapshots.pop(endpoint_id, None)
            if not queue:
                del self._queues[endpoint_id]
            if self._throttled:
                self._throttled = False
                self._handlers.due.set()

    async def _loop(self) -> None:
        while True:
            try:
                while await self._take_due():
                    pass
            except Exception:
                log.exception("webhook round failed")
            await self._handlers.due.wait(self._settings.webhook_poll_s)

    async def _endpoint(self, endpoint_id: str) -> Endpoint | None:
        """The endpoint handed over with its fresh deliveries, if still current; else as stored."""
        snapshot = self._snapshots.get(endpoint_id)
        if snapshot is not None and time.monotonic() - snapshot[0] < SNAPSHOT_S:
            return snapshot[1]
        self._snapshots.pop(endpoint_id, None)
        return await self._store.endpoint(endpoint_id)

    async def _attempt(self, delivery: Delivery) -> None:
        endpoint = await self._endpoint(delivery.endpoint_id)
        body = await self._body(delivery.event_id)
        now = self._clock()
        if endpoint is None or body is None:
            await self._store.record(
                delivery, Attempt(now, None, "endpoint or event gone", 0), status=DeliveryStatus.FAILED, next_attempt_at=now
            )
            return
        if endpoint.status is EndpointStatus.ACTIVE and not endpoint.granted_at(now):
            self.forget(endpoint.id)
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
            outcome, status_code = await self._post(delivery, endpoint, body, now)
            if current is not None:
                current.set_attribute("renling.webhook.outcome", outcome)
                if status_code is not None:
                    current.set_attribute("http.response.status_code", status_code)
                if outcome != "delivered":
                    mark_failed(current, outcome)

    def _signer(self, secret: str) -> Webhook:
        """The Standard Webhooks signer of a secret, its key decoded once."""
        signer = self._signers.get(secret)
        if signer is None:
            signer = self._signers[secret] = Webhook(secret)
            if len(self._signers) > SIGNERS:
                self._signers.popitem(last=False)
        return signer

    def _signature(self, delivery: Delivery, endpoint: Endpoint, body: bytes, now: datetime) -> str:
        """``webhook-signature``: ``v1,<HMAC-SHA256 of id.timestamp.body>`` per secret still valid (Standard Webhooks)."""
        text = body.decode()
        return " ".join(self._signer(secret).sign(delivery.event_id, now, text) for secret in endpoint.signing_secrets(now))

    async def _post(self, delivery: Delivery, endpoint: Endpoint, body: bytes, now: datetime) -> tuple[str, int | None]:
        """POST the signed event once and record the attempt; its outcome (as counted) and the answer's status."""
        headers = {
            "content-type": "application/cloudevents+json",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._signature(delivery, endpoint, body, now),
        }
        started = time.perf_counter()
        assert self._http is not None
        status_code = await self._http.post(endpoint.url, body, headers)
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
            self.forget(endpoint.id)
            await self._store.save_endpoint(endpoint.disable("the receiver answered 410 Gone", at=now))
        elif attempts >= self._settings.webhook_max_attempts:
            await self._store.record(delivery, attempt, status=DeliveryStatus.FAILED, next_attempt_at=now)
        else:
            delay = next_delay(attempts, base_s=self._settings.webhook_retry_base_s, max_s=self._settings.webhook_retry_max_s)
            await self._store.record(delivery, attempt, status=DeliveryStatus.PENDING, next_attempt_at=now + delay)
        return outcome, status_code

    async def _body(self, event_id: str) -> bytes | None:
        """The event's CloudEvent JSON, read and serialized once for every endpoint it goes to; None if it is gone."""
        now = time.monotonic()
        kept = self._bodies.get(event_id)
        if kept is not None and now - kept[0] < BODY_TTL_S:
            return kept[1]
        entry = (await self._store.entries([event_id])).get(event_id)
        if entry is None:
            return None
        body = _cloud_event(entry).encode()
        self._bodies[event_id] = (now, body)
        self._bodies.move_to_end(event_id)
        if len(self._bodies) > BODIES:
            self._bodies.popitem(last=False)
        return body


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
