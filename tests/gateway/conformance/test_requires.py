"""Class (b): ``@requires`` fetched from the owners as dependent requests; chains, the subgraph already
queried, arguments (aliased when they differ), and field sets with fragments on an interface."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.gateway.conformance.harness import Case, Federated, by_key, open_case

Row = dict[str, Any]
CATALOG: list[Row] = [
    {
        "__typename": "Product",
        "id": "p1",
        "price": 100,
        "weight": 2,
        "priceIn": lambda _, currency: {"EUR": 90, "USD": 110}[currency],
        "parts": [{"__typename": "Bolt", "id": "b1", "length": 5}, {"__typename": "Nut", "id": "n1", "size": 3}],
    },
    {
        "__typename": "Product",
        "id": "p2",
        "price": 40,
        "weight": 1,
        "priceIn": lambda _, currency: {"EUR": 36, "USD": 44}[currency],
        "parts": [],
    },
]


def _shipping(product: Row) -> int:
    return int(product["price"]) // 10 + int(product["weight"])  # KeyError (a subgraph error) without its inputs


def _packing(product: Row) -> int:
    return sum(part.get("length", 0) + part.get("size", 0) for part in product["parts"])


SHIPPING: list[Row] = [
    {
        "id": key,
        "shipping": _shipping,
        "eurLabel": lambda product: f"EUR {product['priceIn']}",
        "usdLabel": lambda product: f"USD {product['priceIn']}",
        "packing": _packing,
    }
    for key in ("p1", "p2")
]
TAX: list[Row] = [{"id": key, "tax": lambda product: product["shipping"] * 2} for key in ("p1", "p2")]

CASE = Case(
    roots={"catalog": {"products": CATALOG}, "shipping": {"cheapest": {"__typename": "Product", "id": "p2"}}},
    entities={
        "catalog": {"Product": by_key(CATALOG, "id")},
        "shipping": {"Product": by_key(SHIPPING, "id")},
        "tax": {"Product": by_key(TAX, "id")},
    },
)


@pytest.fixture
async def shop() -> AsyncIterator[Federated]:
    async with open_case("requires", CASE) as federated:
        yield federated


async def test_required_fields_are_fetched_first_and_sent_in_the_representation(shop: Federated) -> None:
    body = await shop.query("{ products { id shipping } }")

    assert body == {"data": {"products": [{"id": "p1", "shipping": 12}, {"id": "p2", "shipping": 5}]}}
    (request,) = shop.requests("shipping")
    assert "_entities" in request
    assert "shipping" in request


async def test_a_chain_of_requires_across_three_subgraphs(shop: Federated) -> None:
    body = await shop.query("{ products { tax } }")

    assert body == {"data": {"products": [{"tax": 24}, {"tax": 10}]}}
    assert len(shop.requests("catalog")) == 1
    assert len(shop.requests("shipping")) == 1
    assert len(shop.requests("tax")) == 1


async def test_requires_on_the_subgraph_already_queried_goes_through_entities(shop: Federated) -> None:
    body = await shop.query("{ cheapest { id shipping tax } }")

    assert body == {"data": {"cheapest": {"id": "p2", "shipping": 5, "tax": 10}}}
    first, second = shop.requests("shipping")
    assert "cheapest" in first
    assert "shipping" not in first
    assert "_entities" in second
    assert len(shop.requests("catalog")) == 1


async def test_requires_with_arguments_differing_between_fields(shop: Federated) -> None:
    body = await shop.query("{ products { eurLabel usdLabel } }")

    assert body == {"data": {"products": [{"eurLabel": "EUR 90", "usdLabel": "USD 110"}, {"eurLabel": "EUR 36", "usdLabel": "USD 44"}]}}
    (catalog,) = shop.requests("catalog")
    assert catalog.count("priceIn(") == 2  # once per argument, under two aliases


async def test_requires_with_fragments_on_an_interface(shop: Federated) -> None:
    body = await shop.query("{ products { id packing } }")

    assert body == {"data": {"products": [{"id": "p1", "packing": 8}, {"id": "p2", "packing": 0}]}}
    assert "errors" not in body


async def test_requires_together_with_the_required_field_asked_by_the_client(shop: Federated) -> None:
    body = await shop.query("{ products { price shipping weight } }")

    assert body == {"data": {"products": [{"price": 100, "shipping": 12, "weight": 2}, {"price": 40, "shipping": 5, "weight": 1}]}}
    assert len(shop.requests("catalog")) == 1


ENTITY: dict[str, Any] = {
    "__typename": "Entity",
    "id": "e1",
    "data": {"__typename": "Qux", "foo": "f1", "bar": "b1", "qux": "q1"},
    "media": [{"__typename": "Song", "title": "Blue"}, {"__typename": "Film", "minutes": 90}],
}


def _requirer(entity: Row) -> str:
    data = entity["data"]
    assert data == {"__typename": "Qux", "foo": "f1", "bar": "b1", "qux": "q1"}, data  # exactly the field set, by type
    return f"{data['foo']}-{data['bar']}-{data['qux']}"


def _summary(entity: Row) -> str:
    return ", ".join(str(item.get("title", item.get("minutes"))) for item in entity["media"])


FRAGMENTS = Case(
    roots={"a": {"entity": ENTITY}, "b": {"other": {"__typename": "Entity", "id": "e1"}}},
    entities={
        "a": {"Entity": by_key([ENTITY], "id")},
        "b": {"Entity": by_key([{"__typename": "Entity", "id": "e1", "requirer": _requirer, "summary": _summary}], "id")},
    },
)


async def test_requires_with_nested_fragments_on_interfaces_and_a_union() -> None:
    async with open_case("requires_fragments", FRAGMENTS) as federated:
        from_owner = await federated.query("{ entity { requirer summary } }")
        from_requirer = await federated.query("{ other { data { __typename } requirer } }")

    assert from_owner == {"data": {"entity": {"requirer": "f1-b1-q1", "summary": "Blue, 90"}}}
    assert from_requirer == {"data": {"other": {"data": {"__typename": "Qux"}, "requirer": "f1-b1-q1"}}}


async def test_a_request_whose_every_selection_is_skipped_is_not_sent(shop: Federated) -> None:
    query = "query($x: Boolean = false) { products { id tax @include(if: $x) ... on Product @skip(if: $x) { eurLabel } } }"

    skipped = await shop.query(query)
    skipped_requests = {name: len(shop.requests(name)) for name in ("catalog", "shipping", "tax")}
    shop.reset()
    included = await shop.query(query, {"x": True})

    assert skipped == {"data": {"products": [{"id": "p1", "eurLabel": "EUR 90"}, {"id": "p2", "eurLabel": "EUR 36"}]}}
    assert skipped_requests == {"catalog": 1, "shipping": 1, "tax": 0}  # shipping only for eurLabel, tax not at all
    assert included == {"data": {"products": [{"id": "p1", "tax": 24}, {"id": "p2", "tax": 10}]}}
    assert len(shop.requests("tax")) == 1
