"""Webhook deliveries under observation: a span per attempt in the event's trace, and the backlog on ``/metrics``
(read from the store at scrape time)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.common import tracing
from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from tests.events.conftest import Events, event, place
from tests.support import GraphQLClient, eventually, fast_settings, running, serving
from tests.test_tracing import own_id, parent_id, spans

__all__ = ["spans"]

REGISTER = "mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { endpoint { id } errors { code message } } }"
URL_SECRET = "s3cr3t-in-the-url"


def answering(*statuses: int) -> tuple[Starlette, list[int]]:
    """A receiver answering ``statuses`` in turn (then the last one); the list of what it answered."""
    answered: list[int] = []

    async def receive(request: Request) -> Response:
        answered.append(statuses[min(len(answered), len(statuses) - 1)])
        return Response(status_code=answered[-1])

    return Starlette(routes=[Route("/hook", receive, methods=["POST"])]), answered


async def test_each_delivery_attempt_is_a_span_in_the_trace_of_the_event_it_delivers(events: Events, spans: InMemorySpanExporter) -> None:
    partner = events.token(Role.PARTNER, "c1")
    receiver, answered = answering(503, 204)
    async with serving(receiver) as base:
        url = f"{base}/hook?token={URL_SECRET}"
        registered = (await events.client.data(REGISTER, {"input": {"url": url}}, as_=partner))["registerWebhook"]
        assert registered["errors"] == []
        with tracing.span("needs submitNeed") as made:
            published = event("needs.item.published.v1", item_id="i1")
        await events.publish(published)

        async def delivered() -> bool:
            return any((s.attributes or {}).get("renling.webhook.outcome") == "delivered" for s in spans.get_finished_spans())

        await eventually(delivered, what="the second attempt's span")

    assert made is not None
    trace_id = made.get_span_context().trace_id
    recorded = [s for s in spans.get_finished_spans() if s.context is not None and s.context.trace_id == trace_id]
    consumed = [s for s in recorded if s.name == "consume needs.item.published.v1"]
    attempts = [s for s in recorded if s.name == "webhook delivery"]
    assert answered == [503, 204]
    assert len(consumed) == 1
    assert [s.kind for s in attempts] == [SpanKind.CLIENT, SpanKind.CLIENT]
    for attempt in attempts:
        assert parent_id(attempt) == own_id(consumed[0])
    first, second = sorted(attempts, key=lambda s: s.start_time or 0)
    assert first.attributes is not None
    assert second.attributes is not None
    endpoint_id = registered["endpoint"]["id"]
    assert dict(first.attributes) == {
        "renling.webhook.endpoint_id": endpoint_id,
        "renling.webhook.delivery_id": f"{endpoint_id}:{published.id}",
        "renling.webhook.attempt": 1,
        "messaging.message.id": published.id,
        "messaging.destination.name": "needs.item.published.v1",
        "renling.webhook.outcome": "retrying",
        "http.response.status_code": 503,
    }
    assert first.status.status_code is StatusCode.ERROR
    assert (second.attributes["renling.webhook.attempt"], second.attributes["renling.webhook.outcome"]) == (2, "delivered")
    assert second.status.status_code is StatusCode.UNSET
    for attempt in attempts:
        assert not any(URL_SECRET in str(value) or base in str(value) for value in (attempt.attributes or {}).values())


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)  # the store keeps milliseconds

    def __call__(self) -> datetime:
        return self.now


async def _backlog(client: GraphQLClient) -> tuple[float, float, float]:
    """Deliveries due, scheduled, and the oldest one's age, as ``/metrics`` shows them (the parser checks the format)."""
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families((await client.http.get("/metrics")).text)
        for sample in family.samples
    }
    return (
        samples[("renling_webhook_backlog_deliveries", (("state", "due"),))],
        samples[("renling_webhook_backlog_deliveries", (("state", "scheduled"),))],
        samples[("renling_webhook_oldest_pending_age_seconds", ())],
    )


async def test_metrics_show_the_webhook_backlog_of_an_unreachable_endpoint_at_scrape_time() -> None:
    settings = fast_settings(webhook_allow_private=True, webhook_retry_base_s=60, webhook_poll_s=3600)
    clock, bus = Clock(), InProcessBus()
    async with running(create_app(settings, bus=bus, memory=MemoryServer(), clock=clock)) as client:
        await bus.publish(place("c1", "d1"))
        await bus.drain()
        partner = mint_token(settings, subject="partner", roles=[Role.PARTNER], communities=["c1"])
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        registered = await client.data(REGISTER, {"input": {"url": f"http://127.0.0.1:{port}/hook"}}, as_=partner)
        assert registered["registerWebhook"]["errors"] == []
        before = await _backlog(client)
        await bus.publish(event("needs.item.published.v1", item_id="i1"))
        await bus.drain()

        async def attempted() -> bool:
            log = (await client.data("{ webhooks { deliveries { attempts { error } } } }", as_=partner))["webhooks"][0]["deliveries"]
            return bool(log) and bool(log[0]["attempts"])

        await eventually(attempted, what="the first attempt, which cannot connect")
        clock.now += timedelta(seconds=30)
        retrying = await _backlog(client)
        clock.now += timedelta(seconds=90)  # past the retry (60 s ± 20 %): due, though the dispatcher sleeps
        due = await _backlog(client)
    await bus.close()

    assert before == (0, 0, 0)
    assert retrying == (0, 1, 30)
    assert due == (1, 0, 120)
