"""Prometheus metrics of every process (``/metrics``), with the ``prometheus_client`` library.

One process-wide registry: in the embedded mode every part serves the same figures, told apart by
their ``service`` label. The metrics are declared here, once, and fed by one-line hooks where the
things happen: GraphQL operations (a strawberry extension in the services, the gateway's
executor), subgraph fetches (the gateway's client), the plan cache, the outbox relay, the bus
consumers and dead letters, webhook deliveries, and WebSocket connections (an ASGI middleware).

Backlogs are read from the store when Prometheus scrapes: a part registers an async probe
(:func:`on_scrape`) that sets its gauges, and ``/metrics`` awaits every probe (bounded by
:data:`PROBE_TIMEOUT_S`) before it answers. Probes, not a ``prometheus_client`` custom collector,
because collectors are synchronous and the store is not; a probe that fails or is slow leaves its
gauges as they were and the scrape still answers.

Operation names are chosen by clients, so at most :data:`MAX_OPERATION_NAMES` distinct ones are
kept as labels (then ``other``), and only names that look like GraphQL names.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from graphql import DocumentNode, FieldNode, OperationDefinitionNode
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from services.common.tracing import name_current_span

__all__ = [
    "DEAD_LETTERS",
    "EVENTS_CONSUMED",
    "EVENTS_PUBLISHED",
    "EVENT_HANDLING_SECONDS",
    "OUTBOX_BACKLOG",
    "OUTBOX_OLDEST_AGE",
    "PLAN_CACHE",
    "REQUESTS",
    "REQUEST_SECONDS",
    "SUBGRAPH_FETCHES",
    "SUBGRAPH_FETCH_SECONDS",
    "SUBSCRIPTIONS",
    "WEBHOOK_BACKLOG",
    "WEBHOOK_DELIVERIES",
    "WEBHOOK_OLDEST_AGE",
    "WEBSOCKETS",
    "ConnectionsMiddleware",
    "OperationMetrics",
    "metrics_endpoint",
    "observe_operation",
    "on_scrape",
    "operation_label",
    "outcome_of",
    "webhook_outcome",
]

log = logging.getLogger(__name__)

MAX_OPERATION_NAMES = 200
PROBE_TIMEOUT_S = 2.0
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
_seen_names: set[str] = set()

REQUESTS = Counter(
    "renling_graphql_requests",
    "GraphQL operations answered, by part, operation name and outcome (ok, partial, error)",
    ["service", "operation", "outcome"],
)
REQUEST_SECONDS = Histogram("renling_graphql_request_seconds", "Time to answer a GraphQL operation", ["service", "operation"])
SUBGRAPH_FETCHES = Counter(
    "renling_gateway_subgraph_fetches", "Gateway requests to a subgraph, by outcome (ok, graphql_errors, failed)", ["subgraph", "outcome"]
)
SUBGRAPH_FETCH_SECONDS = Histogram("renling_gateway_subgraph_fetch_seconds", "Time of one gateway request to a subgraph", ["subgraph"])
PLAN_CACHE = Counter("renling_gateway_plan_cache_lookups", "Query plan cache lookups by result (hit, miss)", ["result"])
OUTBOX_BACKLOG = Gauge(
    "renling_outbox_backlog_events", "Events still in the outboxes, unpublished (read at scrape time and by each sweep)", ["collection"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "renling_outbox_oldest_age_seconds",
    "Age of the oldest event still in the outboxes (read at scrape time and by each sweep)",
    ["collection"],
)
EVENTS_PUBLISHED = Counter("renling_events_published", "Events the outbox relay published (broker-confirmed), by type", ["type"])
EVENTS_CONSUMED = Counter(
    "renling_events_consumed",
    "Events handled by a consumer, by type and outcome (ok, failed: retried or dead-lettered)",
    ["consumer", "type", "outcome"],
)
EVENT_HANDLING_SECONDS = Histogram("renling_event_handling_seconds", "Time a consumer took to handle one event", ["consumer"])
DEAD_LETTERS = Counter("renling_events_dead_lettered", "Events a consumer gave up on (dead-lettered)", ["consumer"])
WEBHOOK_DELIVERIES = Counter(
    "renling_webhook_deliveries", "Webhook delivery attempts by outcome (delivered, retrying, given_up, gone)", ["outcome"]
)
WEBHOOK_BACKLOG = Gauge(
    "renling_webhook_backlog_deliveries",
    "Webhook deliveries pending at scrape time, by state (due: to attempt now; scheduled: a retry later, an attempt under way, "
    "or waiting for a paused endpoint)",
    ["state"],
)
WEBHOOK_OLDEST_AGE = Gauge("renling_webhook_oldest_pending_age_seconds", "Age of the oldest webhook delivery still pending, at scrape time")
WEBSOCKETS = Gauge("renling_websocket_connections", "Open WebSocket connections (subscriptions, graphql-transport-ws)", ["service"])
SUBSCRIPTIONS = Gauge("renling_subscriptions_active", "GraphQL subscriptions being served", ["service"])


def operation_label(name: object, document: DocumentNode | None = None) -> str:
    """A bounded label for an operation: its name (given, or in the document), or for an anonymous one (what the
    gateway sends the subgraphs) the names of its root fields (``submitNeed``, ``_entities``)."""
    if (not isinstance(name, str) or not name) and document is not None:
        name = _root_fields(document)
    if not isinstance(name, str) or not name:
        return "anonymous"
    if not _NAME.match(name.replace(",", "_")):
        return "invalid"
    if name not in _seen_names:
        if len(_seen_names) >= MAX_OPERATION_NAMES:
            return "other"
        _seen_names.add(name)
    return name


def _root_fields(document: DocumentNode) -> str | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return None
    if operations[0].name is not None:
        return operations[0].name.value
    names = sorted({s.name.value for s in operations[0].selection_set.selections if isinstance(s, FieldNode)})
    return ",".join(names[:4]) or None


def outcome_of(result: dict[str, Any] | None) -> str:
    """``ok`` without errors, ``partial`` with data and errors, ``error`` otherwise."""
    if not result or result.get("errors"):
        return "partial" if result and result.get("data") else "error"
    return "ok"


def observe_operation(service: str, operation: object, outcome: str, started: float, document: DocumentNode | None = None) -> str:
    """Count one operation and its latency (``started``: :func:`time.perf_counter` at its start); its label."""
    label = operation_label(operation, document)
    REQUESTS.labels(service, label, outcome).inc()
    REQUEST_SECONDS.labels(service, label).observe(time.perf_counter() - started)
    return label


def webhook_outcome(status_code: int | None, attempts: int, max_attempts: int) -> str:
    """What one delivery attempt came to, as the events service decides it."""
    if status_code is not None and 200 <= status_code < 300:
        return "delivered"
    if status_code == 410:
        return "gone"
    return "given_up" if attempts >= max_attempts else "retrying"


class OperationMetrics(SchemaExtension):
    """Counts and times every operation a subgraph answers (queries, mutations, subscriptions)."""

    def __init__(self, *, service: str) -> None:
        self.service = service

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        result = context.result
        errors = getattr(result, "errors", None) if result is not None else None
        data = getattr(result, "data", None) if result is not None else None
        outcome = "ok" if not errors else ("partial" if data else "error")
        label = observe_operation(self.service, context.operation_name, outcome, started, context.graphql_document)
        name_current_span(f"{self.service} {label}", **{"graphql.operation.name": label, "renling.outcome": outcome})


class ConnectionsMiddleware:
    """Keeps :data:`WEBSOCKETS` at the number of open WebSocket connections of this part."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.gauge = WEBSOCKETS.labels(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        self.gauge.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.gauge.dec()


Probe = Callable[[], Awaitable[None]]
_probes: list[Probe] = []


def on_scrape(probe: Probe) -> Callable[[], None]:
    """Run ``probe`` (it sets gauges from the store) before every scrape; the function that stops that."""
    _probes.append(probe)

    def remove() -> None:
        with contextlib.suppress(ValueError):
            _probes.remove(probe)

    return remove


async def _run_probes() -> None:
    """Every probe, concurrently, for at most :data:`PROBE_TIMEOUT_S`; failures are logged, never raised."""
    probes = list(_probes)
    if not probes:
        return
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            outcomes = await asyncio.gather(*(probe() for probe in probes), return_exceptions=True)
    except TimeoutError:
        log.warning("a metrics probe took longer than %ss; its gauges are as they were", PROBE_TIMEOUT_S)
        return
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            log.warning("a metrics probe failed: %s", type(outcome).__name__)


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``: the Prometheus text format, the backlogs read from the store just before."""
    await _run_probes()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
