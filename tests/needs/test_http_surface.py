"""The service's HTTP surface: federation SDL, health, readiness, request ids, limits, masking."""

from __future__ import annotations

import pytest

from services.needs.store import NeedsStore
from tests.needs.conftest import Needs


async def test_sdl_declares_the_entities_with_their_keys(needs: Needs) -> None:
    sdl = (await needs.client.data("{ _service { sdl } }"))["_service"]["sdl"]

    assert '@link(url: "https://specs.apollo.dev/federation/v2' in sdl
    for entity in ("Need", "ServiceItem", "Community", "Street", "District"):
        assert f'type {entity} @key(fields: "id")' in sdl
    assert "scalar Fen" in sdl


async def test_every_type_and_field_has_a_description(needs: Needs) -> None:
    query = """{ __schema { types { name kind description fields { name description } inputFields { name description } } } }"""
    types = (await needs.client.data(query, as_=needs.staff))["__schema"]["types"]

    ours = [
        t
        for t in types
        if "__" not in t["name"] and not t["name"].startswith("_") and t["kind"] in ("OBJECT", "INPUT_OBJECT", "ENUM", "INTERFACE")
    ]
    ours = [t for t in ours if t["name"] not in ("Query", "Mutation")]
    assert [t["name"] for t in ours if not t["description"]] == []
    undocumented = [
        f"{t['name']}.{field['name']}"
        for t in types
        if not t["name"].startswith("_")
        for field in (t["fields"] or []) + (t["inputFields"] or [])
        if not field["description"] and not field["name"].startswith("_")
    ]
    assert undocumented == []


async def test_health_and_readiness(needs: Needs) -> None:
    health = await needs.client.http.get("/health")
    ready = await needs.client.http.get("/ready")

    assert health.json() == {"status": "ok", "service": "needs"}
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"store": True, "bus": True}}


async def test_request_id_is_echoed_or_made(needs: Needs) -> None:
    given = await needs.client.http.get("/health", headers={"x-request-id": "gateway-abc"})
    made = await needs.client.http.get("/health")

    assert given.headers["x-request-id"] == "gateway-abc"
    assert len(made.headers["x-request-id"]) == 32


async def test_graphiql_console_is_served(needs: Needs) -> None:
    page = await needs.client.http.get("/graphql", headers={"accept": "text/html"})

    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_too_deep_queries_are_refused(needs: Needs) -> None:
    deep = "{ needs { edges { node { " + "serviceItem { needs { " * 8 + "id" + " } }" * 8 + " } } } }"

    body = await needs.client.post(deep, as_=needs.staff)

    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_alias_bombs_are_refused(needs: Needs) -> None:
    bomb = "{ " + " ".join(f"a{index}: __typename" for index in range(100)) + " }"

    body = await needs.client.post(bomb, as_=needs.staff)

    assert "aliases" in body["errors"][0]["message"]


async def test_oversized_documents_are_refused(needs: Needs) -> None:
    huge = "{ " + " ".join("__typename" for _ in range(5000)) + " }"

    body = await needs.client.post(huge, as_=needs.staff)

    assert "token" in body["errors"][0]["message"].lower()


async def test_internal_errors_are_masked(needs: Needs, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("connection string mongodb://secret@db leaked")

    monkeypatch.setattr(NeedsStore, "list_needs", broken)

    body = await needs.client.post("{ needs { totalCount } }", as_=needs.staff)

    assert body["errors"][0]["message"] == "Internal server error."
    assert "secret" not in str(body)
