"""Abstract types across subgraphs: an interface whose implementations get fields from other subgraphs,
``__typename`` under aliases, ``@include``/``@skip`` on fragments with defaults, and ``@provides`` with a
fragment on a union member."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.gateway.conformance.harness import Case, Federated, by_key, open_case

PRODUCTS: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "p1", "sku": "sku-1", "title": "Dune", "createdBy": {"__typename": "User", "email": "u1@example.org"}},
    {"__typename": "Magazine", "id": "p2", "sku": "sku-2", "createdBy": {"__typename": "User", "email": "u2@example.org"}},
]
MAGAZINES: list[dict[str, Any]] = [{"__typename": "Magazine", "id": "p2", "title": "Monthly"}]
USERS: list[dict[str, Any]] = [
    {"__typename": "User", "email": "u1@example.org", "totalProductsCreated": 1},
    {"__typename": "User", "email": "u2@example.org", "totalProductsCreated": 3},
]
REVIEWED: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "p1", "reviewsCount": 2},
    {"__typename": "Magazine", "id": "p2", "reviewsCount": 1},
]
CASE = Case(
    roots={
        "products": {"products": PRODUCTS},
        "reviews": {
            "reviews": [
                {"id": "r1", "product": {"__typename": "Book", "id": "p1", "title": "Dune", "reviewsCount": 2}},
                {"id": "r2", "product": {"__typename": "Magazine", "id": "p2", "reviewsCount": 1}},
            ]
        },
    },
    entities={
        "products": {"Book": by_key(PRODUCTS, "id"), "Magazine": by_key(PRODUCTS, "id")},
        "magazines": {"Magazine": by_key(MAGAZINES, "id")},
        "users": {"User": by_key(USERS, "email")},
        "reviews": {"Book": by_key(REVIEWED, "id"), "Magazine": by_key(REVIEWED, "id")},
    },
)


@pytest.fixture
async def shop() -> AsyncIterator[Federated]:
    async with open_case("abstract", CASE) as federated:
        yield federated


async def test_interface_fields_from_three_subgraphs_and_typename_aliases(shop: Federated) -> None:
    body = await shop.query(
        "{ products { __typename kind: __typename sku ... on Magazine { title } author: createdBy { email totalProductsCreated } } }"
    )

    assert body == {
        "data": {
            "products": [
                {"__typename": "Book", "kind": "Book", "sku": "sku-1", "author": {"email": "u1@example.org", "totalProductsCreated": 1}},
                {
                    "__typename": "Magazine",
                    "kind": "Magazine",
                    "sku": "sku-2",
                    "title": "Monthly",
                    "author": {"email": "u2@example.org", "totalProductsCreated": 3},
                },
            ]
        }
    }
    assert len(shop.requests("users")) == 1
    assert len(shop.requests("magazines")) == 1


async def test_include_and_skip_on_fragments_with_variable_defaults(shop: Federated) -> None:
    query = "query($t: Boolean = true) { products { id ... on Book @include(if: $t) { title } ... on Magazine @skip(if: $t) { title } } }"

    default = await shop.query(query)
    flipped = await shop.query(query, {"t": False})

    assert default == {"data": {"products": [{"id": "p1", "title": "Dune"}, {"id": "p2"}]}}
    assert flipped == {"data": {"products": [{"id": "p1"}, {"id": "p2", "title": "Monthly"}]}}


async def test_provides_with_a_fragment_spares_the_join_for_that_type_only(shop: Federated) -> None:
    body = await shop.query("{ reviews { product { id ... on Book { title reviewsCount } ... on Magazine { title } } } }")

    assert body == {
        "data": {"reviews": [{"product": {"id": "p1", "title": "Dune", "reviewsCount": 2}}, {"product": {"id": "p2", "title": "Monthly"}}]}
    }
    assert shop.requests("products") == []
    assert len(shop.requests("magazines")) == 1


async def test_a_field_on_the_interface_that_the_querying_subgraph_lacks(shop: Federated) -> None:
    body = await shop.query("{ reviews { product { sku } } }")

    assert body == {"data": {"reviews": [{"product": {"sku": "sku-1"}}, {"product": {"sku": "sku-2"}}]}}
    (request,) = shop.requests("products")
    assert "... on Book" in request
    assert "... on Magazine" in request


def _book(number: int) -> dict[str, Any]:
    twin = 3 if number == 1 else 1
    return {"__typename": "Book", "id": str(number), "price": 10.5, "twin": lambda _: _book(twin)}


CIRCULAR = Case(
    roots={"a": {"item": _book(1)}},
    entities={
        "b": {"Book": by_key([{"__typename": "Book", "id": "1", "price": 10.5}, {"__typename": "Book", "id": "3", "price": 10.5}], "id")}
    },
)


async def test_an_interface_field_with_a_narrower_type_and_provides_on_the_implementation() -> None:
    query = """{ item { __typename twin { __typename ... on Book { id } twin { __typename ... on Book { id } } }
                 ... on Book { id price twin { id price } } } }"""
    async with open_case("circular", CIRCULAR) as books:
        body = await books.query(query)

        assert body == {
            "data": {
                "item": {
                    "__typename": "Book",
                    "twin": {"__typename": "Book", "id": "3", "twin": {"__typename": "Book", "id": "1"}, "price": 10.5},
                    "id": "1",
                    "price": 10.5,
                }
            }
        }
        (request,) = books.requests("b")  # only the top book's price: its twin's is provided
        assert "_entities" in request
