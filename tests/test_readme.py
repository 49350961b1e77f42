"""The README's claim-cycle walkthrough works as written: every operation, run in order against `up`.

Each step in the README is a ``graphql`` block preceded by an HTML comment
``<!-- step: as=<role> [save=NAME:path.to.id[,NAME:path]] [expect=path:VALUE] -->``; the placeholders a step
saves (``NEED_ID``…) are put into the later steps, as a reader would paste them. The partner's
``<!-- subscribe: as=<role> -->`` block runs over the gateway's WebSocket for the whole cycle, and
its webhook goes to the local receiver the README starts, on the port its URL names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import websockets
from graphql import parse
from standardwebhooks.webhooks import Webhook
from websockets.typing import Subprotocol

from services.receiver import receiver_app
from tests.support import eventually, serving
from tests.up import platform_up

README = Path(__file__).resolve().parents[1] / "README.md"
STEP = re.compile(r"<!-- step: (?P<annotation>[^>]*?) -->\n```graphql\n(?P<operation>.*?)```", re.DOTALL)
BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)
SUBSCRIBE = re.compile(r"<!-- subscribe: as=(?P<role>\w+) -->\n```graphql\n(?P<operation>.*?)```", re.DOTALL)
RECEIVER = re.compile(r'url: "(http://127\.0\.0\.1:\d+/[^"]*)"')


@dataclass(frozen=True)
class Step:
    """One walkthrough step: who runs it, what it saves for later, what must become true."""

    role: str
    operation: str
    saves: dict[str, str]
    expect: tuple[str, str] | None


def walkthrough() -> list[Step]:
    steps = []
    for match in STEP.finditer(README.read_text()):
        options = dict(part.split("=", 1) for part in match["annotation"].split())
        saves = dict(pair.split(":", 1) for pair in options["save"].split(",")) if "save" in options else {}
        expect = tuple(options["expect"].split(":", 1)) if "expect" in options else None
        steps.append(Step(options["as"], match["operation"], saves, expect))  # type: ignore[arg-type]
    return steps


def at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def payload_errors(data: dict[str, Any]) -> list[Any]:
    return [error for value in data.values() if isinstance(value, dict) for error in value.get("errors") or []]


async def run_step(http: httpx.AsyncClient, url: str, token: str, operation: str, step: Step) -> dict[str, Any]:
    """One walkthrough step's data, retried while it is not done yet (events travel between services; a failed try changed nothing)."""
    for _ in range(100):
        body = (await http.post(url, json={"query": operation}, headers={"authorization": f"Bearer {token}"})).json()
        assert "errors" not in body, (operation, body["errors"])
        data: dict[str, Any] = body["data"]
        if not payload_errors(data) and (step.expect is None or str(at(data, step.expect[0])) == step.expect[1]):
            return data
        await asyncio.sleep(0.1)
    raise AssertionError((operation, data))


def test_every_graphql_block_in_the_readme_parses() -> None:
    blocks = BLOCK.findall(README.read_text())
    assert len(blocks) >= 15
    for block in blocks:
        parse(block)


@contextlib.asynccontextmanager
async def subscribed(url: str, token: str, operation: str) -> AsyncIterator[list[dict[str, Any]]]:
    """The subscription running over graphql-transport-ws; the list fills with each event's data as it arrives."""
    received: list[dict[str, Any]] = []
    async with websockets.connect(url.replace("http", "ws", 1), subprotocols=[Subprotocol("graphql-transport-ws")]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": operation}}))

        async def listen() -> None:
            async for raw in socket:
                message = json.loads(raw)
                assert message["type"] == "next", message
                received.append(message["payload"])

        listening = asyncio.create_task(listen())
        try:
            yield received
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening


@pytest.mark.timeout(150)
async def test_the_readme_walkthrough_runs_as_written_through_the_gateway() -> None:
    steps = walkthrough()
    assert len(steps) >= 15
    saved: dict[str, str] = {}
    results: list[dict[str, Any]] = []
    (subscription,) = SUBSCRIBE.finditer(README.read_text())
    (receiver_url,) = RECEIVER.findall(README.read_text())
    receiver = receiver_app(echo=False)
    async with (
        platform_up() as up,
        httpx.AsyncClient(timeout=30) as http,
        serving(receiver, port=urlsplit(receiver_url).port or 80),
        subscribed(up.urls["gateway"], up.tokens[subscription["role"]], subscription["operation"]) as live,
    ):
        for step in steps:
            operation = step.operation
            for name, value in saved.items():
                operation = operation.replace(name, value)
            assert not re.search(r"\b[A-Z]+_ID\b", operation), f"a placeholder no step saved: {operation}"
            data = await run_step(http, up.urls["gateway"], up.tokens[step.role], operation, step)
            saved.update({name: at(data, path) for name, path in step.saves.items()})
            results.append(data)

        async def arrived() -> bool:  # the webhook delivery and the live event follow the evaluation
            delivered = {delivery["event"]["type"] for delivery in receiver.state.received.deliveries}
            return "org.renling.claims.project.evaluated.v1" in delivered and "claims.project.evaluated.v1" in map(_routing, live)

        await eventually(arrived, within=30, what="the evaluation by webhook and subscription")
        metrics = (await http.get(up.urls["events"].removesuffix("/graphql") + "/metrics")).text
        assert 'renling_subscriptions_active{service="gateway"} 1.0' in metrics  # the partner's, still open
        assert 'renling_websocket_connections{service="gateway"} 1.0' in metrics

    assert set(saved) == {
        "WEBHOOK_SECRET",
        "NEED_ID",
        "ITEM_ID",
        "CLAIM_ID",
        "MEETING_ID",
        "VISIT_ID",
        "PARKING_ITEM",
        "PARKING_CLAIM",
        "PARKING_MEETING",
    }
    deliveries = receiver.state.received.deliveries
    assert {delivery["event"]["type"] for delivery in deliveries} <= {
        "org.renling.needs.item.published.v1",
        "org.renling.claims.project.evaluated.v1",
    }
    assert "org.renling.claims.project.evaluated.v1" in {delivery["event"]["type"] for delivery in deliveries}
    for delivery in deliveries:
        Webhook(saved["WEBHOOK_SECRET"]).verify(delivery["body"], delivery["headers"])  # signed with the secret shown once
    delivered = [line for line in metrics.splitlines() if line.startswith('renling_webhook_deliveries_total{outcome="delivered"}')]
    assert delivered, "the deliveries are counted on /metrics"
    assert float(delivered[0].split()[-1]) >= len(deliveries)
    routing_keys = [_routing(event) for event in live]
    assert {"needs.item.published.v1", "claims.claim.approved.v1", "claims.project.evaluated.v1"} <= set(routing_keys)
    outcome = next(result for result in results if "need" in result and "organization" in result)
    district = next(result["district"] for result in results if "district" in result)
    assert outcome["need"]["serviceItem"]["status"] == "EVALUATED"
    record = outcome["organization"]["trackRecord"]
    assert record["projectsCompleted"] >= 1
    assert record["volunteerHours"] >= 48
    assert district["claimStats"]["projectsCompleted"] >= 2  # the demo's and the walkthrough's
    evaluated = next(result for result in results if "evaluateProject" in result)
    assert evaluated["evaluateProject"]["claim"]["evaluation"]["grade"] == "EXCELLENT"  # 0.7 × 4.6 + 0.3 × 5 = 4.72
    parking = next(result for result in results if "serviceItems" in result)["serviceItems"]["edges"][0]["node"]
    assert (parking["status"], [claim["status"] for claim in parking["claims"]]) == ("PUBLISHED", ["TERMINATED", "SUBMITTED"])
    taken_over = results[-1]["serviceItem"]
    assert (taken_over["status"], taken_over["needs"]) == ("CLAIMED", [{"status": "PLANNED"}])


def _routing(payload: dict[str, Any]) -> str:
    key: str = payload["data"]["events"]["routingKey"]
    return key
