"""The supergraph model: every type and field, and which subgraphs can resolve what.

Built by composition from subgraph SDLs (or from a supergraph SDL with ``join__`` directives);
the planner asks it which subgraph resolves a field and how to reach an entity in another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import GraphQLSchema, SelectionSetNode

__all__ = ["EntityKey", "FieldModel", "FieldSource", "Subgraph", "Supergraph", "TypeModel"]


@dataclass(frozen=True)
class Subgraph:
    """A subgraph the gateway fetches from."""

    name: str
    url: str


@dataclass
class FieldSource:
    """How one subgraph defines a field."""

    subgraph: str
    external: bool = False
    requires: SelectionSetNode | None = None
    provides: SelectionSetNode | None = None
    overridden: bool = False
    type: str | None = None
    """The field's type in this subgraph when it differs from the supergraph's (``@join__field(type:)``)."""
    context: bool = False
    """Some argument comes from an ancestor (``@fromContext``, ``@join__field(contextArguments:)``): not planned."""

    @property
    def resolvable(self) -> bool:
        """The subgraph resolves this field itself."""
        return not self.external and not self.overridden


@dataclass
class FieldModel:
    """A field of the supergraph and its sources."""

    name: str
    sources: dict[str, FieldSource] = field(default_factory=dict)

    def resolvers(self) -> list[str]:
        """Subgraphs that resolve the field, in a stable order."""
        return sorted(name for name, source in self.sources.items() if source.resolvable)


@dataclass(frozen=True)
class EntityKey:
    """A ``@key`` of an entity in one subgraph."""

    subgraph: str
    fields: SelectionSetNode
    resolvable: bool = True


@dataclass
class TypeModel:
    """A named type of the supergraph."""

    name: str
    kind: str
    subgraphs: set[str] = field(default_factory=set)
    fields: dict[str, FieldModel] = field(default_factory=dict)
    keys: list[EntityKey] = field(default_factory=list)
    interface_object_in: set[str] = field(default_factory=set)
    implements: dict[str, set[str]] = field(default_factory=dict)
    """Interfaces this type implements, per subgraph (``@join__implements``); empty when not recorded."""
    members: dict[str, set[str]] = field(default_factory=dict)
    """Union members per subgraph (``@join__unionMember``); empty when not recorded."""
    enum_values: dict[str, set[str]] = field(default_factory=dict)
    """Enum values per subgraph (``@join__enumValue``); empty when not recorded."""

    def keys_in(self, subgraph: str) -> list[EntityKey]:
        """Resolvable keys of this entity in a subgraph."""
        return [key for key in self.keys if key.subgraph == subgraph and key.resolvable]

    @property
    def is_entity(self) -> bool:
        """Has at least one ``@key``."""
        return bool(self.keys)


@dataclass
class Supergraph:
    """The composed graph: the API schema clients see, and the federation metadata."""

    schema: GraphQLSchema
    subgraphs: dict[str, Subgraph]
    types: dict[str, TypeModel]
    sdl: str = ""
    derived: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    """What is computed once from the graph (the planner's query graph), kept with it."""

    def field_model(self, type_name: str, field_name: str) -> FieldModel | None:
        """The field's federation metadata."""
        model = self.types.get(type_name)
        return model.fields.get(field_name) if model else None
