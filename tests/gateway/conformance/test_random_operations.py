"""Random valid operations over every case's supergraph (seeded): each plans without a planner fault, and, run
over the case's subgraphs, none gets a subgraph's validation error or a planning refusal."""

from __future__ import annotations

import importlib
import random

import pytest
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    get_named_type,
    get_operation_ast,
    is_enum_type,
    is_leaf_type,
    parse,
    validate,
)

from gateway.model import Supergraph
from gateway.planner import PlanningError, plan
from gateway.supergraph_sdl import load_supergraph
from tests.gateway.conformance.harness import CASES, open_case

RUNS = {  # case folder: (test module, Case constant)
    "execution": ("test_execution", "CASE"),
    "requires": ("test_requires", "CASE"),
    "requires_fragments": ("test_requires", "FRAGMENTS"),
    "interface_object": ("test_interface_object", "CASE"),
    "membership": ("test_membership", "CASE"),
    "external_keys": ("test_membership", "EXTERNAL_KEYS"),
    "abstract": ("test_abstract_types", "CASE"),
    "value_types": ("test_value_types_and_keys", "VALUES"),
    "keys": ("test_value_types_and_keys", "KEYS"),
    "parent_entity": ("test_value_types_and_keys", "PARENT"),
    "response_keys": ("test_response_keys_and_refusals", "CASE"),
}
SUBGRAPH_REFUSALS = (
    "Cannot query field",
    "Unknown type",
    "cannot be spread",
    "conflict",
    "must have a selection",
    "must not have a selection",
)


def _arguments(field: GraphQLField) -> str | None:
    """Values for the required arguments (None when one needs an input object)."""
    parts = []
    for name, argument in field.args.items():
        if not isinstance(argument.type, GraphQLNonNull):
            continue
        named = get_named_type(argument.type)
        if is_enum_type(named):
            parts.append(f"{name}: {next(iter(named.values))}")
        elif named.name in ("Int", "Float", "Boolean", "String", "ID"):
            parts.append(f"{name}: " + {"Int": "1", "Float": "1.5", "Boolean": "true"}.get(named.name, '"p1"'))
        else:
            return None
    return f"({', '.join(parts)})" if parts else ""


def _selection(schema: GraphQLSchema, type_: GraphQLNamedType, depth: int, rnd: random.Random) -> str:
    """A random selection set on ``type_`` (fields, fragments on possible types, ``__typename``)."""
    picked: list[str] = []
    if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
        if rnd.random() < 0.5:
            picked.append("__typename")
        for possible in schema.get_possible_types(type_):
            if rnd.random() < 0.6:
                picked.append(f"... on {possible.name} {_selection(schema, possible, depth, rnd)}")
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        names = sorted(type_.fields)
        rnd.shuffle(names)
        for name in names[: rnd.randint(1, len(names))]:
            field = type_.fields[name]
            arguments = _arguments(field)
            child = get_named_type(field.type)
            if arguments is None:
                continue
            if is_leaf_type(child):
                picked.append(name + arguments)
            elif depth < 3:
                picked.append(f"{name}{arguments} {_selection(schema, child, depth + 1, rnd)}")
    return "{ " + " ".join(picked or ["__typename"]) + " }"


def _operations(schema: GraphQLSchema, seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    query = schema.query_type
    assert query is not None
    found = []
    for _ in range(count):
        text = _selection(schema, query, 0, rnd)
        if not validate(schema, parse(text)):
            found.append(text)
    return found


def _refusal(supergraph: Supergraph, operation: OperationDefinitionNode) -> str | None:
    try:
        plan(supergraph, operation, {})
    except PlanningError as error:
        return str(error)
    return None


@pytest.mark.parametrize("folder", sorted(p.name for p in CASES.iterdir() if (p / "supergraph.graphql").exists()))
def test_random_operations_plan_without_a_fault(folder: str) -> None:
    supergraph = load_supergraph((CASES / folder / "supergraph.graphql").read_text())
    for text in _operations(supergraph.schema, seed=len(folder), count=60):
        operation = get_operation_ast(parse(text))
        assert operation is not None
        refused = _refusal(supergraph, operation)
        assert refused is None or "@fromContext" in refused, (text, refused)  # only what is documented as unsupported


@pytest.mark.parametrize("folder", sorted(RUNS))
async def test_random_operations_run_without_subgraph_validation_errors(folder: str) -> None:
    module, name = RUNS[folder]
    case = getattr(importlib.import_module(f"tests.gateway.conformance.{module}"), name)
    async with open_case(folder, case) as federated:
        for text in _operations(federated.gateway.supergraph.schema, seed=len(folder) + 1, count=30):
            body = await federated.query(text)
            for error in body.get("errors") or ():
                assert not any(refusal in error["message"] for refusal in SUBGRAPH_REFUSALS), (text, error)
                assert (error.get("extensions") or {}).get("code") != "QUERY_PLANNING_FAILED", (text, error)
