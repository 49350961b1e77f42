"""Classes (g) and (h): one response key whose type differs between subgraphs (aliased in the subgraph request,
merged back), one field selected twice with different sub-selections, and refusals before any fetch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from gateway.client import SubgraphClient
from gateway.composition import compose
from gateway.gateway import Gateway
from gateway.settings import GatewaySettings
from tests.gateway.conformance.harness import Case, Federated, InProcess, Subgraph, by_key, open_case, subgraph_schema

THINGS: list[dict[str, Any]] = [
    {"__typename": "Note", "id": "n1", "value": "remember"},
    {"__typename": "Task", "id": "t1", "value": None, "owner": {"__typename": "User", "id": "u1"}},
]
USERS: list[dict[str, Any]] = [{"__typename": "User", "id": "u1", "name": "Ann", "email": "ann@example.org"}]
CASE = Case(
    roots={"s": {"things": THINGS}},
    entities={
        "s": {"Note": by_key(THINGS, "id"), "Task": by_key(THINGS, "id")},
        "t": {"User": by_key(USERS, "id"), "Note": by_key(THINGS, "id")},
    },
)


@pytest.fixture
async def things() -> AsyncIterator[Federated]:
    async with open_case("response_keys", CASE) as federated:
        yield federated


async def test_g_a_response_key_with_two_types_in_one_subgraph_is_aliased_and_merged_back(things: Federated) -> None:
    body = await things.query("{ things { ... on Note { value } ... on Task { value } } }")

    assert body == {"data": {"things": [{"value": "remember"}, {"value": None}]}}
    (request,) = things.requests("s")
    assert "_r_Note_value: value" in request


async def test_g_the_same_nested_field_twice_with_other_selections(things: Federated) -> None:
    body = await things.query("{ things { ... on Task { owner { name } } ... on Task { owner { email id } } } }")

    assert body == {"data": {"things": [{}, {"owner": {"name": "Ann", "email": "ann@example.org", "id": "u1"}}]}}
    assert len(things.requests("t")) == 1


LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])\n'
UNSATISFIABLE = {
    "a": LINK + "type Query { config: Config } type Config @shareable { theme: String }",
    "b": LINK + "type Config @shareable { theme: String locale: String }",
}


@pytest.fixture
def unsatisfiable() -> tuple[Gateway, dict[str, Subgraph]]:
    supergraph = compose({name: (f"http://{name}/graphql", sdl) for name, sdl in UNSATISFIABLE.items()})
    subgraphs = {name: Subgraph(name, subgraph_schema(sdl), {"config": {"theme": "dark"}}, {}) for name, sdl in UNSATISFIABLE.items()}
    client = SubgraphClient(InProcess(subgraphs), supergraph.subgraphs, timeout_s=5)
    return Gateway(supergraph, client, GatewaySettings()), subgraphs


async def test_h_what_cannot_be_planned_is_refused_naming_the_field_before_any_fetch(
    unsatisfiable: tuple[Gateway, dict[str, Subgraph]],
) -> None:
    gateway, subgraphs = unsatisfiable

    refused = await gateway.execute({"query": "{ config { theme locale } }"}, {})
    answered = await gateway.execute({"query": "{ config { theme } }"}, {})

    (error,) = refused["errors"]
    assert error["extensions"]["code"] == "QUERY_PLANNING_FAILED"
    assert "Config.locale" in error["message"]
    assert "data" not in refused
    assert answered == {"data": {"config": {"theme": "dark"}}}
    assert [len(s.requests) for s in subgraphs.values()] == [1, 0]


async def test_h_a_planner_fault_is_refused_before_any_fetch_never_a_subgraph_validation_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.planner import builder
    from tests.gateway.conformance.test_abstract_types import CASE as ABSTRACT

    def everything_provided(provided: object, field_name: str, type_name: str) -> object:
        from graphql import SelectionSetNode

        return SelectionSetNode(selections=()) if provided is not None else None

    monkeypatch.setattr(builder, "provided_below", everything_provided)  # a planner bug: sends Magazine.title to reviews
    async with open_case("abstract", ABSTRACT) as shop:
        body = await shop.query("{ reviews { product { id ... on Magazine { title } } } }")

        (error,) = body["errors"]
        assert error["extensions"]["code"] == "QUERY_PLANNING_FAILED"
        assert "subgraph reviews" in error["message"]
        assert "title" in error["message"]
        assert all(subgraph.requests == [] for subgraph in shop.subgraphs.values())


async def test_h_a_subgraph_answering_nonsense_gives_partial_data_and_errors_never_a_crash(things: Federated) -> None:
    async def nonsense(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return {"data": {"_entities": {"not": "a list"}}, "errors": ["not an object", {"message": "broken", "path": ["_entities", "x"]}]}

    things.subgraphs["t"].answer = nonsense  # type: ignore[method-assign]
    body = await things.query("{ things { ... on Task { owner { name } } } }")

    assert body["data"] == {"things": [{}, {"owner": None}]}
    assert [error["message"] for error in body["errors"]][:1] == ["broken"]
