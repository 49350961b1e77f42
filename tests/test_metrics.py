"""``/metrics`` of every part of ``python -m services up``: Prometheus text that counts a request and its event."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families
from websockets.typing import Subprotocol

from tests.up import SERVICES, platform_up

SUBMIT = """mutation RaiseNeed {
  submitNeed(input: {communityId: "community-zuoanpuyuan", title: "小区门口缺少无障碍坡道", category: BLUE_GUARD, targetGroups: [ELDERLY]}) {
    need { id } errors { code }
  }
}"""


def parsed(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample by name and sorted labels (the parser raises on anything that is not the text format)."""
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(metrics: dict[str, dict[tuple[tuple[str, str], ...], float]], name: str, **labels: str) -> float:
    return metrics.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


@pytest.mark.timeout(120)
async def test_every_part_serves_metrics_that_count_a_request_and_its_event() -> None:
    async with platform_up() as up, httpx.AsyncClient(timeout=30) as http:
        base = {name: url.removesuffix("/graphql") for name, url in up.urls.items()}
        before = parsed((await http.get(f"{base['gateway']}/metrics")).text)
        headers = {"authorization": f"Bearer {up.tokens['resident']}"}
        body = (await http.post(up.urls["gateway"], json={"query": SUBMIT, "operationName": "RaiseNeed"}, headers=headers)).json()
        assert body["data"]["submitNeed"]["errors"] == []
        async with asyncio.timeout(30):  # the event reaches the events service's feed through the bus
            while True:
                now = parsed((await http.get(f"{base['events']}/metrics")).text)
                key = ("renling_events_consumed_total", "events", "needs.need.submitted.v1", "ok")
                if value(now, key[0], consumer=key[1], type=key[2], outcome=key[3]) > value(
                    before, key[0], consumer=key[1], type=key[2], outcome=key[3]
                ):
                    break
                await asyncio.sleep(0.1)
        texts = {name: (await http.get(f"{base[name]}/metrics")).text for name in SERVICES}
        async with websockets.connect(up.urls["gateway"].replace("http", "ws", 1), subprotocols=[Subprotocol("graphql-transport-ws")]):
            open_sockets = value(
                parsed((await http.get(f"{base['gateway']}/metrics")).text), "renling_websocket_connections", service="gateway"
            )
        ready = await http.get(f"{base['gateway']}/ready")

    assert ready.status_code == 200
    for name, text in texts.items():
        metrics = parsed(text)
        assert value(metrics, "renling_graphql_requests_total", service="gateway", operation="RaiseNeed", outcome="ok") == 1, name
        assert value(metrics, "renling_events_published_total", type="needs.need.submitted.v1") > value(
            before, "renling_events_published_total", type="needs.need.submitted.v1"
        ), name
    metrics = parsed(texts["needs"])
    assert value(metrics, "renling_graphql_requests_total", service="needs", operation="submitNeed", outcome="ok") >= 1
    assert value(metrics, "renling_gateway_subgraph_fetches_total", subgraph="needs", outcome="ok") >= 1
    assert "renling_outbox_backlog_events" in metrics
    assert value(parsed(texts["gateway"]), "renling_websocket_connections", service="gateway") == 0
    assert open_sockets == 1
