"""A join spec v0.5 supergraph (Federation 2.9 subgraphs with ``@context``, ``@cost``, ``@listSize``) loads and runs."""

from __future__ import annotations

from typing import Any

from graphql import print_schema

from gateway.supergraph_sdl import load_supergraph
from tests.gateway.conformance.harness import CASES, Case, by_key, open_case

SHELVES: list[dict[str, Any]] = [
    {"__typename": "Shelf", "id": "s1", "label": "Novels", "books": [{"__typename": "Book", "id": "b1", "title": "Dune"}]}
]
PAGES: list[dict[str, Any]] = [{"__typename": "Book", "id": "b1", "pages": 412}]
CASE = Case(roots={"a": {"shelves": SHELVES}}, entities={"b": {"Book": by_key(PAGES, "id")}})


def test_the_v05_supergraph_loads_without_its_machinery_in_the_api() -> None:
    text = (CASES / "join_v05" / "supergraph.graphql").read_text()
    assert 'join/v0.5"' in text

    api = print_schema(load_supergraph(text).schema)

    assert "context__" not in api
    assert "join__" not in api
    assert "@cost" not in api
    assert "@listSize" not in api


async def test_the_v05_supergraph_plans_and_joins() -> None:
    async with open_case("join_v05", CASE) as federated:
        body = await federated.query("{ shelves { label books { title pages } } }")

    assert body == {"data": {"shelves": [{"label": "Novels", "books": [{"title": "Dune", "pages": 412}]}]}}


async def test_a_field_with_context_arguments_is_refused_not_sent_without_them() -> None:
    async with open_case("join_v05", CASE) as federated:
        body = await federated.query("{ shelves { books { shelfLabel } } }")

        (error,) = body["errors"]
        assert error["extensions"]["code"] == "QUERY_PLANNING_FAILED"
        assert "Book.shelfLabel" in error["message"]
        assert "@fromContext" in error["message"]
        assert federated.requests("a") == []
