"""The gateway's operational endpoints: ``/ready`` (supergraph loaded, subgraphs reachable) and ``/metrics``."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.common import metrics
from tests.gateway.conftest import Federation


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples of one metric family, by their sorted labels."""
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


async def test_ready_when_every_subgraph_answers_and_not_when_one_is_down(federation: Federation) -> None:
    up = await federation.client.get("/ready")
    federation.down.add("reviews")
    down = await federation.client.get("/ready")

    assert up.status_code == 200
    assert up.json()["ready"] is True
    assert set(up.json()["checks"]) >= {"supergraph", "subgraph:reviews", "subgraph:products"}
    assert down.status_code == 503
    assert down.json()["checks"]["subgraph:reviews"] is False
    assert down.json()["checks"]["subgraph:products"] is True


async def test_metrics_count_operations_subgraph_fetches_and_plan_cache_hits(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the registry is process-wide: earlier tests in this process (the fuzz's generated names) may have filled the label cap
    monkeypatch.setattr(metrics, "_seen_names", set())
    before = (await federation.client.get("/metrics")).text
    for _ in range(2):
        await federation.query("query Catalogue { products { name reviewCount } }", operationName="Catalogue")
    federation.down.add("reviews")
    await federation.query("query Catalogue { products { name reviewCount } }", operationName="Catalogue")
    after = (await federation.client.get("/metrics")).text

    def grew(name: str, **labels: str) -> float:
        key = tuple(sorted(labels.items()))
        return samples(after, name).get(key, 0.0) - samples(before, name).get(key, 0.0)

    assert grew("renling_graphql_requests_total", service="gateway", operation="Catalogue", outcome="ok") == 2
    assert grew("renling_graphql_requests_total", service="gateway", operation="Catalogue", outcome="partial") == 1
    assert grew("renling_graphql_request_seconds_count", service="gateway", operation="Catalogue") == 3
    assert grew("renling_gateway_subgraph_fetches_total", subgraph="reviews", outcome="ok") == 2
    assert grew("renling_gateway_subgraph_fetches_total", subgraph="reviews", outcome="failed") == 1
    assert grew("renling_gateway_subgraph_fetch_seconds_count", subgraph="products") == 3
    assert grew("renling_gateway_plan_cache_lookups_total", result="hit") >= 2
