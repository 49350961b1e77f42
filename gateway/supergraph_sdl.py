"""The standard Federation v2 supergraph SDL (join spec v0.3/v0.5): printed from a composition, or loaded.

Loading takes any composer's output with ``@join__graph``, ``@join__type``, ``@join__field``,
``@join__implements``, ``@join__unionMember``, ``@join__enumValue``, ``@inaccessible`` and
``@tag``; the API schema is the supergraph without join/link machinery and inaccessible elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    GraphQLNamedType,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
    print_ast,
)

from gateway.composition import CompositionError
from gateway.directives import all_named, boolean_argument, enum_argument, named, string_argument
from gateway.model import EntityKey, FieldModel, FieldSource, Subgraph, Supergraph, TypeModel

__all__ = ["load_supergraph", "print_supergraph"]

SPEC_NAMESPACED = re.compile(r"^[a-z][a-zA-Z0-9]*__")

HEADER = """schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{{
{roots}
}}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

scalar link__Import

enum link__Purpose {{
  SECURITY
  EXECUTION
}}

enum join__Graph {{
{graphs}
}}
"""


def _graph(name: str) -> str:
    return name.upper().replace("-", "_")


def _field_set(node: object) -> str:
    """A field set on one line, as ``@key(fields:)`` and ``@requires(fields:)`` write it."""
    return " ".join(print_ast(node).strip()[1:-1].split())  # type: ignore[arg-type]


def print_supergraph(supergraph: Supergraph) -> str:
    """The supergraph SDL of a composition."""
    schema = supergraph.schema
    roots = "\n".join(
        f"  {operation}: {root.name}"
        for operation, root in (
            ("query", schema.query_type),
            ("mutation", schema.mutation_type),
            ("subscription", schema.subscription_type),
        )
        if root is not None
    )
    graphs = "\n".join(f'  {_graph(s.name)} @join__graph(name: "{s.name}", url: "{s.url}")' for s in supergraph.subgraphs.values())
    blocks = [HEADER.format(roots=roots, graphs=graphs)]
    for name in sorted(supergraph.types):
        graph_type = schema.get_type(name)
        if graph_type is not None:
            blocks.append(_print_type(graph_type, supergraph.types[name]))
    return "\n".join(blocks)


def _print_type(graph_type: GraphQLNamedType, model: TypeModel) -> str:
    node = graph_type.ast_node
    assert node is not None
    joins = []
    for subgraph in sorted(model.subgraphs):
        keys = [key for key in model.keys if key.subgraph == subgraph]
        if not keys:
            extra = ", isInterfaceObject: true" if subgraph in model.interface_object_in else ""
            joins.append(f"@join__type(graph: {_graph(subgraph)}{extra})")
        for key in keys:
            resolvable = "" if key.resolvable else ", resolvable: false"
            joins.append(f'@join__type(graph: {_graph(subgraph)}, key: "{_field_set(key.fields)}"{resolvable})')
    text = print_ast(node)
    if model.kind == "union":
        head, equals, members = text.partition(" = ")
        return f"{head} {' '.join(joins)}{equals}{members}\n"
    head, brace, body = text.partition(" {")
    if not brace:
        return f"{text} {' '.join(joins)}\n"
    lines = body.rstrip("}").split("\n")
    printed = []
    fields = {f.name.value: f for f in getattr(node, "fields", None) or ()}
    for line in lines:
        stripped = line.strip()
        field_name = stripped.split("(")[0].split(":")[0].strip()
        if field_name in fields and field_name in model.fields and not stripped.startswith('"'):
            line = line + "".join(" " + join for join in _field_joins(model, model.fields[field_name]))
        printed.append(line)
    return f"{head} {' '.join(joins)} {{" + "\n".join(printed) + "}\n"


def _field_joins(model: TypeModel, field: FieldModel) -> list[str]:
    plain = all(s.resolvable and s.requires is None and s.provides is None for s in field.sources.values())
    if plain and set(field.sources) == model.subgraphs:
        return []
    joins = []
    for subgraph, source in sorted(field.sources.items()):
        parts = [f"graph: {_graph(subgraph)}"]
        if source.external:
            parts.append("external: true")
        if source.requires is not None:
            parts.append(f'requires: "{_field_set(source.requires)}"')
        if source.provides is not None:
            parts.append(f'provides: "{_field_set(source.provides)}"')
        if source.overridden:
            parts.append("usedOverridden: true")
        joins.append(f"@join__field({', '.join(parts)})")
    return joins


def load_supergraph(sdl: str) -> Supergraph:
    """Read a supergraph SDL with ``join__`` directives into the gateway's model."""
    document = parse(sdl)
    graphs: dict[str, Subgraph] = {}
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == "join__Graph":
            for value in definition.values or ():
                directive = named(value.directives or (), "join__graph")
                if directive is None:
                    raise CompositionError(f"join__Graph.{value.name.value} lacks @join__graph")
                graphs[value.name.value] = Subgraph(
                    string_argument(directive, "name") or value.name.value.lower(), string_argument(directive, "url") or ""
                )
    if not graphs:
        raise CompositionError("not a supergraph: no join__Graph enum")
    types: dict[str, TypeModel] = {}
    api: list[DefinitionNode] = []
    hidden: set[str] = set()
    for definition in document.definitions:
        if isinstance(definition, DirectiveDefinitionNode | SchemaDefinitionNode | SchemaExtensionNode):
            continue
        name = definition.name.value  # type: ignore[attr-defined]
        if SPEC_NAMESPACED.match(name):  # join__Graph, link__Import, context__ContextFieldValue…: machinery, not API
            continue
        directives = definition.directives or ()  # type: ignore[attr-defined]
        if named(directives, "inaccessible") is not None:
            hidden.add(name)
            continue
        model = types[name] = TypeModel(name, definition.kind.replace("_type_definition", ""))
        for join in all_named(directives, "join__type"):
            graph = graphs[enum_argument(join, "graph") or ""].name
            model.subgraphs.add(graph)
            key = string_argument(join, "key")
            if key is not None:
                selection = parse("{" + key + "}").definitions[0].selection_set  # type: ignore[attr-defined]
                model.keys.append(EntityKey(graph, selection, boolean_argument(join, "resolvable", True)))
            if boolean_argument(join, "isInterfaceObject", False):
                model.interface_object_in.add(graph)
        for join in all_named(directives, "join__implements"):
            graph = graphs[enum_argument(join, "graph") or ""].name
            model.implements.setdefault(graph, set()).add(string_argument(join, "interface") or "")
        for join in all_named(directives, "join__unionMember"):
            graph = graphs[enum_argument(join, "graph") or ""].name
            model.members.setdefault(graph, set()).add(string_argument(join, "member") or "")
        for value in getattr(definition, "values", None) or ():
            for join in all_named(value.directives or (), "join__enumValue"):
                graph = graphs[enum_argument(join, "graph") or ""].name
                model.enum_values.setdefault(graph, set()).add(value.name.value)
        for field in getattr(definition, "fields", None) or ():
            if isinstance(field, FieldDefinitionNode):
                model.fields[field.name.value] = _field_model(field, model, graphs)
        api.append(definition)
    document_api = DocumentNode(definitions=tuple(_strip(definition, hidden) for definition in api))
    schema = build_ast_schema(document_api)
    return Supergraph(
        schema=schema,
        subgraphs={graph.name: graph for graph in graphs.values()},
        types={n: t for n, t in types.items() if n not in hidden},
        sdl=sdl,
    )


def _field_model(field: FieldDefinitionNode, model: TypeModel, graphs: dict[str, Subgraph]) -> FieldModel:
    result = FieldModel(field.name.value)
    joins = all_named(field.directives or (), "join__field")
    if not joins:
        for graph in model.subgraphs:
            result.sources[graph] = FieldSource(graph)
        return result
    for join in joins:
        graph_value = enum_argument(join, "graph")
        if graph_value is None:
            continue
        graph = graphs[graph_value].name
        requires, provides = string_argument(join, "requires"), string_argument(join, "provides")
        result.sources[graph] = FieldSource(
            graph,
            external=boolean_argument(join, "external", False),
            requires=parse("{" + requires + "}").definitions[0].selection_set if requires else None,  # type: ignore[attr-defined]
            provides=parse("{" + provides + "}").definitions[0].selection_set if provides else None,  # type: ignore[attr-defined]
            overridden=boolean_argument(join, "usedOverridden", False),
            type=string_argument(join, "type"),
            context=any(argument.name.value == "contextArguments" for argument in join.arguments or ()),
        )
        origin = string_argument(join, "override")
        if origin:
            for other in graphs.values():
                if other.name == origin or _graph(other.name) == origin.upper():
                    result.sources.setdefault(other.name, FieldSource(other.name, overridden=True)).overridden = True
    return result


def _strip(definition: DefinitionNode, hidden: set[str]) -> DefinitionNode:
    """The API form: no join/link/inaccessible/tag directives, no inaccessible fields, members or values."""
    kept = tuple(d for d in getattr(definition, "directives", None) or () if d.name.value in ("deprecated", "specifiedBy"))
    values: dict[str, object] = {"directives": kept}
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | InputObjectTypeDefinitionNode):
        values["fields"] = tuple(
            f.__class__(
                **{
                    **{k: getattr(f, k) for k in f.keys if k != "loc"},
                    "directives": tuple(d for d in f.directives or () if d.name.value == "deprecated"),
                    **({"arguments": _arguments(f.arguments)} if isinstance(f, FieldDefinitionNode) else {}),
                }
            )
            for f in definition.fields or ()
            if named(f.directives or (), "inaccessible") is None
        )
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        values["interfaces"] = tuple(i for i in definition.interfaces or () if i.name.value not in hidden)
    if isinstance(definition, UnionTypeDefinitionNode):
        values["types"] = tuple(t for t in definition.types or () if t.name.value not in hidden)
    if isinstance(definition, EnumTypeDefinitionNode):
        values["values"] = tuple(
            v.__class__(name=v.name, description=v.description, directives=())
            for v in definition.values or ()
            if named(v.directives or (), "inaccessible") is None
        )
    return definition.__class__(**{**{k: getattr(definition, k) for k in definition.keys if k != "loc"}, **values})


def _arguments(arguments: Iterable[InputValueDefinitionNode] | None) -> tuple[InputValueDefinitionNode, ...]:
    """Field arguments of the API schema: inaccessible ones removed, only ``@deprecated`` kept."""
    return tuple(
        InputValueDefinitionNode(
            **{
                **{k: getattr(a, k) for k in a.keys if k != "loc"},
                "directives": tuple(d for d in a.directives or () if d.name.value == "deprecated"),
            }
        )
        for a in arguments or ()
        if named(a.directives or (), "inaccessible") is None
    )
