"""The gateway's edge (identity, limits, console) and the supergraph SDL it prints and loads."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

from gateway.app import create_gateway_app
from gateway.composition import CompositionError, compose
from gateway.gateway import Gateway
from gateway.settings import GatewaySettings
from gateway.supergraph_sdl import load_supergraph, print_supergraph
from services.common.identity import Role, mint_token
from tests.gateway import subgraphs
from tests.gateway.conftest import SCHEMAS, Federation
from tests.support import HttpxTransport


def _sdls() -> dict[str, tuple[str, str]]:
    sdls = {}
    for name, schema in SCHEMAS.items():
        result = schema.execute_sync("{ _service { sdl } }")
        assert result.data is not None
        sdls[name] = (f"http://{name}/graphql", result.data["_service"]["sdl"])
    return sdls


async def test_a_bad_token_is_refused_at_the_edge_and_a_good_one_is_forwarded(federation: Federation) -> None:
    settings = GatewaySettings()
    good = mint_token(settings, subject="u", roles=[Role.RESIDENT], communities=["c1"])

    refused = await federation.client.post("/graphql", json={"query": "{ warehouse }"}, headers={"authorization": "Bearer forged"})
    accepted = await federation.client.post("/graphql", json={"query": "{ warehouse }"}, headers={"authorization": f"Bearer {good}"})

    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert accepted.json() == {"data": {"warehouse": "Chaoyang"}}
    assert federation.calls == []


async def test_a_post_is_answered_with_json_headers_and_its_request_id_and_a_bad_body_with_a_400(federation: Federation) -> None:
    answered = await federation.client.post("/graphql", json={"query": "{ warehouse }"}, headers={"x-request-id": "req-7"})
    not_json = await federation.client.post("/graphql", content=b"{nope", headers={"content-type": "application/json"})
    not_object = await federation.client.post("/graphql", json=[{"query": "{ warehouse }"}])
    head = await federation.client.head("/graphql")

    assert answered.status_code == 200
    assert answered.content == b'{"data":{"warehouse":"Chaoyang"}}'
    assert answered.headers["content-type"] == "application/json"
    assert answered.headers["content-length"] == str(len(answered.content))
    assert answered.headers["x-request-id"] == "req-7"
    assert (not_json.status_code, not_json.json()["errors"][0]["extensions"]["code"]) == (400, "BAD_REQUEST")
    assert "not JSON" in not_json.json()["errors"][0]["message"]
    assert (not_object.status_code, not_object.json()["errors"][0]["message"]) == (400, "the body must be a JSON object")
    assert head.status_code == 400


async def test_depth_alias_token_cost_and_size_limits(federation: Federation) -> None:
    assert "errors" not in await federation.query("{ products { reviews { author { name } } } }")
    calls_before = len(federation.calls)
    shallow = Gateway(federation.app.state.gateway.supergraph, federation.app.state.gateway._client, GatewaySettings(graphql_max_depth=2))
    too_deep = await shallow.execute({"query": "{ products { reviews { author { name } } } }"}, {})
    assert "exceeds maximum operation depth" in too_deep["errors"][0]["message"]

    aliases = await federation.query("{ " + " ".join(f"w{i}: warehouse" for i in range(40)) + " }")
    tokens = await federation.query("{ " + " ".join("warehouse" for _ in range(4000)) + " }")
    cost = await federation.query("{ products(first: 100000) { reviews { author { name } } } }")
    huge = await federation.client.post(
        "/graphql", content=b'{"query": "' + b"x" * 1_100_000 + b'"}', headers={"content-type": "application/json"}
    )

    assert "aliases" in aliases["errors"][0]["message"]
    assert "token" in tokens["errors"][0]["message"].lower()
    assert cost["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert huge.status_code == 413
    assert len(federation.calls) == calls_before


async def test_the_cost_kept_per_plan_follows_the_values_of_the_variables_that_size_lists(federation: Federation) -> None:
    sized = "query($n: Int) { products(first: $n) { reviews { author { name } } } }"
    answers = [await federation.query(sized, {"n": n}) for n in (2, 100000, 2, 100000)]

    assert ["errors" in answer for answer in answers] == [False, True, False, True]
    assert {answers[1]["errors"][0]["extensions"]["code"], answers[3]["errors"][0]["extensions"]["code"]} == {"COST_LIMIT_EXCEEDED"}
    gateway = federation.app.state.gateway
    (_, planned, _) = gateway._plans[(sized, None)]
    assert planned.sizing == ("n",)
    assert set(planned.costs) == {(2,), (100000,)}


async def test_get_requests_run_queries_not_mutations_and_serve_the_console(federation: Federation) -> None:
    query = await federation.client.get("/graphql", params={"query": "{ warehouse }"})
    mutation = await federation.client.get("/graphql", params={"query": 'mutation { rename(id: "p1", name: "x") { name } }'})
    console = await federation.client.get("/graphql", headers={"accept": "text/html"})

    assert query.json() == {"data": {"warehouse": "Chaoyang"}}
    assert mutation.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "graphiql" in console.text.lower()


def test_the_printed_supergraph_loads_back_to_the_same_graph() -> None:
    composed = compose(_sdls())
    printed = print_supergraph(composed)
    loaded = load_supergraph(printed)

    assert '@join__graph(name: "inventory", url: "http://inventory/graphql")' in printed
    assert '@join__type(graph: PRODUCTS, key: "upc")' in printed
    assert '@join__field(graph: INVENTORY, requires: "price weight")' in printed
    assert set(loaded.types) == set(composed.types)
    product = loaded.types["Product"]
    assert {key.subgraph for key in product.keys} == {"products", "reviews", "inventory"}
    assert product.fields["shippingEstimate"].sources["inventory"].requires is not None
    assert product.fields["price"].resolvers() == ["products"]
    assert [key.resolvable for key in loaded.types["User"].keys if key.subgraph == "reviews"] == [False]


async def test_a_gateway_runs_from_a_supergraph_file(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import pathlib

    file = pathlib.Path(str(tmp_path)) / "supergraph.graphql"
    file.write_text(print_supergraph(compose(_sdls())), encoding="utf-8")
    monkeypatch.setattr(subgraphs, "CALLS", [])
    apps = {name: Starlette(routes=[Route("/graphql", GraphQL(schema, graphql_ide=None))]) for name, schema in SCHEMAS.items()}
    http = httpx.AsyncClient(mounts={f"http://{name}": httpx.ASGITransport(app=app) for name, app in apps.items()})
    app = create_gateway_app(GatewaySettings(supergraph_file=str(file)), http=HttpxTransport(http))
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        response = await client.post(
            "/graphql", json={"query": '{ product(id: "p1") { name shippingEstimate reviews { author { name } } } }'}
        )
    await http.aclose()

    assert response.json() == {"data": {"product": {"name": "Kettle", "shippingEstimate": 0, "reviews": [{"author": {"name": "Ann"}}]}}}


def test_composition_refuses_what_it_cannot_plan_with_a_clear_message() -> None:
    sdls = _sdls()
    with pytest.raises(CompositionError, match=re.escape("subgraph extra: @authenticated on Query.secret")):
        compose({**sdls, "extra": ("http://extra", "type Query { secret: String @authenticated }")})
    with pytest.raises(CompositionError, match="Product is a object in one subgraph and a enum in clash"):
        compose({**sdls, "clash": ("http://clash", "enum Product { A } type Query { x: Int }")})
    with pytest.raises(CompositionError, match="does not parse"):
        compose({**sdls, "broken": ("http://broken", "type Query {")})
