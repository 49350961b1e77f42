"""The query graph: one node per (type, subgraph), with the edges a plan can take from it.

Built once per supergraph from its ``join__`` metadata. From a node a plan can take a *field
edge* (the subgraph resolves the field itself: not ``@external``, not overridden away, without
``@requires`` or with its requirements collected first), a *key edge* (to the same type in
another subgraph through a resolvable ``@key``), or an *interface-object edge* (from an
implementation to the interface a subgraph sees as an ``@interfaceObject``, and back to the
concrete type through a subgraph that knows the implementations). Type membership is per
subgraph: which implementations of an interface and which members of a union a subgraph knows
(``@join__implements``, ``@join__unionMember``), and the field's type there (``@join__field(type:)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from graphql import GraphQLSchema, SelectionSetNode, get_named_type, is_abstract_type

from gateway.model import EntityKey, FieldSource, Supergraph, TypeModel
from gateway.planner.subgraph_schemas import subgraph_schemas

__all__ = ["FieldEdge", "KeyEdge", "Node", "QueryGraph"]


@dataclass(frozen=True)
class FieldEdge:
    """A field resolvable at a node, and what it needs first."""

    name: str
    requires: SelectionSetNode | None
    provides: SelectionSetNode | None
    type_name: str
    """The named type the field returns (the supergraph's)."""
    context: bool = False
    """Takes ``@fromContext`` arguments (refused when planned)."""


@dataclass(frozen=True)
class KeyEdge:
    """A way into ``(entity_type, subgraph)``: ``_entities`` with this key's fields as the representation."""

    subgraph: str
    entity_type: str
    key: EntityKey
    interface_object: bool = False
    """The target sees ``entity_type`` (an interface of the API) as an ``@interfaceObject``."""


@dataclass
class Node:
    """``type_name`` as one subgraph sees it."""

    type_name: str
    subgraph: str
    fields: dict[str, FieldEdge] = field(default_factory=dict)
    external: set[str] = field(default_factory=set)
    keys: list[EntityKey] = field(default_factory=list)
    interface_object: bool = False


class QueryGraph:
    """Per-subgraph facts of a supergraph, asked by the planner; immutable once built."""

    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self.schema: GraphQLSchema = supergraph.schema
        self.nodes: dict[tuple[str, str], Node] = {}
        for model in supergraph.types.values():
            for subgraph in model.subgraphs:
                self.nodes[(model.name, subgraph)] = self._node(model, subgraph)
        self._possible: dict[tuple[str, str], frozenset[str]] = {}

    def _node(self, model: TypeModel, subgraph: str) -> Node:
        node = Node(model.name, subgraph, keys=model.keys_in(subgraph), interface_object=subgraph in model.interface_object_in)
        graph_type = self.schema.get_type(model.name)
        api_fields = getattr(graph_type, "fields", None) or {}
        for name, field_model in model.fields.items():
            source: FieldSource | None = field_model.sources.get(subgraph)
            if source is None or name not in api_fields:
                continue
            if source.external:
                node.external.add(name)
            if source.overridden or source.external:  # an @external key field too: the subgraph cannot give it itself
                continue
            type_name = str(get_named_type(api_fields[name].type).name)
            node.fields[name] = FieldEdge(name, source.requires, source.provides, type_name, source.context)
        return node

    @cached_property
    def interface_objects(self) -> dict[str, list[tuple[str, str]]]:
        """``{implementation: [(interface, subgraph)]}`` for every subgraph that sees an interface as an object."""
        found: dict[str, list[tuple[str, str]]] = {}
        for model in self.supergraph.types.values():
            if not model.interface_object_in:
                continue
            interface = self.schema.get_type(model.name)
            if interface is None or not is_abstract_type(interface):
                continue
            for implementation in self.schema.get_possible_types(interface):
                for subgraph in sorted(model.interface_object_in):
                    found.setdefault(implementation.name, []).append((model.name, subgraph))
        return found

    @cached_property
    def subgraph_schemas(self) -> dict[str, GraphQLSchema]:
        """Each subgraph's schema per the join metadata, to check requests against (built on first use)."""
        from gateway.supergraph_sdl import print_supergraph

        return subgraph_schemas(self.supergraph.sdl or print_supergraph(self.supergraph))

    @cached_property
    def hidden_enums(self) -> frozenset[str]:
        """Enums of the API some subgraph has more values of (inaccessible ones)."""
        hidden = set()
        for model in self.supergraph.types.values():
            graph_type = self.schema.get_type(model.name)
            values = getattr(graph_type, "values", None)
            if model.enum_values and values is not None and any(set(v) - set(values) for v in model.enum_values.values()):
                hidden.add(model.name)
        return frozenset(hidden)

    def node(self, type_name: str, subgraph: str) -> Node | None:
        """The node, or None when the subgraph does not have the type."""
        return self.nodes.get((type_name, subgraph))

    def has_type(self, subgraph: str, type_name: str) -> bool:
        """The subgraph defines the type (root types count when it has any root field there)."""
        return (type_name, subgraph) in self.nodes

    def edge(self, subgraph: str, type_name: str, field_name: str) -> FieldEdge | None:
        """The field edge at ``(type, subgraph)``, or None when the subgraph does not resolve the field."""
        node = self.nodes.get((type_name, subgraph))
        return node.fields.get(field_name) if node is not None else None

    def resolvers(self, type_name: str, field_name: str) -> list[str]:
        """Subgraphs resolving the field on this type, in a stable order."""
        model = self.supergraph.types.get(type_name)
        if model is None:
            return []
        return sorted(s for s in model.subgraphs if self.edge(s, type_name, field_name) is not None)

    def is_interface_object(self, subgraph: str, type_name: str) -> bool:
        """``type_name`` is an interface of the API that the subgraph sees as an object type."""
        node = self.nodes.get((type_name, subgraph))
        return node is not None and node.interface_object

    def possible_types(self, subgraph: str, type_name: str) -> frozenset[str]:
        """Object types the subgraph may return for ``type_name`` (itself for an object type)."""
        cache_key = (subgraph, type_name)
        cached = self._possible.get(cache_key)
        if cached is not None:
            return cached
        graph_type = self.schema.get_type(type_name)
        result: set[str] = set()
        if graph_type is None:
            pass
        elif not is_abstract_type(graph_type):
            if self.has_type(subgraph, type_name):
                result.add(type_name)
        elif self.is_interface_object(subgraph, type_name):
            result = set()
        else:
            model = self.supergraph.types.get(type_name)
            members = model.members if model is not None else {}
            for possible in self.schema.get_possible_types(graph_type):
                if not self.has_type(subgraph, possible.name):
                    continue
                if model is not None and model.kind == "union":
                    if members and possible.name not in members.get(subgraph, set()):
                        continue
                else:
                    implementation = self.supergraph.types.get(possible.name)
                    implements = implementation.implements if implementation is not None else {}
                    if implements and type_name not in implements.get(subgraph, set()):
                        continue
                result.add(possible.name)
        frozen = frozenset(result)
        self._possible[cache_key] = frozen
        return frozen

    def key_edges(self, type_name: str, target: str) -> list[KeyEdge]:
        """Ways into ``(type_name, target)``: its resolvable keys there, or the interface object it implements there."""
        edges = (
            [KeyEdge(target, type_name, key) for key in self.supergraph.types[type_name].keys_in(target)]
            if (type_name in self.supergraph.types)
            else []
        )
        return edges

    def interface_object_edges(self, type_name: str, field_name: str) -> list[tuple[KeyEdge, str]]:
        """``(edge, interface)`` for subgraphs that resolve ``field_name`` on an interface object ``type_name`` implements."""
        edges = []
        for interface, subgraph in self.interface_objects.get(type_name, ()):
            if self.edge(subgraph, interface, field_name) is None:
                continue
            for key in self.supergraph.types[interface].keys_in(subgraph):
                edges.append((KeyEdge(subgraph, interface, key, interface_object=True), interface))
        return edges

    def field_type(self, type_name: str, field_name: str) -> str | None:
        """The named type a field returns in the API schema."""
        graph_type = self.schema.get_type(type_name)
        fields = getattr(graph_type, "fields", None)
        if not fields or field_name not in fields:
            return None
        return str(get_named_type(fields[field_name].type).name)

    def subgraph_field_type(self, subgraph: str, type_name: str, field_name: str) -> str | None:
        """``@join__field(type:)`` of the field in the subgraph, when recorded."""
        model = self.supergraph.field_model(type_name, field_name)
        source = model.sources.get(subgraph) if model is not None else None
        return source.type if source is not None else None

    def type_differs(self, subgraph: str, type_name: str, field_name: str) -> bool:
        """The field's type in the subgraph is not the API's (``String!`` there, ``String`` here)."""
        declared = self.subgraph_field_type(subgraph, type_name, field_name)
        if declared is None:
            return False
        fields = getattr(self.schema.get_type(type_name), "fields", None) or {}
        return field_name in fields and str(fields[field_name].type) != declared

    def is_entity(self, type_name: str) -> bool:
        """The type has a resolvable key in some subgraph."""
        model = self.supergraph.types.get(type_name)
        return model is not None and any(key.resolvable for key in model.keys)
