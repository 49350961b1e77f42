"""The shaping program alone (no subgraph, no plan): merged answers in, the client's response out.

Every test runs against both builds of the shaping loop: the pure-Python ``gateway.shaping_run``
and the extension mypyc compiled from it (``make install`` builds it; without a current build the
``compiled`` cases fail and say so). Where GraphQL has one right answer, graphql-core's own
executor over the same data is the reference: aliases, fragments, ``@skip``/``@include``, null
bubbling, abstract types and lists of lists must give the very same ``data`` and no error it does
not give.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from graphql import (
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

from gateway import shaping_native, shaping_run
from gateway.selection import INTERNAL
from gateway.shaping import KEPT_DECISIONS, OperationShape, implementation, use
from gateway.shaping_native import compiled, implementations, selected
from gateway.shaping_run import FAILED

SCHEMA = build_schema(
    """
    interface Node { id: ID! }
    type User implements Node { id: ID! name: String nick: String! friends: [User!] best: User! tags: [String] }
    type Product implements Node { id: ID! title: String price: Int grid: [[Int]] matrix: [[Point!]] status: Status }
    type Point { x: Int! y: Int }
    union Result = User | Product
    enum Status { ON OFF }
    type Query {
      user: User
      strict: User!
      users: [User]
      strictUsers: [User!]
      node: Node
      nodes: [Node]
      search: [Result]
      product: Product
    }
    """
)


@pytest.fixture(params=["pure", "compiled"])
def build(request: pytest.FixtureRequest) -> ModuleType:
    """Each build of the shaping loop."""
    found = implementations()
    if request.param not in found:
        pytest.fail("gateway._shaping_native is not built from the current gateway/shaping_run.py: run `make install`")
    return found[request.param]


def _shape(
    build: ModuleType, query: str, data: dict[str, Any], variables: dict[str, Any] | None = None, enums: frozenset[str] = frozenset()
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], OperationShape]:
    document = parse(query)
    assert validate(SCHEMA, document) == []
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    values = get_variable_values(SCHEMA, operation.variable_definitions or (), variables or {})
    assert not isinstance(values, list)
    root = SCHEMA.query_type
    assert isinstance(root, GraphQLObjectType)
    shape = OperationShape(SCHEMA, operation.selection_set, fragments, root, enums, build=build)
    errors: list[dict[str, Any]] = []
    return shape.shape(data, values, errors), errors, shape


def _reference(query: str, data: dict[str, Any], variables: dict[str, Any] | None = None) -> ExecutionResult:
    """graphql-core's answer over the same tree (keyed by response key, typed by ``__typename``)."""

    def field(source: Any, info: GraphQLResolveInfo[Any], **_: Any) -> Any:
        return source.get(info.path.key) if isinstance(source, dict) else None

    def type_of(value: Any, *_: Any) -> str | None:
        return value.get(INTERNAL + "__typename", value.get("__typename")) if isinstance(value, dict) else None

    result = execute(SCHEMA, parse(query), root_value=data, variable_values=variables, field_resolver=field, type_resolver=type_of)
    assert isinstance(result, ExecutionResult)
    return result


def _same_as_graphql(build: ModuleType, query: str, data: dict[str, Any], variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    shaped, errors, _ = _shape(build, query, data, variables)
    reference = _reference(query, data, variables)
    assert shaped == reference.data
    assert list(shaped or {}) == list(reference.data or {})  # the order the operation asked
    reference_paths = [error.path for error in reference.errors or ()]
    assert all(error["path"] in reference_paths for error in errors)  # graphql-core goes on after a first null in an object
    assert bool(errors) == bool(reference.errors)
    return errors


USER = {"__typename": "User", "id": "u1", "name": "Ann", "nick": "a", "tags": ["x", None], "best": {"id": "u2", "nick": "b"}}


def test_aliases_and_one_key_selected_twice_merge_in_the_order_asked(build: ModuleType) -> None:
    data = {"first": {"n": "Ann", "id": "u1", "nick": "a"}, "second": {"id": "u2"}}
    query = "{ first: user { n: name id } second: user { id } first: user { nick id } }"

    shaped, errors, _ = _shape(build, query, data)

    assert shaped == {"first": {"n": "Ann", "id": "u1", "nick": "a"}, "second": {"id": "u2"}}
    assert shaped is not None
    assert list(shaped["first"]) == ["n", "id", "nick"]
    assert errors == []
    _same_as_graphql(build, query, data)


def test_named_and_inline_fragments_on_interfaces_and_unions_apply_by_runtime_type(build: ModuleType) -> None:
    data = {
        "search": [
            {"__typename": "User", "id": "u1", "name": "Ann", "t": "User"},
            {INTERNAL + "__typename": "Product", "id": "p1", "title": "Tea", "price": 3},
            None,
        ],
        "node": {"__typename": "Product", "id": "p2", "title": "Rice"},
    }
    query = """
      query { search { t: __typename ...N ... on User { name } ... on Product { ...P } } node { ...N ... on Node { ... on Product { title } } } }
      fragment N on Node { id }
      fragment P on Product { title price }
    """

    shaped, errors, _ = _shape(build, query, data)

    assert shaped == {
        "search": [{"t": "User", "id": "u1", "name": "Ann"}, {"t": "Product", "id": "p1", "title": "Tea", "price": 3}, None],
        "node": {"id": "p2", "title": "Rice"},
    }
    assert errors == []
    _same_as_graphql(build, query, data)


def test_skip_and_include_are_decided_per_request_and_programs_kept_per_decisions(build: ModuleType) -> None:
    query = """
      query ($a: Boolean!, $b: Boolean!) {
        user { id name @skip(if: $a) nick @include(if: $b) ... on User @include(if: $a) { tags } ...F @skip(if: $b) }
        again: user @include(if: $a) { id }
      }
      fragment F on User { best { nick } }
    """
    data = {"user": USER, "again": {"id": "u1"}}

    for a in (True, False):
        for b in (True, False):
            _same_as_graphql(build, query, data, {"a": a, "b": b})
    shaped, _, shape = _shape(build, query, data, {"a": True, "b": False})
    assert shaped == {"user": {"id": "u1", "tags": ["x", None], "best": {"nick": "b"}}, "again": {"id": "u1"}}
    document = parse(query)
    values = get_variable_values(
        SCHEMA,
        next(d for d in document.definitions if isinstance(d, OperationDefinitionNode)).variable_definitions or (),
        {"a": True, "b": False},
    )
    assert not isinstance(values, list)
    assert shape.program(values) is shape.program(values)  # compiled once for these decisions


def test_a_field_skipped_in_one_place_and_selected_in_another_is_in(build: ModuleType) -> None:
    query = "query ($s: Boolean!) { user { name @skip(if: $s) name id @skip(if: $s) } }"

    errors = _same_as_graphql(build, query, {"user": USER}, {"s": True})

    shaped, _, _ = _shape(build, query, {"user": USER}, {"s": True})
    assert shaped == {"user": {"name": "Ann"}}
    assert errors == []


def test_programs_are_kept_for_a_bounded_number_of_decision_vectors(build: ModuleType) -> None:
    conditions = " ".join(f"f{i}: name @include(if: $v{i})" for i in range(6))
    definitions = ", ".join(f"$v{i}: Boolean!" for i in range(6))
    query = f"query ({definitions}) {{ user {{ {conditions} }} }}"
    data = {"user": {f"f{i}": "Ann" for i in range(6)}}  # the merged tree is keyed by response key
    _, _, shape = _shape(build, query, data, {f"v{i}": True for i in range(6)})
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)

    for number in range(KEPT_DECISIONS + 10):
        values = get_variable_values(SCHEMA, operation.variable_definitions or (), {f"v{i}": bool(number >> i & 1) for i in range(6)})
        assert not isinstance(values, list)
        shaped = shape.shape(data, values, [])
        assert shaped == {"user": {f"f{i}": "Ann" for i in range(6) if number >> i & 1}}

    assert len(shape._programs) == KEPT_DECISIONS


def test_a_null_in_a_non_null_field_nulls_the_nearest_nullable_parent_with_one_error(build: ModuleType) -> None:
    data = {
        "user": {"id": "u1", "nick": None, "name": "Ann"},
        "users": [{"id": "u1", "best": {"id": "u2", "nick": None}}, {"id": "u3", "best": {"id": "u4", "nick": "d"}}],
        "strictUsers": [{"id": "u1", "nick": "a"}, None],
    }
    query = "{ user { id nick name } users { id best { nick } } strictUsers { nick } }"

    errors = _same_as_graphql(build, query, data)

    shaped, errors, _ = _shape(build, query, data)
    assert shaped == {"user": None, "users": [None, {"id": "u3", "best": {"nick": "d"}}], "strictUsers": None}
    assert [(error["path"], error["message"]) for error in errors] == [
        (["user", "nick"], "Cannot return null for non-nullable field nick."),
        (["users", 0, "best", "nick"], "Cannot return null for non-nullable field nick."),
        (["strictUsers", 1], "Cannot return null for non-nullable field strictUsers."),
    ]


def test_a_null_reaching_a_non_null_root_field_nulls_data(build: ModuleType) -> None:
    data = {"strict": {"id": "u1", "best": None}, "user": USER}

    errors = _same_as_graphql(build, "{ user { id } strict { id best { id } } }", data)

    shaped, errors, _ = _shape(build, "{ user { id } strict { id best { id } } }", data)
    assert shaped is None
    assert [error["path"] for error in errors] == [["strict", "best"]]


def test_no_second_error_where_a_subgraph_error_already_covers_the_path(build: ModuleType) -> None:
    shape_errors: list[dict[str, Any]] = [{"message": "boom", "path": ["user"]}]
    document = parse("{ user { nick } }")
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    root = SCHEMA.query_type
    assert isinstance(root, GraphQLObjectType)
    shape = OperationShape(SCHEMA, operation.selection_set, {}, root, build=build)

    shaped = shape.shape({"user": {"nick": None}}, None, shape_errors)

    assert shaped == {"user": None}
    assert shape_errors == [{"message": "boom", "path": ["user"]}]


def test_typename_from_the_subgraph_the_internal_key_or_the_declared_type(build: ModuleType) -> None:
    data = {
        "user": {"kind": "User"},
        "node": {INTERNAL + "__typename": "User", "id": "u1"},
        "product": {"id": "p1"},
    }
    query = "{ user { kind: __typename } node { __typename id } product { __typename t: __typename } }"

    shaped, errors, _ = _shape(build, query, data)

    assert shaped == {
        "user": {"kind": "User"},
        "node": {"__typename": "User", "id": "u1"},
        "product": {"__typename": "Product", "t": "Product"},
    }
    assert errors == []


def test_abstract_values_of_an_unknown_or_missing_type_are_null_and_interface_objects_shape_as_the_interface(build: ModuleType) -> None:
    data = {
        "nodes": [
            {"__typename": "Nope", "id": "x"},
            {"id": "y"},
            {"__typename": "Node", "id": "z"},
            {"__typename": "User", "id": "u", "name": "A"},
        ]
    }

    shaped, errors, shape = _shape(build, "{ nodes { id ... on User { name } } }", data)

    assert shaped == {"nodes": [None, None, {"id": "z"}, {"id": "u", "name": "A"}]}
    assert errors == []
    again = shape.shape(data, None, [])
    assert again == shaped  # the programs compiled per runtime type on first sight give the same answer again


def test_lists_of_lists_with_null_items_and_non_null_items(build: ModuleType) -> None:
    data = {
        "product": {
            "grid": [[1, None], None, []],
            "matrix": [[{"x": 1, "y": None}], [{"x": 2}, None], None],
        }
    }
    query = "{ product { grid matrix { x y } } }"

    _same_as_graphql(build, query, data)

    shaped, errors, _ = _shape(build, query, data)
    assert shaped == {"product": {"grid": [[1, None], None, []], "matrix": [[{"x": 1, "y": None}], None, None]}}
    assert [error["path"] for error in errors] == [["product", "matrix", 1, 1]]


def test_a_list_where_the_subgraph_gave_no_list_is_null(build: ModuleType) -> None:
    shaped, errors, _ = _shape(build, "{ user { tags friends { id } } }", {"user": {"tags": "x", "friends": {"id": "u"}}})

    assert shaped == {"user": {"tags": None, "friends": None}}
    assert errors == []


def test_a_hidden_enum_value_is_null_with_an_error(build: ModuleType) -> None:
    data = {"product": {"status": "SECRET"}, "p2": {"status": "ON"}}

    shaped, errors, _ = _shape(build, "{ product { status } p2: product { status } }", data, enums=frozenset({"Status"}))

    assert shaped == {"product": {"status": None}, "p2": {"status": "ON"}}
    assert errors == [{"message": "Enum Status cannot represent value: 'SECRET'", "path": ["product", "status"]}]


def test_a_failed_entity_is_null_and_a_field_fetched_under_the_planner_alias_is_read(build: ModuleType) -> None:
    data = {"users": [{FAILED: True, "id": "u1"}, {"id": "u2", f"{INTERNAL}User_name": "Bo"}], "strict": {FAILED: True}}

    shaped, errors, _ = _shape(build, "{ users { id name } }", data)
    strict, strict_errors, _ = _shape(build, "{ strict { id } }", data)

    assert shaped == {"users": [None, {"id": "u2", "name": "Bo"}]}
    assert errors == []
    assert strict is None
    assert strict_errors == [{"message": "Cannot return null for non-nullable field strict.", "path": ["strict"]}]


def test_both_builds_are_there_and_the_compiled_one_is_chosen_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    native = compiled()

    assert native is not None, "gateway._shaping_native is not built from the current source: run `make install`"
    assert (native.__file__ or "").endswith(".so")
    assert set(implementations()) == {"pure", "compiled"}
    monkeypatch.delenv("RENLING_SHAPING", raising=False)
    assert selected() is native
    monkeypatch.setenv("RENLING_SHAPING", "pure")
    assert selected() is shaping_run
    previous = use(shaping_run)
    try:
        assert implementation() is shaping_run
    finally:
        use(previous)


def test_a_compiled_build_of_another_source_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shaping_native, "source_digest", lambda: "0" * 64)
    monkeypatch.delenv("RENLING_SHAPING", raising=False)

    assert compiled() is None
    assert selected() is shaping_run
    monkeypatch.setenv("RENLING_SHAPING", "compiled")
    with pytest.raises(RuntimeError, match="make install"):
        selected()


def test_collect_finds_the_objects_at_a_merge_path_through_lists_of_lists_in_document_order(build: ModuleType) -> None:
    a, b, c, d = {"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}
    data = {"users": [{"best": a}, None, {"best": [b, [c, None, "x"]]}, {"best": None}, {"other": d}], "user": {"best": d}}

    found = build.collect(data, ("users", "best"), ())

    assert [(obj["id"], where) for obj, where in found] == [
        ("a", ("users", 0, "best")),
        ("b", ("users", 2, "best", 0)),
        ("c", ("users", 2, "best", 1, 0)),
    ]
    assert all(obj is expected for (obj, _), expected in zip(found, (a, b, c), strict=True))  # the tree's own objects, to merge into
    assert [where for _, where in build.collect(data, ("user", "best"), ("at",))] == [("at", "user", "best")]
    assert build.collect(data, ("nothing",), ()) == []
    assert build.collect([data, [data]], (), ()) == [(data, (0,)), (data, (1, 0))]


def test_merge_adds_an_answer_into_the_tree_objects_by_key_and_lists_of_one_length_by_item(build: ModuleType) -> None:
    kept = {"id": "p1"}
    tree: dict[str, Any] = {"a": {"id": "u1", "n": 1}, "list": [{"id": 1}, 2, kept], "short": [1, 2], "x": 1}

    build.merge(tree, {"a": {"name": "Ann", "n": 2}, "list": [{"name": "one"}, 3, {"price": 5}], "short": [9], "x": {"y": 1}, "new": [1]})

    assert tree == {
        "a": {"id": "u1", "n": 2, "name": "Ann"},
        "list": [{"id": 1, "name": "one"}, 3, {"id": "p1", "price": 5}],
        "short": [9],
        "x": {"y": 1},
        "new": [1],
    }
    assert tree["list"][2] is kept  # merged in place: later requests find the same objects
    disjoint: dict[str, Any] = {"id": "u1"}
    build.merge(disjoint, {"name": "Ann"})
    assert list(disjoint.items()) == [("id", "u1"), ("name", "Ann")]
