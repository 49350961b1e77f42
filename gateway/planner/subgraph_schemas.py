"""Each subgraph's schema as the supergraph's ``join__`` metadata describes it, to check a plan's requests.

A request the plan would send is validated against its subgraph's schema once, when the plan is
made (plans are cached): a field, fragment or overlapping response key the subgraph would refuse
is then a ``QUERY_PLANNING_FAILED`` naming it, before any fetch, never the subgraph's validation
error in the middle of a response. Only the rules about selections are checked (arguments and
variable types are the API's and are not re-checked).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graphql import (
    ConstDirectiveNode,
    DefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    FieldsOnCorrectTypeRule,
    FragmentsOnCompositeTypesRule,
    GraphQLError,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    NamedTypeNode,
    NameNode,
    ObjectTypeDefinitionNode,
    OverlappingFieldsCanBeMergedRule,
    PossibleFragmentSpreadsRule,
    ScalarLeafsRule,
    ScalarTypeDefinitionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
    parse_type,
    validate,
)

from gateway.directives import all_named, boolean_argument, enum_argument, string_argument

__all__ = ["RULES", "invalid_request", "subgraph_schemas"]

RULES = [
    FieldsOnCorrectTypeRule,
    FragmentsOnCompositeTypesRule,
    PossibleFragmentSpreadsRule,
    ScalarLeafsRule,
    OverlappingFieldsCanBeMergedRule,
]
MACHINERY = re.compile(r"^[a-z][a-zA-Z0-9]*__")
Typed = ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | UnionTypeDefinitionNode | EnumTypeDefinitionNode
Named = Typed | InputObjectTypeDefinitionNode | ScalarTypeDefinitionNode


def subgraph_schemas(sdl: str) -> dict[str, GraphQLSchema]:
    """``{subgraph name: schema}`` from a supergraph SDL; a subgraph whose schema cannot be built is left out."""
    document = parse(sdl)
    graphs: dict[str, str] = {}
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == "join__Graph":
            for value in definition.values or ():
                join = _first(value.directives, "join__graph")
                name = string_argument(join, "name") if join is not None else None
                graphs[value.name.value] = name or value.name.value.lower()
    schemas = {}
    for graph, name in graphs.items():
        try:
            schemas[name] = _schema(document, graph)
        except (GraphQLError, TypeError):
            continue
    return schemas


def invalid_request(schema: GraphQLSchema, text: str) -> str | None:
    """Why the subgraph would refuse the request, or None."""
    errors = validate(schema, parse(text), RULES)
    return errors[0].message if errors else None


def _schema(document: DocumentNode, graph: str) -> GraphQLSchema:
    kept: dict[str, Named] = {}
    for definition in document.definitions:
        if not isinstance(definition, Named) or MACHINERY.match(definition.name.value):
            continue
        joins = all_named(definition.directives, "join__type")
        if joins and not any(enum_argument(join, "graph") == graph for join in joins):
            continue
        kept[definition.name.value] = definition
    roots = {"Query", "Mutation", "Subscription"}
    while True:  # drop fields whose type this subgraph lacks, until nothing changes
        shaped = {name: _shape(definition, graph, kept) for name, definition in kept.items()}
        empty = {name for name, definition in shaped.items() if _empty(definition) and name not in roots}
        if not empty:
            break
        for name in empty:
            del kept[name]
    entities = sorted(
        name for name, definition in shaped.items() if isinstance(definition, ObjectTypeDefinitionNode) and _keyed(kept[name], graph, kept)
    )
    extra = "scalar _Any\n"
    if entities:
        extra += f"union _Entity = {' | '.join(entities)}\n"
        entities_field = "_entities(representations: [_Any!]!): [_Entity]!"
        if "Query" in shaped:
            extra += f"extend type Query {{ {entities_field} }}\n"
        else:
            extra += f"type Query {{ {entities_field} }}\n"
    elif "Query" not in shaped:
        extra += "type Query { _service: String }\n"
    definitions: list[DefinitionNode] = [d for d in shaped.values() if not _empty(d) or d.name.value in roots]
    definitions += parse(extra).definitions
    return build_ast_schema(DocumentNode(definitions=tuple(definitions)), assume_valid=True, assume_valid_sdl=True)


def _shape(definition: Named, graph: str, kept: dict[str, Named]) -> Named:
    """The definition as the subgraph has it: its fields, implementations, members and values there."""
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        interface_object = any(
            enum_argument(join, "graph") == graph and boolean_argument(join, "isInterfaceObject")
            for join in all_named(definition.directives, "join__type")
        )
        fields = tuple(_field(f, graph) for f in definition.fields or () if _in_graph(f.directives, graph, "join__field"))
        fields = tuple(f for f in fields if get_named_type_name(f.type) in kept or _builtin(get_named_type_name(f.type)))
        implements = all_named(definition.directives, "join__implements")
        if implements:
            names = {string_argument(j, "interface") for j in implements if enum_argument(j, "graph") == graph}
        else:
            names = {i.name.value for i in definition.interfaces or ()}
        interfaces = tuple(NamedTypeNode(name=NameNode(value=n)) for n in sorted(n for n in names if n and n in kept))
        if interface_object:
            return ObjectTypeDefinitionNode(name=definition.name, fields=fields, interfaces=(), directives=())
        return definition.__class__(name=definition.name, fields=fields, interfaces=interfaces, directives=())
    if isinstance(definition, UnionTypeDefinitionNode):
        members = all_named(definition.directives, "join__unionMember")
        if members:
            names = {string_argument(m, "member") for m in members if enum_argument(m, "graph") == graph}
        else:
            names = {t.name.value for t in definition.types or ()}
        types = tuple(NamedTypeNode(name=NameNode(value=n)) for n in sorted(n for n in names if n and n in kept))
        return UnionTypeDefinitionNode(name=definition.name, types=types, directives=())
    if isinstance(definition, EnumTypeDefinitionNode):
        values = tuple(
            v.__class__(name=v.name, directives=())
            for v in definition.values or ()
            if not all_named(v.directives, "join__enumValue") or _in_graph(v.directives, graph, "join__enumValue")
        )
        return EnumTypeDefinitionNode(name=definition.name, values=values, directives=())
    if isinstance(definition, InputObjectTypeDefinitionNode):
        inputs = tuple(
            InputValueDefinitionNode(name=f.name, type=f.type, default_value=f.default_value, directives=())
            for f in definition.fields or ()
            if _in_graph(f.directives, graph, "join__field")
            and (get_named_type_name(f.type) in kept or _builtin(get_named_type_name(f.type)))
        )
        return InputObjectTypeDefinitionNode(name=definition.name, fields=inputs, directives=())
    return ScalarTypeDefinitionNode(name=definition.name, directives=())


def _field(field: FieldDefinitionNode, graph: str) -> FieldDefinitionNode:
    declared = next(
        (string_argument(j, "type") for j in all_named(field.directives, "join__field") if enum_argument(j, "graph") == graph), None
    )
    type_node: TypeNode = parse_type(declared) if declared else field.type
    arguments = tuple(a.__class__(name=a.name, type=a.type, default_value=a.default_value, directives=()) for a in field.arguments or ())
    return FieldDefinitionNode(name=field.name, type=type_node, arguments=arguments, directives=())


def _keyed(definition: Named, graph: str, kept: dict[str, Named]) -> bool:
    """An object with a key in the subgraph (itself, or an interface of it with a key there)."""
    for join in all_named(definition.directives, "join__type"):
        if enum_argument(join, "graph") == graph and string_argument(join, "key") is not None:
            return True
    if isinstance(definition, ObjectTypeDefinitionNode):
        for interface in definition.interfaces or ():
            parent = kept.get(interface.name.value)
            if isinstance(parent, InterfaceTypeDefinitionNode) and any(
                enum_argument(j, "graph") == graph and string_argument(j, "key") is not None
                for j in all_named(parent.directives, "join__type")
            ):
                return True
    return False


def _empty(definition: Named) -> bool:
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | InputObjectTypeDefinitionNode):
        return not definition.fields
    if isinstance(definition, UnionTypeDefinitionNode):
        return not definition.types
    if isinstance(definition, EnumTypeDefinitionNode):
        return not definition.values
    return False


def get_named_type_name(type_node: TypeNode) -> str:
    """The named type under list and non-null wrappers."""
    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]
    return type_node.name.value


def _builtin(name: str) -> bool:
    return name in ("String", "Int", "Float", "Boolean", "ID")


def _in_graph(directives: Iterable[ConstDirectiveNode] | None, graph: str, name: str) -> bool:
    joins = all_named(directives, name)
    return not joins or any(enum_argument(join, "graph") in (graph, None) for join in joins)


def _first(directives: Iterable[ConstDirectiveNode] | None, name: str) -> ConstDirectiveNode | None:
    return next((d for d in directives or () if d.name.value == name), None)
