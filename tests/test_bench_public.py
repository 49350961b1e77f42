"""The public workload's pieces that need no Node.js: the answer check, the supergraph rewrite, the two queries."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

from graphql import parse, validate

from bench.measure import GatewaySpec, check, start_gateway
from bench.processes import free_port
from bench.public import OFFICIAL, QUERIES, WITHOUT_SHIPPING, WORKLOAD, pointed_at
from gateway.supergraph_sdl import load_supergraph

ANSWER = b'{"data":{"topProducts":[{"upc":"1","shippingEstimate":null}]}}'


def test_an_answer_is_compared_byte_for_byte_then_as_parsed_json() -> None:
    assert check(200, ANSWER, None).verdict == "reference"
    assert check(200, ANSWER, ANSWER).verdict == "identical bytes"
    assert check(200, ANSWER + b"\n", ANSWER).verdict == "identical bytes but the final newline"
    spaced = b'{"data": {"topProducts": [{"upc": "1", "shippingEstimate": null}]}}'
    assert check(200, spaced, ANSWER).verdict == "same parsed JSON (bytes differ)"
    assert check(200, spaced, ANSWER).correct


def test_a_wrong_answer_says_why_and_is_not_correct() -> None:
    errors = b'{"data":{"topProducts":[null]},"errors":[{"message":"Cannot query field \\"price\\" on type \\"Product\\"."}]}'
    refused = check(200, errors, ANSWER)
    assert not refused.correct
    assert refused.verdict.startswith("WRONG: HTTP 200, 1 errors, first:")
    assert "Cannot query field" in refused.verdict
    different = check(200, ANSWER.replace(b"null", b"50"), ANSWER)
    assert not different.correct
    assert different.verdict.startswith("WRONG: data differs")
    assert not check(502, b"<html>bad gateway</html>", ANSWER).correct


def test_the_supergraph_is_the_benchmarks_with_only_the_subgraph_urls_changed(tmp_path: Path) -> None:
    original = (WORKLOAD / "supergraph.graphql").read_text(encoding="utf-8")
    pointed = pointed_at(4567, tmp_path).read_text(encoding="utf-8")
    for number, name in enumerate(("accounts", "inventory", "products", "reviews"), start=1):
        assert f'url: "http://127.0.0.1:4567/{name}"' in pointed
        pointed = pointed.replace(f"http://127.0.0.1:4567/{name}", f"http://localhost:400{number}/graphql")
    assert pointed == original


def test_both_queries_are_valid_on_the_supergraph_and_differ_by_shipping_estimate_only() -> None:
    schema = load_supergraph((WORKLOAD / "supergraph.graphql").read_text(encoding="utf-8")).schema
    for query in QUERIES.values():
        assert validate(schema, parse(query)) == []
    assert OFFICIAL.count("shippingEstimate") == 1
    assert "shippingEstimate" not in WITHOUT_SHIPPING
    assert OFFICIAL.replace("      shippingEstimate\n", "") == WITHOUT_SHIPPING


def test_a_gateway_that_does_not_start_gives_why_instead_of_stopping_the_run(tmp_path: Path) -> None:
    spec = GatewaySpec("broken", [sys.executable, "-c", "print('refusing to start: no'); raise SystemExit(3)"], {}, tmp_path, "")
    with ExitStack() as stack:
        outcome = start_gateway(stack, spec, port=free_port(), cpus="0", log=tmp_path / "broken.log")
    assert isinstance(outcome, str)
    assert outcome.startswith("did not start:")
    assert "refusing to start: no" in outcome
