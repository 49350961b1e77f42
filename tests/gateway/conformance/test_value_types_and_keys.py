"""Classes (e) and (f): value types split across subgraphs (back to the nearest entity, or another subgraph for a
shareable root field, or both), keys collected over more than one hop, composite keys from two subgraphs, and
``@provides`` counted as a key for the next join."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.gateway.conformance.harness import Case, Federated, by_key, open_case

POSTS_A: list[dict[str, Any]] = [
    {"__typename": "Post", "id": "1", "stats": {"likes": 3}},
    {"__typename": "Post", "id": "2", "stats": {"likes": 0}},
]
POSTS_B: list[dict[str, Any]] = [
    {"__typename": "Post", "id": "1", "stats": {"likes": 3, "shares": 1}},
    {"__typename": "Post", "id": "2", "stats": {"likes": 0, "shares": 7}},
]
VALUES = Case(
    roots={
        "a": {"feed": POSTS_A, "config": {"theme": "dark"}, "settings": {"x": 1}},
        "b": {"config": {"theme": "dark", "locale": "zh"}},
        "c": {"settings": {"y": 2}},
    },
    entities={"a": {"Post": by_key(POSTS_A, "id")}, "b": {"Post": by_key(POSTS_B, "id")}},
)

PRODUCTS_A: list[dict[str, Any]] = [
    {"__typename": "Product", "upc": "u1", "sku": "s1", "name": "Kettle"},
    {"__typename": "Product", "upc": "u2", "sku": "s2", "name": "Cup"},
]
PRODUCTS_B: list[dict[str, Any]] = [{"__typename": "Product", "upc": "u1", "id": "1"}, {"__typename": "Product", "upc": "u2", "id": "2"}]
PRODUCTS_C: list[dict[str, Any]] = [{"__typename": "Product", "id": "1", "price": 30}, {"__typename": "Product", "id": "2", "price": 5}]
PRODUCTS_D: list[dict[str, Any]] = [
    {"__typename": "Product", "id": "1", "sku": "s1", "stock": 4},
    {"__typename": "Product", "id": "2", "sku": "s2", "stock": 0},
]
KEYS = Case(
    roots={
        "a": {"products": PRODUCTS_A},
        "e": {"reviews": [{"body": "Boils", "product": {"__typename": "Product", "upc": "u1", "id": "1"}}]},
    },
    entities={
        "a": {"Product": by_key(PRODUCTS_A, "upc")},
        "b": {"Product": lambda rep: by_key(PRODUCTS_B, "upc" if "upc" in rep else "id")(rep)},
        "c": {"Product": by_key(PRODUCTS_C, "id")},
        "d": {"Product": by_key(PRODUCTS_D, "id", "sku")},
        "e": {"Product": by_key([], "upc")},
    },
)


@pytest.fixture
async def values() -> AsyncIterator[Federated]:
    async with open_case("value_types", VALUES) as federated:
        yield federated


@pytest.fixture
async def keys() -> AsyncIterator[Federated]:
    async with open_case("keys", KEYS) as federated:
        yield federated


async def test_e_a_value_type_field_is_fetched_through_the_nearest_entity(values: Federated) -> None:
    body = await values.query("{ feed { id stats { likes shares } } }")

    assert body == {"data": {"feed": [{"id": "1", "stats": {"likes": 3, "shares": 1}}, {"id": "2", "stats": {"likes": 0, "shares": 7}}]}}
    (request,) = values.requests("b")
    assert "_entities" in request


async def test_e_a_shareable_root_field_goes_to_the_subgraph_that_has_the_whole_selection(values: Federated) -> None:
    body = await values.query("{ config { theme locale } }")

    assert body == {"data": {"config": {"theme": "dark", "locale": "zh"}}}
    assert values.requests("a") == []


async def test_e_a_root_value_type_no_subgraph_has_whole_is_split_over_two(values: Federated) -> None:
    body = await values.query("{ settings { x y } }")

    assert body == {"data": {"settings": {"x": 1, "y": 2}}}
    assert len(values.requests("a")) == 1
    assert len(values.requests("c")) == 1


async def test_f_a_key_collected_over_two_hops(keys: Federated) -> None:
    body = await keys.query("{ products { name price } }")

    assert body == {"data": {"products": [{"name": "Kettle", "price": 30}, {"name": "Cup", "price": 5}]}}
    assert [len(keys.requests(name)) for name in "abc"] == [1, 1, 1]


async def test_f_a_composite_key_whose_parts_come_from_two_subgraphs(keys: Federated) -> None:
    body = await keys.query("{ products { stock } }")

    assert body == {"data": {"products": [{"stock": 4}, {"stock": 0}]}}
    assert [len(keys.requests(name)) for name in "abd"] == [1, 1, 1]


async def test_f_a_provided_field_is_a_key_for_the_next_join(keys: Federated) -> None:
    body = await keys.query("{ reviews { body product { price } } }")

    assert body == {"data": {"reviews": [{"body": "Boils", "product": {"price": 30}}]}}
    assert keys.requests("b") == []
    assert len(keys.requests("c")) == 1


BOOKS_A: list[dict[str, Any]] = [{"__typename": "Book", "upc": f"u{n}", "title": f"Book {n}"} for n in (1, 2, 3)]
BOOKS_B: list[dict[str, Any]] = [{"__typename": "Book", "upc": f"u{n}", "id": str(n)} for n in (1, 2)]  # b does not know u3
BOOKS_C: list[dict[str, Any]] = [{"__typename": "Book", "id": str(n), "author": f"Author {n}"} for n in (1, 2, 3)]
NULL_KEYS = Case(
    roots={"a": {"books": BOOKS_A}},
    entities={"a": {"Book": by_key(BOOKS_A, "upc")}, "b": {"Book": by_key(BOOKS_B, "upc")}, "c": {"Book": by_key(BOOKS_C, "id")}},
)


async def test_f_an_entity_the_middle_hop_does_not_know_leaves_only_its_fields_null() -> None:
    async with open_case("null_keys", NULL_KEYS) as books:
        body = await books.query("{ books { upc title author } }")

        assert body == {
            "data": {
                "books": [
                    {"upc": "u1", "title": "Book 1", "author": "Author 1"},
                    {"upc": "u2", "title": "Book 2", "author": "Author 2"},
                    {"upc": "u3", "title": "Book 3", "author": None},
                ]
            }
        }
        (request,) = books.requests("c")
        assert "_entities" in request


PEOPLE: list[dict[str, Any]] = [
    {"__typename": "Person", "id": "1", "name": "Ann", "alias": "annie"},
    {"__typename": "Person", "id": "2", "name": "Bob", "alias": None},
]
RANKS: list[dict[str, Any]] = [{"__typename": "Person", "id": "1", "rank": 7}, {"__typename": "Person", "id": "2", "rank": 3}]
FED1 = Case(
    roots={
        "a": {
            "someone": {"__typename": "Person", "id": "1", "rank": 7},
            "providedSomeone": {"__typename": "Person", "id": "2", "rank": 3, "name": "Bob"},
        },
        "b": {"personById": lambda _, id: next((p for p in PEOPLE if p["id"] == id), None)},
    },
    entities={"a": {"Person": by_key(RANKS, "id")}, "b": {"Person": by_key(PEOPLE, "id")}},
)


async def test_f_a_federation_1_extension_with_an_external_key() -> None:
    async with open_case("fed1", FED1) as people:
        joined = await people.query('{ someone { id name rank } personById(id: "2") { name alias rank } }')
        people.reset()
        provided = await people.query("{ providedSomeone { id name } }")

        assert joined == {
            "data": {"someone": {"id": "1", "name": "Ann", "rank": 7}, "personById": {"name": "Bob", "alias": None, "rank": 3}}
        }
        assert provided == {"data": {"providedSomeone": {"id": "2", "name": "Bob"}}}
        assert people.requests("b") == []


CATEGORIES = {"c1": {"id": "c1", "name": "Tea", "details": {"products": 2}}, "c2": {"id": "c2", "name": "Cups", "details": {"products": 1}}}
PRODUCT_ROWS: list[dict[str, Any]] = [
    {"__typename": "Product", "id": f"p{n}", "pid": f"x{n}", "cat": cat} for n, cat in ((1, "c1"), (2, "c2"), (3, "c1"))
]


def _with_category(fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{**row, "category": {k: v for k, v in CATEGORIES[row["cat"]].items() if k in fields}} for row in PRODUCT_ROWS]


PARENT = Case(
    roots={"a": {"products": _with_category(("id", "name"))}},
    entities={
        "a": {"Product": by_key(_with_category(("id", "name")), "id")},
        "c": {"Product": by_key(_with_category(("details",)), "id", "pid")},
    },
)


async def test_e_an_entity_field_no_key_reaches_goes_back_to_the_parent_entity() -> None:
    async with open_case("parent_entity", PARENT) as shop:
        body = await shop.query("{ products { id category { id name details { products } } } }")

        assert body == {
            "data": {
                "products": [
                    {"id": "p1", "category": {"id": "c1", "name": "Tea", "details": {"products": 2}}},
                    {"id": "p2", "category": {"id": "c2", "name": "Cups", "details": {"products": 1}}},
                    {"id": "p3", "category": {"id": "c1", "name": "Tea", "details": {"products": 2}}},
                ]
            }
        }
        (request,) = shop.requests("c")
        assert "... on Product { category { details { products } } }" in request
        assert shop.requests("b") == []
