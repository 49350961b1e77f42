"""The gateway against synthetic subgraphs: planning, joins, shaping, errors (exact responses)."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import Federation

pytestmark = pytest.mark.usefixtures("shaping_build")  # each test with the compiled shaping loop and with the pure-Python one


async def test_root_fields_with_arguments_aliases_and_variables(federation: Federation) -> None:
    body = await federation.query(
        "query($id: ID!, $currency: String) { a: product(id: $id) { name cny: price usd: price(currency: $currency) } first: products(first: 1) { id } }",
        {"id": "p1", "currency": "USD"},
    )
    assert body == {"data": {"a": {"name": "Kettle", "cny": 30, "usd": 4}, "first": [{"id": "p1"}]}}


async def test_entity_joins_across_three_subgraphs_are_batched(federation: Federation) -> None:
    body = await federation.query("{ products { name reviews { body author { name } } } }")

    assert body == {
        "data": {
            "products": [
                {"name": "Kettle", "reviews": [{"body": "Boils fast", "author": {"name": "Ann"}}]},
                {
                    "name": "Teapot",
                    "reviews": [{"body": "Leaks", "author": {"name": "Bob"}}, {"body": "Pretty", "author": {"name": "Ann"}}],
                },
                {"name": "Cup", "reviews": []},
            ]
        }
    }
    assert federation.calls.count("products:products") == 1
    assert sorted(c for c in federation.calls if c.startswith("reviews:_entities")) == [
        "reviews:_entities:p1",
        "reviews:_entities:p2",
        "reviews:_entities:p3",
    ]
    assert sorted(c for c in federation.calls if c.startswith("users:_entities")) == [  # one representation per distinct author
        "users:_entities:u-ann",
        "users:_entities:u-bob",
    ]


async def test_fragments_typename_and_directives_shape_the_response_exactly(federation: Federation) -> None:
    query = """query($withReviews: Boolean!, $skipName: Boolean!) {
      product(id: "p2") { __typename ...Basics reviewCount @include(if: $withReviews) ... on Product { upc } }
    }
    fragment Basics on Product { id name @skip(if: $skipName) }"""

    shown = await federation.query(query, {"withReviews": True, "skipName": False})
    hidden = await federation.query(query, {"withReviews": False, "skipName": True})

    assert shown == {"data": {"product": {"__typename": "Product", "id": "p2", "name": "Teapot", "reviewCount": 2, "upc": "u2"}}}
    assert hidden == {"data": {"product": {"__typename": "Product", "id": "p2", "upc": "u2"}}}


async def test_requires_and_a_second_key(federation: Federation) -> None:
    body = await federation.query("{ products { name shippingEstimate inStock } }")

    assert body == {
        "data": {
            "products": [
                {"name": "Kettle", "shippingEstimate": 0, "inStock": True},
                {"name": "Teapot", "shippingEstimate": 3, "inStock": True},
                {"name": "Cup", "shippingEstimate": 0, "inStock": False},
            ]
        }
    }


async def test_entity_from_a_root_field_of_another_subgraph(federation: Federation) -> None:
    body = await federation.query("{ topReview { body author { id name } } me { name } warehouse }")

    assert body == {
        "data": {"topReview": {"body": "Pretty", "author": {"id": "u-ann", "name": "Ann"}}, "me": {"name": "Ann"}, "warehouse": "Chaoyang"}
    }


async def test_mutations_run_in_order_across_subgraphs(federation: Federation) -> None:
    body = await federation.query(
        'mutation { first: rename(id: "p3", name: "Mug") { name } added: addReview(productId: "p3", body: "Nice mug") second: rename(id: "p3", name: "Big mug") { name reviewCount } }'
    )

    assert body == {"data": {"first": {"name": "Mug"}, "added": 1, "second": {"name": "Big mug", "reviewCount": 1}}}
    order = [c for c in federation.calls if ":rename:" in c or ":add_review:" in c]
    assert order == ["products:rename:Mug", "reviews:add_review:Nice mug", "products:rename:Big mug"]


async def test_a_failing_nullable_field_gives_partial_data_and_a_mapped_error(federation: Federation) -> None:
    body = await federation.query('{ product(id: "p1") { name broken } }')

    assert body["data"] == {"product": {"name": "Kettle", "broken": None}}
    assert body["errors"][0]["path"] == ["product", "broken"]
    assert body["errors"][0]["extensions"]["subgraph"] == "products"


async def test_errors_inside_entity_fetches_map_back_to_the_clients_path_and_bubble_nulls(federation: Federation) -> None:
    body = await federation.query("{ products { name reviews { author { name email } } } }")

    teapot = body["data"]["products"][1]
    assert teapot["reviews"][0]["author"] is None
    assert teapot["reviews"][1]["author"] == {"name": "Ann", "email": "ann@example.org"}
    assert [error["path"] for error in body["errors"]] == [["products", 1, "reviews", 0, "author", "email"]]
    assert body["errors"][0]["message"] == "email hidden"


async def test_a_subgraph_down_gives_partial_data_and_a_clear_error(federation: Federation) -> None:
    federation.down.add("reviews")

    body = await federation.query("{ products { name reviewCount } warehouse }")

    assert body["data"] == {
        "products": [
            {"name": "Kettle", "reviewCount": None},
            {"name": "Teapot", "reviewCount": None},
            {"name": "Cup", "reviewCount": None},
        ],
        "warehouse": "Chaoyang",
    }
    assert body["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    assert body["errors"][0]["extensions"]["subgraph"] == "reviews"

    federation.down.clear()
    recovered = await federation.query("{ products(first: 1) { name reviewCount } }")
    assert recovered == {"data": {"products": [{"name": "Kettle", "reviewCount": 1}]}}


async def test_a_non_null_violation_bubbles_to_the_nearest_nullable_parent(federation: Federation) -> None:
    body = await federation.query('{ product(id: "p2") { name reviews { body author { email } } } }')

    assert body["data"] == {
        "product": {
            "name": "Teapot",
            "reviews": [{"body": "Leaks", "author": None}, {"body": "Pretty", "author": {"email": "ann@example.org"}}],
        }
    }
    assert [error["path"] for error in body["errors"]] == [["product", "reviews", 0, "author", "email"]]


async def test_introspection_and_typename_are_answered_by_the_gateway(federation: Federation) -> None:
    body = await federation.query('{ __typename __type(name: "Product") { fields { name } } }')

    names = {f["name"] for f in body["data"]["__type"]["fields"]}
    assert body["data"]["__typename"] == "Query"
    assert {"name", "price", "reviews", "reviewCount", "shippingEstimate", "inStock", "upc"} <= names
    assert "_entities" not in str(body)


async def test_invalid_operations_are_refused_before_any_subgraph_call(federation: Federation) -> None:
    unknown = await federation.query("{ products { nope } }")
    syntax = await federation.query("{ products { ")
    missing_variable = await federation.query("query($id: ID!) { product(id: $id) { name } }")

    assert unknown["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert syntax["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert missing_variable["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert federation.calls == []


async def test_plans_are_cached_per_document_and_operation_name(federation: Federation) -> None:
    query = "query A { products { name } } query B { warehouse }"
    await federation.query(query, operationName="A")
    await federation.query(query, operationName="A")
    await federation.query(query, operationName="B")

    gateway = federation.app.state.gateway
    assert len(gateway._plans) == 2
