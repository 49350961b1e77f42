"""OpenTelemetry spans below the request: a span per DataLoader batch, per webhook delivery attempt, per subscription."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.common.identity import Role
from tests.support import running_gateway
from tests.test_platform import Platform, platform
from tests.test_tracing import one, own_id, parent_id, register_places, spans

__all__ = ["platform", "spans"]

STREET = """query Street {
  street(id: "s1") { id district { id } communities { id } }
  a: community(id: "c1") { id }
  b: community(id: "c-unknown") { id }
}"""


def in_trace(recorded: list[ReadableSpan], root: ReadableSpan) -> list[ReadableSpan]:
    assert root.context is not None
    return [s for s in recorded if s.context is not None and s.context.trace_id == root.context.trace_id]


async def test_each_dataloader_batch_is_a_load_span_under_the_subgraph_request(platform: Platform, spans: InMemorySpanExporter) -> None:
    await register_places(platform)
    spans.clear()
    async with running_gateway(platform.apps, platform.settings) as gateway:
        body = await gateway.post(STREET, as_=platform.token(Role.COMMUNITY_STAFF, subject="staff"))
    assert body["data"]["street"]["communities"] == [{"id": "c1"}]

    recorded = list(spans.get_finished_spans())
    # The trace is found from the gateway's fetch to orgs (its request span's name is the subject of test_tracing.py).
    fetch = one([s for s in recorded if s.name == "subgraph orgs"], "the gateway's fetch to orgs")
    trace = in_trace(recorded, fetch)
    request = one([s for s in trace if own_id(s) == parent_id(fetch)], "the gateway's request span")
    served = one([s for s in trace if s.kind is SpanKind.SERVER and s.name.startswith("orgs ")], "the orgs service's span")
    loads = {s.name: s for s in trace if s.name.startswith("load ")}

    assert parent_id(served) == own_id(fetch)
    assert request.kind is SpanKind.SERVER
    assert {"load streets", "load communities", "load districts", "load communities of street"} <= set(loads)
    for load in loads.values():
        assert parent_id(load) == own_id(served), load.name
    communities = loads["load communities"].attributes
    assert communities is not None
    assert communities["renling.loader.keys"] == 2  # both community lookups in one batch
    assert loads["load streets"].attributes == {"renling.loader": "streets", "renling.loader.keys": 1}
