"""Per-caller rate limiting at the gateway, and turning introspection and the console off."""

from __future__ import annotations

import pytest

from gateway.settings import GatewaySettings
from services.common.identity import Role, mint_token
from tests.gateway.conftest import open_federation

INTROSPECTION = "{ __schema { queryType { name } } }"


def _token(subject: str) -> str:
    return mint_token(GatewaySettings(), subject=subject, roles=[Role.RESIDENT], communities=["c1"])


async def test_a_caller_over_the_limit_gets_429_with_retry_after_and_others_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_federation(monkeypatch, rate_limit="5/minute") as federation:
        busy = {"authorization": f"Bearer {_token('busy')}"}
        admitted = [await federation.client.post("/graphql", json={"query": "{ warehouse }"}, headers=busy) for _ in range(5)]
        calls_before = len(federation.calls)
        refused = await federation.client.post(
            "/graphql", json={"query": 'mutation { addReview(productId: "p1", body: "x") }'}, headers=busy
        )
        other = await federation.client.post(
            "/graphql", json={"query": "{ warehouse }"}, headers={"authorization": f"Bearer {_token('calm')}"}
        )
        anonymous = [await federation.client.post("/graphql", json={"query": "{ warehouse }"}) for _ in range(6)]

    assert [response.status_code for response in admitted] == [200] * 5
    assert refused.status_code == 429
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "5 per 1 minute" in error["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert len(federation.calls) == calls_before  # the refused mutation never reached a subgraph
    assert other.json() == {"data": {"warehouse": "Chaoyang"}}
    assert [response.status_code for response in anonymous] == [200] * 5 + [429]  # callers without a token: by address


async def test_an_empty_rate_limit_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_federation(monkeypatch, rate_limit="") as federation:
        statuses = {(await federation.client.post("/graphql", json={"query": "{ warehouse }"})).status_code for _ in range(50)}

    assert statuses == {200}


async def test_introspection_and_the_console_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_federation(monkeypatch) as federation:
        allowed = await federation.query(INTROSPECTION)
    async with open_federation(monkeypatch, graphql_introspection=False, graphql_ide=False) as federation:
        refused = await federation.query(INTROSPECTION)
        typename = await federation.query("{ __typename warehouse }")
        console = await federation.client.get("/graphql", headers={"accept": "text/html"})

    assert allowed == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    assert "introspection" in refused["errors"][0]["message"].lower()
    assert "data" not in refused or refused["data"] is None
    assert typename == {"data": {"__typename": "Query", "warehouse": "Chaoyang"}}
    assert console.status_code == 404


async def test_forged_tokens_are_limited_by_client_address_before_they_are_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_federation(monkeypatch, rate_limit="100/minute", rate_limit_per_address="5/minute") as federation:
        forged = [
            await federation.client.post("/graphql", json={"query": "{ warehouse }"}, headers={"authorization": f"Bearer forged.{n}.token"})
            for n in range(6)
        ]
        honest = await federation.client.post(
            "/graphql", json={"query": "{ warehouse }"}, headers={"authorization": f"Bearer {_token('calm')}"}
        )

    assert [response.json()["errors"][0]["extensions"]["code"] for response in forged[:5]] == ["UNAUTHENTICATED"] * 5
    assert forged[5].status_code == 429
    assert "per client address" in forged[5].json()["errors"][0]["message"]
    assert honest.status_code == 429  # the same address: the budget before verification is the address's
