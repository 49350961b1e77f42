"""Class (a)/(g) of the conformance suite: variable defaults, ``@inaccessible`` arguments, input fields and
enum values, root-level fragments, and one response key selected twice."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.gateway.conformance.harness import Case, Federated, by_key, open_case

PRODUCTS = [
    {"__typename": "Product", "id": "p1", "name": "Kettle", "status": "ACTIVE", "code": "ACTIVE"},
    {"__typename": "Product", "id": "p2", "name": "Teapot", "status": "DISCONTINUED", "code": "HIDDEN"},
    {"__typename": "Product", "id": "p3", "name": "Cup", "status": "HIDDEN", "code": "ACTIVE"},
]
STOCK = [
    {"id": "p1", "inStock": True, "warehouse": "north"},
    {"id": "p2", "inStock": False, "warehouse": None},
    {"id": "p3", "inStock": True},
]


def _products(_: object, filter: dict[str, str] | None = None, limit: int | None = None) -> list[dict[str, str]]:
    rows = [row for row in PRODUCTS if filter is None or filter.get("name") in (None, row["name"])]
    return rows[:limit] if limit is not None else rows


def _rename(_: object, id: str, name: str) -> dict[str, object]:
    row = next(row for row in PRODUCTS if row["id"] == id)
    return {**row, "name": name}


CASE = Case(
    roots={
        "products": {
            "products": _products,
            "product": lambda _, id: next((row for row in PRODUCTS if row["id"] == id), None),
            "rename": _rename,
        }
    },
    entities={"products": {"Product": by_key(PRODUCTS, "id")}, "stock": {"Product": by_key(STOCK, "id")}},
)


@pytest.fixture
async def shop() -> AsyncIterator[Federated]:
    async with open_case("execution", CASE) as federated:
        yield federated


async def test_a_variable_default_reaches_the_subgraph_request(shop: Federated) -> None:
    query = 'query($withStock: Boolean = true) { product(id: "p1") { name inStock @include(if: $withStock) } }'

    shown = await shop.query(query)
    hidden = await shop.query(query, {"withStock": False})

    assert shown == {"data": {"product": {"name": "Kettle", "inStock": True}}}
    assert hidden == {"data": {"product": {"name": "Kettle"}}}
    assert all("$withStock: Boolean = true" in request for request in shop.requests("stock"))


async def test_a_default_in_a_skip_on_a_fragment_of_the_root(shop: Federated) -> None:
    body = await shop.query('query($skip: Boolean = false) { ... on Query @skip(if: $skip) { product(id: "p2") { name } } }')

    assert body == {"data": {"product": {"name": "Teapot"}}}


async def test_inaccessible_arguments_and_input_fields_are_not_in_the_api(shop: Federated) -> None:
    filtered = await shop.query('{ products(filter: {name: "Cup"}) { id } }')
    limit = await shop.query("{ products(limit: 1) { id } }")
    secret = await shop.query('{ products(filter: {secret: "x"}) { id } }')

    assert filtered == {"data": {"products": [{"id": "p3"}]}}
    assert limit["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "limit" in limit["errors"][0]["message"]
    assert secret["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "secret" in secret["errors"][0]["message"]


async def test_an_inaccessible_enum_value_from_a_subgraph_is_null_with_an_error(shop: Federated) -> None:
    body = await shop.query("{ products { id status } }")

    assert body["data"] == {
        "products": [{"id": "p1", "status": "ACTIVE"}, {"id": "p2", "status": "DISCONTINUED"}, {"id": "p3", "status": None}]
    }
    assert [(error["path"], "HIDDEN" in error["message"]) for error in body["errors"]] == [(["products", 2, "status"], True)]


async def test_an_inaccessible_enum_value_in_a_non_null_field_nulls_the_parent(shop: Federated) -> None:
    body = await shop.query('{ product(id: "p2") { id code } }')

    assert body["data"] == {"product": None}
    assert [error["path"] for error in body["errors"]] == [["product", "code"]]


async def test_root_level_fragments_on_the_query_type(shop: Federated) -> None:
    typename = await shop.query("{ ... on Query { __typename } }")
    nested = await shop.query('query { ... on Query { product(id: "p3") { name ... on Product { inStock } } } __typename }')
    named = await shop.query('query { ...Root } fragment Root on Query { product(id: "p1") { id } }')

    assert typename == {"data": {"__typename": "Query"}}
    assert nested == {"data": {"product": {"name": "Cup", "inStock": True}, "__typename": "Query"}}
    assert named == {"data": {"product": {"id": "p1"}}}


async def test_root_level_fragment_on_the_mutation_type(shop: Federated) -> None:
    body = await shop.query('mutation { ... on Mutation { rename(id: "p1", name: "Boiler") { name inStock } __typename } }')

    assert body == {"data": {"rename": {"name": "Boiler", "inStock": True}, "__typename": "Mutation"}}


async def test_g_the_same_field_twice_with_other_selections_is_merged(shop: Federated) -> None:
    body = await shop.query(
        '{ product(id: "p1") { name } product(id: "p1") { inStock warehouse } ... on Query { product(id: "p1") { id } } }'
    )

    assert body == {"data": {"product": {"name": "Kettle", "inStock": True, "warehouse": "north", "id": "p1"}}}
    assert len(shop.requests("products")) == 1
    assert len(shop.requests("stock")) == 1
