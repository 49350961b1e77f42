"""Compose a supergraph from Federation v2 subgraph SDLs (what ``_service { sdl }`` returns).

Supported: ``@key`` (several, composite, nested, ``resolvable: false``), ``@shareable``,
``@external``, ``@requires``, ``@provides``, ``@override``, ``@inaccessible``, ``@tag``,
``@interfaceObject``; object, interface, union, enum, input and scalar types merged across
subgraphs. Anything else that would change how queries are planned is refused with a message
naming the subgraph and the element, rather than silently mis-planned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graphql import (
    BooleanValueNode,
    ConstDirectiveNode,
    DefinitionNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationType,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    SelectionSetNode,
    StringValueNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
    parse,
)

from gateway.model import EntityKey, FieldModel, FieldSource, Subgraph, Supergraph, TypeModel

__all__ = ["CompositionError", "compose"]

ROOTS = {OperationType.QUERY: "Query", OperationType.MUTATION: "Mutation", OperationType.SUBSCRIPTION: "Subscription"}
INTERNAL_TYPES = {
    "_Service",
    "_Any",
    "_Entity",
    "_FieldSet",
    "FieldSet",
    "link__Import",
    "link__Purpose",
    "federation__FieldSet",
    "federation__Scope",
    "federation__Policy",
}
INTERNAL_ROOT_FIELDS = {"_entities", "_service"}
KNOWN_DIRECTIVES = {
    "key", "shareable", "external", "requires", "provides", "override", "inaccessible", "tag", "link", "extends",
    "interfaceObject", "composeDirective", "deprecated", "specifiedBy", "oneOf",
}  # fmt: skip
PLANNING_DIRECTIVES = {"authenticated", "requiresScopes", "policy", "cost", "listSize", "context", "fromContext"}


class CompositionError(ValueError):
    """The subgraphs cannot be composed (or use what this gateway does not support)."""


@dataclass
class _Merged:
    """One output type being merged: the AST nodes per subgraph and the federation metadata."""

    model: TypeModel
    nodes: list[tuple[str, DefinitionNode]] = field(default_factory=list)
    inaccessible: bool = False
    inaccessible_fields: set[str] = field(default_factory=set)


def compose(subgraphs: Mapping[str, tuple[str, str]]) -> Supergraph:
    """``{name: (url, sdl)}`` → a supergraph; raises :class:`CompositionError` with the reason."""
    merged: dict[str, _Merged] = {}
    for name, (_, sdl) in subgraphs.items():
        try:
            document = parse(sdl)
        except GraphQLError as error:
            raise CompositionError(f"subgraph {name}: the SDL does not parse: {error.message}") from error
        _add_subgraph(merged, name, document)
    if "Query" not in merged:
        raise CompositionError("no subgraph defines a Query type")
    api = _api_document(merged)
    try:
        schema = build_ast_schema(api)
    except (GraphQLError, TypeError) as error:
        raise CompositionError(f"the composed API schema is not valid: {error}") from error
    models = {type_name: entry.model for type_name, entry in merged.items() if not entry.inaccessible}
    return Supergraph(schema=schema, subgraphs={name: Subgraph(name, url) for name, (url, _) in subgraphs.items()}, types=models)


def _add_subgraph(merged: dict[str, _Merged], subgraph: str, document: DocumentNode) -> None:
    roots: dict[str, str] = {}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            for operation in definition.operation_types or ():
                roots[operation.type.name.value] = ROOTS[operation.operation]
    for definition in document.definitions:
        if isinstance(definition, DirectiveDefinitionNode | SchemaDefinitionNode | SchemaExtensionNode):
            continue
        name = definition.name.value  # type: ignore[attr-defined]
        if name in INTERNAL_TYPES or name.startswith(("link__", "federation__", "join__")):
            continue
        name = roots.get(name, name)
        _check_directives(subgraph, name, definition.directives or ())  # type: ignore[attr-defined]
        kind = _kind(definition)
        entry = merged.setdefault(name, _Merged(TypeModel(name, kind)))
        if entry.model.kind != kind:
            raise CompositionError(f"type {name} is a {entry.model.kind} in one subgraph and a {kind} in {subgraph}")
        entry.model.subgraphs.add(subgraph)
        entry.nodes.append((subgraph, definition))
        if isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode) and definition.interfaces:
            entry.model.implements.setdefault(subgraph, set()).update(i.name.value for i in definition.interfaces)
        if isinstance(definition, UnionTypeDefinitionNode | UnionTypeExtensionNode) and definition.types:
            entry.model.members.setdefault(subgraph, set()).update(t.name.value for t in definition.types)
        directives = definition.directives or ()  # type: ignore[attr-defined]
        if _has(directives, "inaccessible"):
            entry.inaccessible = True
        for directive in directives:
            if directive.name.value == "key":
                entry.model.keys.append(
                    EntityKey(subgraph, _field_set(_arg(directive, "fields"), subgraph, name), _bool_arg(directive, "resolvable", True))
                )
            if directive.name.value == "interfaceObject":
                entry.model.interface_object_in.add(subgraph)
        for field_node in getattr(definition, "fields", None) or ():
            if isinstance(field_node, FieldDefinitionNode):
                if name == "Query" and field_node.name.value in INTERNAL_ROOT_FIELDS:
                    continue
                _add_field(entry, subgraph, field_node, type_is_extension=_has(directives, "extends"))


def _add_field(entry: _Merged, subgraph: str, node: FieldDefinitionNode, *, type_is_extension: bool) -> None:
    type_name = entry.model.name
    _check_directives(subgraph, f"{type_name}.{node.name.value}", node.directives or ())
    directives = node.directives or ()
    model = entry.model.fields.setdefault(node.name.value, FieldModel(node.name.value))
    source = FieldSource(
        subgraph,
        external=_has(directives, "external"),
        requires=_optional_field_set(directives, "requires", subgraph, type_name),
        provides=_optional_field_set(directives, "provides", subgraph, type_name),
    )
    model.sources[subgraph] = source
    for directive in directives:
        if directive.name.value == "override":
            origin = _arg(directive, "from")
            if origin in model.sources:
                model.sources[origin].overridden = True
            model.sources.setdefault(origin, FieldSource(origin, overridden=True))
        if directive.name.value == "inaccessible":
            entry.inaccessible_fields.add(node.name.value)


def _check_directives(subgraph: str, element: str, directives: Iterable[DirectiveNode]) -> None:
    for directive in directives:
        name = directive.name.value
        if name in PLANNING_DIRECTIVES:
            raise CompositionError(f"subgraph {subgraph}: @{name} on {element} is not supported by this gateway")


def _kind(definition: DefinitionNode) -> str:
    kinds: list[tuple[tuple[type, ...], str]] = [
        ((ObjectTypeDefinitionNode, ObjectTypeExtensionNode), "object"),
        ((InterfaceTypeDefinitionNode, InterfaceTypeExtensionNode), "interface"),
        ((UnionTypeDefinitionNode, UnionTypeExtensionNode), "union"),
        ((EnumTypeDefinitionNode, EnumTypeExtensionNode), "enum"),
        ((InputObjectTypeDefinitionNode, InputObjectTypeExtensionNode), "input"),
        ((ScalarTypeDefinitionNode, ScalarTypeExtensionNode), "scalar"),
    ]
    for classes, kind in kinds:
        if isinstance(definition, classes):
            return kind
    raise CompositionError(f"unsupported definition {definition.kind}")


def _has(directives: Iterable[DirectiveNode], name: str) -> bool:
    return any(directive.name.value == name for directive in directives)


def _arg(directive: DirectiveNode, name: str) -> str:
    for argument in directive.arguments or ():
        if argument.name.value == name and isinstance(argument.value, StringValueNode):
            return argument.value.value
    raise CompositionError(f"@{directive.name.value} lacks its {name} argument")


def _bool_arg(directive: DirectiveNode, name: str, default: bool) -> bool:
    for argument in directive.arguments or ():
        if argument.name.value == name and isinstance(argument.value, BooleanValueNode):
            return argument.value.value
    return default


def _field_set(text: str, subgraph: str, element: str) -> SelectionSetNode:
    try:
        operation = parse("{" + text + "}").definitions[0]
    except GraphQLError as error:
        raise CompositionError(f"subgraph {subgraph}: bad field set {text!r} on {element}: {error.message}") from error
    return operation.selection_set  # type: ignore[attr-defined,no-any-return]


def _optional_field_set(directives: Iterable[DirectiveNode], name: str, subgraph: str, element: str) -> SelectionSetNode | None:
    for directive in directives:
        if directive.name.value == name:
            return _field_set(_arg(directive, "fields"), subgraph, element)
    return None


def _api_document(merged: dict[str, _Merged]) -> DocumentNode:
    """The API schema: every merged type without federation directives or inaccessible elements."""
    hidden = {name for name, entry in merged.items() if entry.inaccessible}
    definitions: list[DefinitionNode] = []
    for _, entry in sorted(merged.items()):
        if entry.inaccessible:
            continue
        definitions.append(_api_definition(entry, hidden))
    return DocumentNode(definitions=tuple(definitions))


def _api_definition(entry: _Merged, hidden: set[str]) -> DefinitionNode:
    first = entry.nodes[0][1]
    name = NameNode(value=entry.model.name)
    description = next((node.description for _, node in entry.nodes if getattr(node, "description", None)), None)  # type: ignore[attr-defined]
    kind = entry.model.kind
    if kind in ("object", "interface"):
        fields = _merged_fields(entry, hidden)
        interfaces = _merged_named(entry, "interfaces", hidden)
        cls = ObjectTypeDefinitionNode if kind == "object" else InterfaceTypeDefinitionNode
        return cls(name=name, description=description, fields=tuple(fields), interfaces=tuple(interfaces), directives=())
    if kind == "union":
        return UnionTypeDefinitionNode(
            name=name, description=description, types=tuple(_merged_named(entry, "types", hidden)), directives=()
        )
    if kind == "enum":
        values: dict[str, EnumValueDefinitionNode] = {}
        for _, node in entry.nodes:
            for value in node.values or ():  # type: ignore[attr-defined]
                if not _has(value.directives or (), "inaccessible"):
                    values.setdefault(
                        value.name.value,
                        EnumValueDefinitionNode(name=value.name, description=value.description, directives=_keep(value.directives)),
                    )
        return EnumTypeDefinitionNode(name=name, description=description, values=tuple(values.values()), directives=())
    if kind == "input":
        return InputObjectTypeDefinitionNode(name=name, description=description, fields=tuple(_merged_inputs(entry)), directives=())
    if kind == "scalar":
        return ScalarTypeDefinitionNode(name=name, description=description, directives=())
    raise CompositionError(f"cannot merge {first.kind}")


def _keep(directives: Iterable[ConstDirectiveNode] | None) -> tuple[ConstDirectiveNode, ...]:
    """Only spec directives survive into the API schema."""
    return tuple(d for d in directives or () if d.name.value in ("deprecated", "specifiedBy"))


def _merged_fields(entry: _Merged, hidden: set[str]) -> list[FieldDefinitionNode]:
    fields: dict[str, FieldDefinitionNode] = {}
    for _, node in entry.nodes:
        for field_node in node.fields or ():  # type: ignore[attr-defined]
            field_name = field_node.name.value
            if field_name in entry.inaccessible_fields or (entry.model.name == "Query" and field_name in INTERNAL_ROOT_FIELDS):
                continue
            if _named_type(field_node.type) in hidden:
                continue
            existing = fields.get(field_name)
            if existing is not None and not isinstance(field_node.type, NonNullTypeNode) and isinstance(existing.type, NonNullTypeNode):
                fields[field_name] = FieldDefinitionNode(
                    name=existing.name,
                    description=existing.description,
                    arguments=existing.arguments,
                    type=field_node.type,
                    directives=existing.directives,
                )
                continue
            if existing is None or (existing.description is None and field_node.description is not None):
                arguments = tuple(
                    InputValueDefinitionNode(
                        name=a.name, description=a.description, type=a.type, default_value=a.default_value, directives=_keep(a.directives)
                    )
                    for a in field_node.arguments or ()
                    if not _has(a.directives or (), "inaccessible")
                )
                fields[field_name] = FieldDefinitionNode(
                    name=field_node.name,
                    description=field_node.description,
                    arguments=arguments,
                    type=field_node.type,
                    directives=_keep(field_node.directives),
                )
    return list(fields.values())


def _merged_inputs(entry: _Merged) -> list[InputValueDefinitionNode]:
    """Input fields common to every subgraph defining the input type (an intersection)."""
    per_subgraph = [{f.name.value: f for f in node.fields or ()} for _, node in entry.nodes]  # type: ignore[attr-defined]
    common = set(per_subgraph[0]).intersection(*per_subgraph[1:]) if per_subgraph else set()
    return [
        InputValueDefinitionNode(
            name=f.name, description=f.description, type=f.type, default_value=f.default_value, directives=_keep(f.directives)
        )
        for name_, f in per_subgraph[0].items()
        if name_ in common and not _has(f.directives or (), "inaccessible")
    ]


def _merged_named(entry: _Merged, attribute: str, hidden: set[str]) -> list[NamedTypeNode]:
    names: dict[str, NamedTypeNode] = {}
    for _, node in entry.nodes:
        for named in getattr(node, attribute, None) or ():
            if named.name.value not in hidden:
                names.setdefault(named.name.value, named)
    return list(names.values())


def _named_type(node: object) -> str:
    while not isinstance(node, NamedTypeNode):
        node = node.type  # type: ignore[attr-defined]
    return node.name.value
