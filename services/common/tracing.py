"""OpenTelemetry tracing: one trace from a request at the gateway, through the subgraphs and the outbox, over
the bus to every consumer that reacts.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (then spans go out by OTLP/HTTP in batches) or a
test installs a provider (:func:`install`): while off, :func:`span` is a no-op context and no
context is carried, so tracing costs nothing. The context crosses HTTP as W3C ``traceparent``
(gateway → subgraph) and the bus as the CloudEvents distributed-tracing extension: an event made
inside a span carries that span's ``traceparent``, the relay publishes it from a producer span
and stamps that span's context on the published event, and each consumer's span is its child.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "SpanKind",
    "TraceMiddleware",
    "configure_tracing",
    "context_of",
    "current_trace_id",
    "current_traceparent",
    "disable",
    "enabled",
    "inject_headers",
    "install",
    "mark_failed",
    "name_current_span",
    "span",
    "traced_batch",
]

K = TypeVar("K")
V = TypeVar("V")

_state: dict[str, bool] = {"enabled": False}
_providers: list[TracerProvider] = []
TRACER_NAME = "renling"


def enabled() -> bool:
    """Whether spans are recorded in this process."""
    return _state["enabled"]


def install(processor: SpanProcessor, *, service_name: str = "renling") -> TracerProvider:
    """Record spans through ``processor`` from now on (the process's one provider is made the first time)."""
    if not _providers:
        _providers.append(TracerProvider(resource=Resource.create({"service.name": service_name})))
        trace.set_tracer_provider(_providers[0])
    _providers[0].add_span_processor(processor)
    _state["enabled"] = True
    return _providers[0]


def disable() -> None:
    """Stop recording (tests: a test that traced leaves the others untraced)."""
    _state["enabled"] = False


def configure_tracing(service_name: str) -> bool:
    """Export by OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (``OTEL_SERVICE_NAME`` names the process); else stay off."""
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or enabled():
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    install(BatchSpanProcessor(OTLPSpanExporter()), service_name=os.environ.get("OTEL_SERVICE_NAME") or service_name)
    return True


@contextlib.contextmanager
def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: otel_context.Context | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span | None]:
    """A current span (None while tracing is off); an exception marks it failed and goes on.

    Only an :class:`Exception` is a failure: a cancellation (a client completing a subscription, a
    shutdown) ends the span without marking it failed.
    """
    if not enabled():
        yield None
        return
    tracer = trace.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(
        name, context=parent, kind=kind, attributes=dict(attributes or {}), record_exception=False, set_status_on_exception=False
    ) as current:
        try:
            yield current
        except Exception as error:
            current.record_exception(error)
            current.set_status(Status(StatusCode.ERROR, type(error).__name__))
            raise


def mark_failed(current: Span, reason: str) -> None:
    """Mark a span failed without an exception (a webhook attempt the receiver refused, say)."""
    current.set_status(Status(StatusCode.ERROR, reason))


def traced_batch(what: str, load: Callable[[Sequence[K]], Awaitable[list[V]]]) -> Callable[[Sequence[K]], Awaitable[list[V]]]:
    """A DataLoader's batch function run in a ``load <what>`` span with the number of keys (``renling.loader.keys``).

    A batch is dispatched from the context of the first ``load`` of the batch, so its span is a
    child of the request's span; while tracing is off the batch runs as it is.
    """

    @functools.wraps(load)
    async def traced(keys: Sequence[K]) -> list[V]:
        if not enabled():
            return await load(keys)
        with span(f"load {what}", attributes={"renling.loader": what, "renling.loader.keys": len(keys)}):
            return await load(keys)

    return traced


def context_of(carrier: Mapping[str, str] | None) -> otel_context.Context | None:
    """The trace context a ``traceparent`` (in headers, or an event's) carries; None when off or absent."""
    if not enabled() or not carrier:
        return None
    return extract({key.lower(): value for key, value in carrier.items()})


def inject_headers(headers: MutableMapping[str, str]) -> None:
    """Put the current context into outgoing HTTP headers (``traceparent``), when on."""
    if enabled():
        inject(headers)


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, for an event made now; None when off or outside a span."""
    if not enabled():
        return None
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent")


def current_trace_id() -> str | None:
    """The current trace id in hex (for log lines), or None."""
    if not enabled():
        return None
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def name_current_span(name: str, **attributes: Any) -> None:
    """Rename the current span (the request's, once the operation is known) and add attributes."""
    if enabled():
        current = trace.get_current_span()
        current.update_name(name)
        for key, value in attributes.items():
            current.set_attribute(key, value)


UNTRACED = ("/metrics", "/health", "/ready", "/console/")


class TraceMiddleware:
    """A server span per HTTP request, continuing the caller's ``traceparent``; everything the request does is inside it."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if not enabled() or scope["type"] != "http" or path.startswith(UNTRACED):
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope.get("headers", [])}
        method = scope.get("method", "GET")
        attributes = {"http.request.method": method, "url.path": path, "renling.service": self.service}
        with span(f"{method} {path}", kind=SpanKind.SERVER, parent=context_of(headers), attributes=attributes) as current:

            async def send_with_status(message: Message) -> None:
                if message["type"] == "http.response.start" and current is not None:
                    current.set_attribute("http.response.status_code", message["status"])
                await send(message)

            await self.app(scope, receive, send_with_status)
