"""Query planning: which subgraph fetches which fields, and how entities are joined.

The operation is walked with the API schema's types. Fields a fetch's subgraph resolves stay in
that fetch; a field only another subgraph resolves makes an entity join: the current fetch also
selects the entity's key (and ``@requires`` fields) under reserved aliases, and a dependent
fetch asks the other subgraph's ``_entities`` for the field, batched for every entity at that
path. Plans depend only on the document and operation name, so they are cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
)

from gateway.model import EntityKey, FieldSource, Supergraph
from gateway.selection import SelectionTree, field_text

__all__ = ["Fetch", "Plan", "PlanningError", "plan"]


class PlanningError(Exception):
    """The operation cannot be planned over these subgraphs."""


@dataclass
class Fetch:
    """One request to one subgraph: root fields, or ``_entities`` of one type at a path."""

    subgraph: str
    path: tuple[str, ...] = ()
    entity_type: str | None = None
    tree: SelectionTree = field(default_factory=SelectionTree)
    children: list[Fetch] = field(default_factory=list)
    keys: list[EntityKey] = field(default_factory=list)
    requires: list[SelectionSetNode] = field(default_factory=list)

    def child(self, subgraph: str, entity_type: str, path: tuple[str, ...], key: EntityKey) -> Fetch:
        """The dependent entity fetch for this subgraph, type and path (one per combination)."""
        for existing in self.children:
            if (existing.subgraph, existing.entity_type, existing.path) == (subgraph, entity_type, path):
                return existing
        created = Fetch(subgraph, path, entity_type, keys=[key])
        self.children.append(created)
        return created


@dataclass
class Plan:
    """Root fetches in steps: one step of parallel fetches for a query, one per field group for a mutation."""

    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    steps: list[list[Fetch]]
    local_fields: list[FieldNode]
    root_type: str


def plan(supergraph: Supergraph, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]) -> Plan:
    """Plan ``operation`` (already validated against the API schema)."""
    planner = _Planner(supergraph, fragments)
    root = _root_type(supergraph.schema, operation.operation)
    steps: list[list[Fetch]] = []
    local: list[FieldNode] = []
    by_subgraph: dict[str, Fetch] = {}
    last: Fetch | None = None
    for selection in planner.flatten(operation.selection_set, root.name):
        if isinstance(selection, FieldNode) and selection.name.value in ("__schema", "__type", "__typename"):
            local.append(selection)
            continue
        assert isinstance(selection, FieldNode)
        resolvers = planner.resolvers(root.name, selection.name.value)
        if not resolvers:
            raise PlanningError(f"no subgraph resolves {root.name}.{selection.name.value}")
        if operation.operation is OperationType.QUERY:
            subgraph = planner.choose(root.name, selection, resolvers, set(by_subgraph))
            fetch = by_subgraph.get(subgraph)
            if fetch is None:
                fetch = by_subgraph[subgraph] = Fetch(subgraph)
                steps = [list(by_subgraph.values())]
        else:
            subgraph = last.subgraph if last is not None and last.subgraph in resolvers else resolvers[0]
            if last is None or last.subgraph != subgraph:
                last = Fetch(subgraph)
                steps.append([last])
            fetch = last
        planner.plan_field(fetch, fetch.tree, root.name, selection, ())
    return Plan(operation, fragments, steps, local, root.name)


def _root_type(schema: GraphQLSchema, operation: OperationType) -> GraphQLObjectType:
    root = schema.get_root_type(operation)
    if root is None:
        raise PlanningError(f"the graph has no {operation.value} type")
    return root


class _Planner:
    def __init__(self, supergraph: Supergraph, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.supergraph = supergraph
        self.schema = supergraph.schema
        self.fragments = fragments

    def choose(self, type_name: str, node: FieldNode, resolvers: list[str], used: set[str]) -> str:
        """The subgraph to start a shareable field from: the one that plans it with the fewest fetches."""
        if len(resolvers) == 1:
            return resolvers[0]
        scores: list[tuple[int, int, str]] = []
        for subgraph in resolvers:
            scratch = Fetch(subgraph)
            try:
                self.plan_field(scratch, scratch.tree, type_name, node, ())
            except PlanningError:
                continue
            scores.append((_count(scratch), 0 if subgraph in used else 1, subgraph))
        if not scores:
            raise PlanningError(f"no subgraph can resolve {type_name}.{node.name.value} with this selection")
        return min(scores)[2]

    def resolvers(self, type_name: str, field_name: str) -> list[str]:
        model = self.supergraph.field_model(type_name, field_name)
        return model.resolvers() if model else []

    def flatten(self, selection_set: SelectionSetNode, type_name: str) -> list[FieldNode | InlineFragmentNode]:
        """Selections with named fragment spreads replaced by inline fragments."""
        flat: list[FieldNode | InlineFragmentNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                flat.append(
                    InlineFragmentNode(
                        type_condition=fragment.type_condition, directives=selection.directives, selection_set=fragment.selection_set
                    )
                )
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                flat.append(selection)
        return flat

    def plan_selections(
        self,
        fetch: Fetch,
        tree: SelectionTree,
        type_name: str,
        selection_set: SelectionSetNode,
        path: tuple[str, ...],
        provided: SelectionSetNode | None = None,
    ) -> None:
        for selection in self.flatten(selection_set, type_name):
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else type_name
                if condition == type_name and not selection.directives:
                    self.plan_selections(fetch, tree, type_name, selection.selection_set, path, provided)
                else:
                    subtree = tree.fragment(condition, selection.directives or ())
                    self.plan_selections(fetch, subtree, condition, selection.selection_set, path, provided)
            else:
                self.plan_field(fetch, tree, type_name, selection, path, provided)

    def plan_field(
        self,
        fetch: Fetch,
        tree: SelectionTree,
        type_name: str,
        node: FieldNode,
        path: tuple[str, ...],
        provided: SelectionSetNode | None = None,
    ) -> None:
        name = node.name.value
        response_key = node.alias.value if node.alias else name
        if name == "__typename":
            tree.add_field(response_key, field_text(node), nested=False, node=node)
            return
        provision = _provided(provided, name)
        if provision is not None or self._resolves(fetch.subgraph, type_name, name):
            subtree = tree.add_field(response_key, field_text(node), nested=node.selection_set is not None, node=node)
            if subtree is not None and node.selection_set is not None:
                child_type = self._field_type(type_name, name)
                if is_abstract_type(self.schema.get_type(child_type)):
                    subtree.add_internal("__typename")
                source = self._source(fetch.subgraph, type_name, name)
                nested = source.provides if source is not None and source.provides is not None else provision
                self.plan_selections(fetch, subtree, child_type, node.selection_set, (*path, response_key), nested)
            return
        self._join(fetch, tree, type_name, node, path)

    def _source(self, subgraph: str, type_name: str, field_name: str) -> FieldSource | None:
        model = self.supergraph.field_model(type_name, field_name)
        return model.sources.get(subgraph) if model else None

    def _join(self, fetch: Fetch, tree: SelectionTree, type_name: str, node: FieldNode, path: tuple[str, ...]) -> None:
        """Fetch ``node`` from another subgraph through the entity ``type_name``."""
        name = node.name.value
        graph_type = self.schema.get_type(type_name)
        if isinstance(graph_type, GraphQLAbstractType):
            self._join_abstract(fetch, tree, graph_type, node, path)
            return
        model = self.supergraph.types.get(type_name)
        if model is None or not model.is_entity:
            raise PlanningError(f"{type_name}.{name} is not resolvable from subgraph {fetch.subgraph}, and {type_name} is not an entity")
        for target in self.resolvers(type_name, name):
            for key in model.keys_in(target):
                if self._selectable(fetch.subgraph, type_name, key.fields):
                    tree.add_internal("__typename")
                    self._add_key(fetch.subgraph, tree, type_name, key.fields)
                    child = fetch.child(target, type_name, path, key)
                    source = self.supergraph.types[type_name].fields[name].sources[target]
                    if source.requires is not None:
                        self._add_key(fetch.subgraph, tree, type_name, source.requires)
                        if source.requires not in child.requires:
                            child.requires.append(source.requires)
                    self.plan_field(child, child.tree, type_name, node, path)
                    return
        raise PlanningError(f"no subgraph can join {type_name}.{name} from subgraph {fetch.subgraph}")

    def _join_abstract(
        self, fetch: Fetch, tree: SelectionTree, abstract: GraphQLAbstractType, node: FieldNode, path: tuple[str, ...]
    ) -> None:
        """A field of an interface some implementations resolve elsewhere: join each implementation on its own."""
        tree.add_internal("__typename")
        for implementation in self.schema.get_possible_types(abstract):
            subtree = tree.fragment(implementation.name)
            if self._resolves(fetch.subgraph, implementation.name, node.name.value):
                self.plan_field(fetch, subtree, implementation.name, node, path)
            else:
                self._join(fetch, subtree, implementation.name, node, path)

    def _resolves(self, subgraph: str, type_name: str, field_name: str) -> bool:
        model = self.supergraph.field_model(type_name, field_name)
        graph_type = self.schema.get_type(type_name)
        if isinstance(graph_type, GraphQLAbstractType) and (model is None or subgraph not in model.resolvers()):
            implementations = self.schema.get_possible_types(graph_type)
            return bool(implementations) and all(self._resolves(subgraph, impl.name, field_name) for impl in implementations)
        return model is not None and subgraph in model.resolvers()

    def _selectable(self, subgraph: str, type_name: str, fields: SelectionSetNode) -> bool:
        """Every field of a key (or requires) field set is resolvable in ``subgraph``."""
        for selection in fields.selections:
            if not isinstance(selection, FieldNode):
                return False
            model = self.supergraph.field_model(type_name, selection.name.value)
            if model is None or subgraph not in model.sources:
                return False
            source = model.sources[subgraph]
            if source.external and not self.supergraph.types[type_name].keys_in(subgraph):
                return False
            if selection.selection_set is not None and not self._selectable(
                subgraph, self._field_type(type_name, selection.name.value), selection.selection_set
            ):
                return False
        return True

    def _add_key(self, subgraph: str, tree: SelectionTree, type_name: str, fields: SelectionSetNode) -> None:
        for selection in fields.selections:
            assert isinstance(selection, FieldNode)
            subtree = tree.add_internal(selection.name.value, nested=selection.selection_set is not None)
            if subtree is not None and selection.selection_set is not None:
                self._add_key(subgraph, subtree, self._field_type(type_name, selection.name.value), selection.selection_set)

    def _field_type(self, type_name: str, field_name: str) -> str:
        graph_type = self.schema.get_type(type_name)
        fields = getattr(graph_type, "fields", None)
        if not fields or field_name not in fields:
            raise PlanningError(f"{type_name} has no field {field_name}")
        return str(get_named_type(fields[field_name].type).name)


def _provided(provided: SelectionSetNode | None, field_name: str) -> SelectionSetNode | None:
    """The part of a ``@provides`` field set under ``field_name`` (an empty set for a leaf), or None."""
    for selection in provided.selections if provided is not None else ():
        if isinstance(selection, FieldNode) and selection.name.value == field_name:
            return selection.selection_set or SelectionSetNode(selections=())
    return None


def _count(fetch: Fetch) -> int:
    """Fetches in a tree."""
    return 1 + sum(_count(child) for child in fetch.children)
