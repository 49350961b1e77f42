"""OpenTelemetry: a mutation through the gateway is one trace — gateway, subgraph, outbox publish, every consumer."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.common import tracing
from services.common.bus import Subscription
from services.common.bus.rabbit import RabbitBus
from services.common.events import Event, new_event
from services.common.identity import Role
from services.common.logs import JsonFormatter
from services.common.observed import observed_subscription
from services.needs.app import create_app as create_needs_app
from tests.broker import DELAYS, Broker, broker
from tests.needs.conftest import knowing
from tests.support import AMQP_URL, eventually, running, running_gateway, token
from tests.test_platform import Platform, platform

__all__ = ["broker", "platform"]

SUBMIT = """mutation {
  submitNeed(input: {communityId: "c1", title: "楼道装扶手", category: BLUE_GUARD, targetGroups: [ELDERLY]}) { need { id } errors { code } }
}"""


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans recorded in memory while the test runs; tracing is off again afterwards."""
    exporter = InMemorySpanExporter()
    tracing.install(SimpleSpanProcessor(exporter))
    try:
        yield exporter
    finally:
        tracing.disable()
        exporter.shutdown()


async def register_places(platform: Platform) -> None:
    admin = platform.token(Role.DISTRICT_ADMIN, subject="admin")
    for name, input, selection in [
        ("registerDistrict", {"id": "d1", "name": "东城区"}, "district { id }"),
        ("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}, "street { id }"),
        ("registerCommunity", {"id": "c1", "streetId": "s1", "name": "左安浦园社区"}, "community { id }"),
    ]:
        await platform.mutate("orgs", name, input, selection, as_=admin)


def parent_id(span: ReadableSpan) -> int:
    assert span.parent is not None, span.name
    span_id: int = span.parent.span_id
    return span_id


def own_id(span: ReadableSpan) -> int:
    assert span.context is not None, span.name
    span_id: int = span.context.span_id
    return span_id


def one(found: list[ReadableSpan], what: str) -> ReadableSpan:
    assert len(found) == 1, (what, [s.name for s in found])
    return found[0]


async def test_a_mutation_through_the_gateway_is_one_trace_across_the_bus(platform: Platform, spans: InMemorySpanExporter) -> None:
    await register_places(platform)
    spans.clear()
    async with running_gateway(platform.apps, platform.settings) as gateway:
        body = await gateway.post(SUBMIT, as_=platform.token(Role.RESIDENT, subject="resident"))
        assert body["data"]["submitNeed"]["errors"] == []
        await platform.settle()

    recorded = list(spans.get_finished_spans())
    request = one([s for s in recorded if s.name == "gateway submitNeed"], "the gateway's span")
    trace = [
        s for s in recorded if s.context is not None and request.context is not None and s.context.trace_id == request.context.trace_id
    ]
    by_id = {s.context.span_id: s for s in trace if s.context is not None}

    def parent_of(child: ReadableSpan) -> ReadableSpan:
        assert child.parent is not None, child.name
        return by_id[child.parent.span_id]

    fetch = one([s for s in trace if s.name == "subgraph needs"], "the gateway's fetch")
    served = one([s for s in trace if s.name == "needs submitNeed"], "the needs service's span")
    published = one([s for s in trace if s.name == "publish needs.need.submitted.v1"], "the outbox publish")
    consumed = [s for s in trace if s.name == "consume needs.need.submitted.v1"]

    assert request.kind is SpanKind.SERVER
    assert request.parent is None
    assert (fetch.kind, parent_of(fetch)) == (SpanKind.CLIENT, request)
    assert (served.kind, parent_of(served)) == (SpanKind.SERVER, fetch)
    assert (published.kind, parent_of(published)) == (SpanKind.PRODUCER, served)
    assert {s.attributes["messaging.consumer.group.name"] for s in consumed if s.attributes} >= {"events"}
    for span in consumed:
        assert (span.kind, parent_of(span)) == (SpanKind.CONSUMER, published)
    assert request.attributes is not None
    assert request.attributes["renling.outcome"] == "ok"


def test_log_lines_carry_the_trace_id(spans: InMemorySpanExporter) -> None:
    record = logging.LogRecord("renling", logging.INFO, __file__, 1, "inside a span", None, None)
    with tracing.span("work") as current:
        line = json.loads(JsonFormatter().format(record))

    assert current is not None
    assert line["trace_id"] == format(current.get_span_context().trace_id, "032x")


def test_an_event_made_in_a_span_carries_its_traceparent_as_a_cloudevents_extension(spans: InMemorySpanExporter) -> None:
    with tracing.span("decide") as current:
        event = new_event("needs.need.submitted.v1", service="needs", community="c1", data={"need_id": "n1"})
    wire = json.loads(event.to_json())

    assert current is not None
    assert wire["traceparent"] == event.traceparent
    assert event.traceparent is not None
    assert format(current.get_span_context().trace_id, "032x") in event.traceparent
    assert Event.from_json(event.to_json()).traceparent == event.traceparent
    assert Event.from_document(event.to_document()).traceparent == event.traceparent


def test_off_by_default_nothing_is_recorded_or_carried() -> None:
    with tracing.span("work") as current:
        event = new_event("needs.need.submitted.v1", service="needs", community="c1", data={})
    record = logging.LogRecord("renling", logging.INFO, __file__, 1, "no span", None, None)

    assert current is None
    assert event.traceparent is None
    assert "traceparent" not in json.loads(event.to_json())
    assert "traceparent" not in event.to_document()
    assert "trace_id" not in json.loads(JsonFormatter().format(record))


async def test_the_trace_crosses_rabbitmq_from_the_request_to_a_consumer_in_another_connection(
    broker: Broker, spans: InMemorySpanExporter
) -> None:
    listener = RabbitBus(AMQP_URL, namespace=broker.settings.events_exchange, retry_delays_ms=DELAYS)
    await listener.start()
    handled: list[Event] = []

    async def handle(event: Event) -> None:
        handled.append(event)

    await listener.subscribe(observed_subscription(Subscription("orgs", ["needs.need.submitted.v1"], handle)))
    resident = token(broker.settings, Role.RESIDENT, communities=["c1"], subject="resident-1")
    try:
        async with running(create_needs_app(broker.settings, memory=knowing("c1"))) as client:
            with tracing.span("a partner's client", kind=SpanKind.CLIENT) as caller:
                headers = {"authorization": f"Bearer {resident}"}
                tracing.inject_headers(headers)
            response = await client.http.post("/graphql", json={"query": SUBMIT, "variables": {}}, headers=headers)
            assert response.json()["data"]["submitNeed"]["errors"] == []

            async def consumed() -> bool:
                return any(s.name == "consume needs.need.submitted.v1" for s in spans.get_finished_spans())

            await eventually(consumed, within=20, what="the consumer's span on RabbitMQ")
    finally:
        await listener.close()

    assert caller is not None
    trace_id = caller.get_span_context().trace_id
    recorded = {s.name: s for s in spans.get_finished_spans() if s.context is not None and s.context.trace_id == trace_id}
    served, published, consume = (
        recorded["needs submitNeed"],
        recorded["publish needs.need.submitted.v1"],
        recorded["consume needs.need.submitted.v1"],
    )
    assert parent_id(served) == caller.get_span_context().span_id
    assert parent_id(published) == own_id(served)
    assert parent_id(consume) == own_id(published)
    assert handled[0].traceparent is not None
    assert format(own_id(published), "016x") in handled[0].traceparent  # the CloudEvents extension, over the wire
