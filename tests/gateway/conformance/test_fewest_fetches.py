"""Fewest fetches: one request per subgraph per plan level, representations sent once (issue 16).

The ``benchmark`` case is The Guild's public gateway benchmark (``bench/peers/subgraphs.mjs``): its four
subgraphs (the SDLs they publish, in Federation 1 style), composed by ``@apollo/composition``, with
the same data (review bodies shortened) and ``shippingEstimate`` computed from the representation's
``price`` and ``weight``. Apollo's query planner plans the benchmark query into 16 fetches, one per
subgraph and merge path (what our walk gives before merging); Hive Gateway's executor batches them
into 7 requests. The merged plan is those 7.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode, parse

from gateway.planner import Plan, plan, print_plan
from gateway.settings import GatewaySettings
from gateway.supergraph_sdl import load_supergraph
from tests.gateway.conformance.harness import CASES, Case, Federated, by_key, open_case

ROOT = Path(__file__).parents[3]
BENCHMARK_QUERY = (ROOT / "bench" / "workload" / "query.graphql").read_text()

USERS: list[dict[str, Any]] = [
    {"__typename": "User", "id": str(n), "name": name, "username": username, "birthday": 1234567890}
    for n, (name, username) in enumerate(
        [
            ("Uri Goldshtein", "urigo"),
            ("Dotan Simha", "dotansimha"),
            ("Kamil Kisiela", "kamilkisiela"),
            ("Arda Tanrikulu", "ardatan"),
            ("Gil Gardosh", "gilgardosh"),
            ("Laurin Quast", "laurin"),
        ],
        start=1,
    )
]
PRODUCTS: list[dict[str, Any]] = [
    {"__typename": "Product", "upc": str(n), "name": name, "price": price, "weight": weight}
    for n, (name, price, weight) in enumerate(
        [
            ("Table", 899, 100),
            ("Couch", 1299, 1000),
            ("Glass", 15, 20),
            ("Chair", 499, 100),
            ("TV", 1299, 1000),
            ("Lamp", 6999, 300),
            ("Grill", 3999, 2000),
            ("Fridge", 100000, 6000),
            ("Sofa", 9999, 800),
        ],
        start=1,
    )
]
IN_STOCK = {"1": True, "2": False, "3": False, "4": False, "5": True, "6": True, "7": True, "8": False, "9": True}
REVIEWED = ["1", "1", "1", "1", "2", "2", "2", "2", "3", "4", "4"]


def _reviews_of(product: dict[str, Any]) -> list[dict[str, Any]]:
    """``Product.reviews`` in the reviews subgraph: the reviews of that upc."""
    return [r for r in REVIEWS if r["product"]["upc"] == product["upc"]]


REVIEWS: list[dict[str, Any]] = [
    {"__typename": "Review", "id": str(n), "body": f"review {n}", "product": {"__typename": "Product", "upc": upc, "reviews": _reviews_of}}
    for n, upc in enumerate(REVIEWED, start=1)
]
FIRST_TWO = REVIEWS[:2]
AUTHOR = {"__typename": "User", "id": "1", "username": "urigo", "reviews": FIRST_TWO}  # every review's author (provided)
for review in REVIEWS:
    review["author"] = AUTHOR


def _shipping(product: dict[str, Any]) -> int | None:
    price, weight = product.get("price"), product.get("weight")
    if price is None:
        return None
    return 0 if price > 1000 else None if weight is None else weight // 2


def _stock(representation: dict[str, Any]) -> dict[str, Any]:
    return {**representation, "inStock": IN_STOCK[representation["upc"]], "shippingEstimate": _shipping}


CASE = Case(
    roots={
        "accounts": {"me": USERS[0], "users": USERS, "user": lambda _, id: next((u for u in USERS if u["id"] == id), None)},
        "products": {"topProducts": lambda _, first=5: PRODUCTS[:first]},
    },
    entities={
        "accounts": {"User": by_key(USERS, "id")},
        "products": {"Product": by_key(PRODUCTS, "upc")},
        "inventory": {"Product": _stock},
        "reviews": {
            "Review": by_key(REVIEWS, "id"),
            "User": lambda rep: {"__typename": "User", "id": rep["id"], "username": "user", "reviews": FIRST_TWO},
            "Product": lambda rep: {**rep, "reviews": _reviews_of},
        },
    },
)


@pytest.fixture
async def bench() -> AsyncIterator[Federated]:
    async with open_case("benchmark", CASE, GatewaySettings(max_cost=1_000_000)) as federated:  # as bench/public.py runs it
        yield federated


def _planned(supergraph_file: Path, query: str) -> Plan:
    supergraph = load_supergraph(supergraph_file.read_text())
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return plan(supergraph, operation, fragments)


def _fetches(planned: Plan) -> list[tuple[int, str, list[str], set[int]]]:
    """(id, subgraph, merge paths, dependencies) of every fetch."""
    return [(n.id, n.subgraph, [".".join(t.path) for t in n.targets] if not n.is_root else [], n.depends) for n in planned.nodes]


PRODUCT_PATHS = [
    "users.reviews.product",
    "users.reviews.product.reviews.author.reviews.product",
    "topProducts.reviews.author.reviews.product",
]


def test_the_benchmark_query_is_planned_into_seven_fetches_one_per_subgraph_per_level() -> None:
    planned = _planned(ROOT / "bench" / "workload" / "supergraph.graphql", BENCHMARK_QUERY)

    assert _fetches(planned) == [
        (0, "accounts", [], set()),
        (1, "products", [], set()),
        (2, "reviews", ["users", "topProducts"], {0, 1}),
        (3, "inventory", ["topProducts"], {1}),
        (4, "products", PRODUCT_PATHS, {2}),
        (5, "accounts", ["users.reviews.product.reviews.author", "topProducts.reviews.author"], {2}),
        (6, "inventory", PRODUCT_PATHS, {2, 4}),
    ]
    by_id = {node.id: node for node in planned.nodes}
    # User.reviews and Product.reviews differ: two _entities fields; the products' and authors' selections are equal: one.
    assert [len(by_id[n].batches()) for n in (2, 3, 4, 5, 6)] == [2, 1, 1, 1, 1]
    inventory = by_id[6].targets[0].parts["Product"]
    assert inventory.tree.print() == "{ shippingEstimate inStock }"  # inStock joined the @requires fetch, which waits for products
    assert [item.name for item in inventory.inputs] == ["upc", "price", "weight"]
    # The case's supergraph (composed by @apollo/composition from the SDLs) gives the same plan.
    case = _planned(CASES / "benchmark" / "supergraph.graphql", BENCHMARK_QUERY)
    assert print_plan(case) == print_plan(planned)


def _product(upc: str) -> dict[str, Any]:
    row = next(p for p in PRODUCTS if p["upc"] == upc)
    return {**{k: row[k] for k in ("name", "price", "upc", "weight")}, "inStock": IN_STOCK[upc], "shippingEstimate": _shipping(row)}


def _reviewed(upc: str) -> dict[str, Any]:
    author: dict[str, Any] = {"id": "1", "username": "urigo", "name": "Uri Goldshtein"}
    author["reviews"] = [{"id": r["id"], "body": r["body"], "product": _product(r["product"]["upc"])} for r in FIRST_TWO]
    reviews = [{"id": r["id"], "body": r["body"], "author": author} for r in REVIEWS if r["product"]["upc"] == upc]
    return {**_product(upc), "reviews": reviews}


async def test_the_benchmark_query_answers_with_seven_requests_and_one_representation_per_product(bench: Federated) -> None:
    body = await bench.query(BENCHMARK_QUERY)

    users = [
        {
            "id": u["id"],
            "username": u["username"],
            "name": u["name"],
            "reviews": [{"id": r["id"], "body": r["body"], "product": _reviewed(r["product"]["upc"])} for r in FIRST_TWO],
        }
        for u in USERS
    ]
    assert body == {"data": {"users": users, "topProducts": [_reviewed(p["upc"]) for p in PRODUCTS[:5]]}}
    assert {name: len(bench.requests(name)) for name in ("accounts", "inventory", "products", "reviews")} == {
        "accounts": 2,
        "inventory": 2,
        "products": 2,
        "reviews": 1,
    }
    # 12 + 144 + 20 product objects below the reviews, all of upc "1" or "2"... sent once each.
    (_, later) = bench.subgraphs["products"].variables
    assert later["__representations"] == [{"__typename": "Product", "upc": "1"}]
    (_, stock) = bench.subgraphs["inventory"].variables
    assert stock["__representations"] == [{"__typename": "Product", "upc": "1", "price": 899, "weight": 100}]


async def test_two_entity_fields_of_one_subgraph_under_one_parent_are_one_request_and_one_representation(bench: Federated) -> None:
    body = await bench.query('{ me { reviews { id } } user(id: "1") { reviews { body } } other: user(id: "2") { reviews { id } } }')

    assert body == {
        "data": {
            "me": {"reviews": [{"id": "1"}, {"id": "2"}]},
            "user": {"reviews": [{"body": "review 1"}, {"body": "review 2"}]},
            "other": {"reviews": [{"id": "1"}, {"id": "2"}]},
        }
    }
    (request,) = bench.requests("reviews")
    assert request.count("_entities(representations:") == 2  # `reviews { id }` twice shares one field, `reviews { body }` has its own
    (variables,) = bench.subgraphs["reviews"].variables
    assert variables["__representations"] == [{"__typename": "User", "id": "1"}, {"__typename": "User", "id": "2"}]
    assert variables["__representations_1"] == [{"__typename": "User", "id": "1"}]


async def test_a_list_with_duplicates_sends_each_representation_once_and_fans_the_answer_back(bench: Federated) -> None:
    body = await bench.query("{ users { reviews { product { name } } } }")

    assert body == {"data": {"users": [{"reviews": [{"product": {"name": "Table"}}, {"product": {"name": "Table"}}]}] * 6}}
    (variables,) = bench.subgraphs["reviews"].variables
    assert len(variables["__representations"]) == 6
    (variables,) = bench.subgraphs["products"].variables
    assert variables["__representations"] == [{"__typename": "Product", "upc": "1"}]


async def test_requires_after_a_merged_fetch_and_a_field_of_the_same_subgraph_at_that_path(bench: Federated) -> None:
    query = "{ topProducts(first: 2) { reviews { author { reviews { product { inStock shippingEstimate } } name } } } }"

    body = await bench.query(query)

    product = {"inStock": True, "shippingEstimate": 50}
    author = {"reviews": [{"product": product}, {"product": product}], "name": "Uri Goldshtein"}
    assert body == {"data": {"topProducts": [{"reviews": [{"author": author}] * 4}, {"reviews": [{"author": author}] * 4}]}}
    planned = _planned(CASES / "benchmark" / "supergraph.graphql", query)
    assert [(subgraph, depends) for _, subgraph, _, depends in _fetches(planned)] == [
        ("products", set()),
        ("reviews", {0}),
        ("products", {1}),
        ("accounts", {1}),
        ("inventory", {1, 2}),  # inStock waits with shippingEstimate for price and weight: one request, not two
    ]
    assert len(bench.requests("inventory")) == 1
    (variables,) = bench.subgraphs["inventory"].variables
    assert variables["__representations"] == [{"__typename": "Product", "upc": "1", "price": 899, "weight": 100}]


async def test_an_answer_shared_by_two_paths_is_copied_so_later_fetches_at_one_path_do_not_leak_into_the_other(bench: Federated) -> None:
    query = '{ me { reviews { author { x: name } } } user(id: "1") { reviews { author { x: birthday } } } }'

    body = await bench.query(query)

    assert body == {
        "data": {
            "me": {"reviews": [{"author": {"x": "Uri Goldshtein"}}] * 2},
            "user": {"reviews": [{"author": {"x": 1234567890}}] * 2},
        }
    }
    (reviews,) = bench.subgraphs["reviews"].variables
    assert reviews["__representations"] == [{"__typename": "User", "id": "1"}]  # one representation for both paths
    (request,) = bench.requests("accounts")[1:]
    assert request.count("_entities(representations:") == 2


async def test_a_merged_request_a_subgraph_would_refuse_falls_back_to_the_walks_requests(
    bench: Federated, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gateway.planner.subgraph_schemas import invalid_request as checked

    def no_second_entities_field(schema: GraphQLSchema, text: str) -> str | None:
        return "two _entities fields (as if their selections could not go together)" if "_entities_1" in text else checked(schema, text)

    monkeypatch.setattr("gateway.planner.invalid_request", no_second_entities_field)  # what plan() checks each request with

    body = await bench.query('{ me { reviews { id } } user(id: "2") { reviews { body } } }')

    assert body == {
        "data": {"me": {"reviews": [{"id": "1"}, {"id": "2"}]}, "user": {"reviews": [{"body": "review 1"}, {"body": "review 2"}]}}
    }
    assert len(bench.requests("reviews")) == 2  # one per path, as the walk planned them
    assert all("_entities_1" not in request for request in bench.requests("reviews"))
