"""Planning over hand-written subgraph SDLs: which subgraph fetches what, for each federation feature."""

from __future__ import annotations

from graphql import FragmentDefinitionNode, GraphQLObjectType, GraphQLUnionType, OperationDefinitionNode, parse, validate

from gateway.composition import compose
from gateway.planning import Fetch, plan
from gateway.supergraph_sdl import load_supergraph, print_supergraph

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible"])\n'


def _plan(subgraphs: dict[str, str], query: str) -> list[list[Fetch]]:
    supergraph = compose({name: (f"http://{name}", LINK + sdl) for name, sdl in subgraphs.items()})
    supergraph = load_supergraph(print_supergraph(supergraph))
    document = parse(query)
    assert validate(supergraph.schema, document) == []
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return plan(supergraph, operation, fragments).steps


def _shape(fetch: Fetch) -> tuple[object, ...]:
    """(subgraph, entity type, path, selection, children) of a fetch tree."""
    return (fetch.subgraph, fetch.entity_type, fetch.path, fetch.tree.print(), [_shape(child) for child in fetch.children])


def test_provides_lets_a_subgraph_answer_an_external_field_on_that_path() -> None:
    subgraphs = {
        "reviews": 'type Query { reviews: [Review] } type Review { id: ID! author: User @provides(fields: "name") } type User @key(fields: "id") { id: ID! name: String @external }',
        "users": 'type User @key(fields: "id") { id: ID! name: String email: String }',
    }

    provided = _plan(subgraphs, "{ reviews { author { name } } }")
    joined = _plan(subgraphs, "{ reviews { author { name email } } }")

    assert [_shape(f) for f in provided[0]] == [("reviews", None, (), "{ reviews { author { name } } }", [])]
    assert [_shape(f) for f in joined[0]] == [
        (
            "reviews",
            None,
            (),
            "{ reviews { author { name _r___typename: __typename _r_id: id } } }",
            [("users", "User", ("reviews", "author"), "{ email }", [])],
        )
    ]


def test_override_moves_a_field_to_the_new_subgraph() -> None:
    subgraphs = {
        "old": 'type Query { product: Product } type Product @key(fields: "id") { id: ID! price: Int }',
        "new": 'type Product @key(fields: "id") { id: ID! price: Int @override(from: "old") }',
    }

    steps = _plan(subgraphs, "{ product { price } }")

    assert [_shape(f) for f in steps[0]] == [
        ("old", None, (), "{ product { _r___typename: __typename _r_id: id } }", [("new", "Product", ("product",), "{ price }", [])])
    ]


def test_composite_and_nested_keys_and_an_unresolvable_stub() -> None:
    subgraphs = {
        "stock": 'type Query { stock: [Stock] } type Stock @key(fields: "sku warehouse { code }") { sku: String! warehouse: Warehouse! count: Int } type Warehouse { code: String! }',
        "prices": 'type Stock @key(fields: "sku warehouse { code }") { sku: String! warehouse: Warehouse! price: Int } type Warehouse { code: String! }',
        "refs": 'type Query { pick: Stock } type Stock @key(fields: "sku warehouse { code }", resolvable: false) { sku: String! warehouse: Warehouse! } type Warehouse { code: String! }',
    }

    steps = _plan(subgraphs, "{ stock { price } pick { count } }")

    shapes = sorted((_shape(f) for f in steps[0]), key=str)
    assert shapes == [
        (
            "refs",
            None,
            (),
            "{ pick { _r___typename: __typename _r_sku: sku _r_warehouse: warehouse { _r_code: code } } }",
            [("stock", "Stock", ("pick",), "{ count }", [])],
        ),
        (
            "stock",
            None,
            (),
            "{ stock { _r___typename: __typename _r_sku: sku _r_warehouse: warehouse { _r_code: code } } }",
            [("prices", "Stock", ("stock",), "{ price }", [])],
        ),
    ]


def test_interfaces_whose_implementations_live_in_other_subgraphs_are_joined_per_type() -> None:
    subgraphs = {
        "media": 'type Query { feed: [Media] } interface Media { id: ID! } type Book implements Media @key(fields: "id") { id: ID! } type Film implements Media @key(fields: "id") { id: ID! }',
        "books": 'type Book @key(fields: "id") { id: ID! title: String pages: Int }',
        "films": 'type Film @key(fields: "id") { id: ID! title: String minutes: Int }',
    }

    steps = _plan(subgraphs, "{ feed { id ... on Book { title pages } ... on Film { title } } }")

    (root,) = steps[0]
    assert root.subgraph == "media"
    assert "... on Book { _r___typename: __typename _r_id: id }" in root.tree.print()
    assert sorted((c.subgraph, c.entity_type, c.tree.print()) for c in root.children) == [
        ("books", "Book", "{ title pages }"),
        ("films", "Film", "{ title }"),
    ]


def test_unions_shareable_root_fields_and_inaccessible_fields() -> None:
    subgraphs = {
        "search": 'type Query { search: [Result] @shareable } union Result = Person | Place type Person @key(fields: "id") { id: ID! } type Place { name: String secret: String @inaccessible }',
        "people": 'type Query { search: [Result] @shareable } union Result = Person type Person @key(fields: "id") { id: ID! name: String }',
    }

    steps = _plan(subgraphs, "{ search { __typename ... on Person { name } ... on Place { name } } }")

    (root,) = steps[0]
    assert root.subgraph == "search"  # people cannot resolve Place; search can, joining Person.name from people
    assert [(c.subgraph, c.entity_type, c.tree.print()) for c in root.children] == [("people", "Person", "{ name }")]
    supergraph = compose({name: (f"http://{name}", LINK + sdl) for name, sdl in subgraphs.items()})
    place, result = supergraph.schema.type_map["Place"], supergraph.schema.type_map["Result"]
    assert isinstance(place, GraphQLObjectType)
    assert isinstance(result, GraphQLUnionType)
    assert "secret" not in place.fields
    assert {t.name for t in result.types} == {"Person", "Place"}


def test_requires_adds_the_required_fields_to_the_representation() -> None:
    subgraphs = {
        "catalog": 'type Query { item: Item } type Item @key(fields: "id") { id: ID! weight: Int size: Int }',
        "shipping": 'type Item @key(fields: "id") { id: ID! weight: Int @external size: Int @external cost: Int @requires(fields: "weight size") }',
    }

    (root,) = _plan(subgraphs, "{ item { cost } }")[0]

    assert root.tree.print() == "{ item { _r___typename: __typename _r_id: id _r_weight: weight _r_size: size } }"
    (child,) = root.children
    assert (child.subgraph, child.tree.print(), len(child.requires)) == ("shipping", "{ cost }", 1)


def test_a_field_nullable_in_one_subgraph_is_nullable_in_the_api() -> None:
    subgraphs = {
        "a": 'type Query { thing: Thing } type Thing @key(fields: "id") { id: ID! label: String! @shareable }',
        "b": 'type Thing @key(fields: "id") { id: ID! label: String @shareable }',
    }
    supergraph = compose({name: (f"http://{name}", LINK + sdl) for name, sdl in subgraphs.items()})

    thing = supergraph.schema.type_map["Thing"]
    assert isinstance(thing, GraphQLObjectType)
    assert str(thing.fields["label"].type) == "String"
