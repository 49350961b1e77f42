"""Walking an operation over the query graph into a fetch dependency graph.

Each field is planned in the request of the subgraph the walk is in when that subgraph resolves
it there, otherwise through an edge (:mod:`gateway.planner.edges`, chosen by
:mod:`gateway.planner.paths`). Root fields go to the subgraph that resolves most of their
selection; fragments on types a subgraph does not have are not sent to it; an interface field
that some implementation resolves elsewhere is planned per implementation.
"""

from __future__ import annotations

from dataclasses import replace

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    is_abstract_type,
)

from gateway.planner.edges import Edges
from gateway.planner.graph import FieldEdge
from gateway.planner.paths import Anchor, Step, provided_below, selection_cost
from gateway.planner.state import At, PlanningError
from gateway.selection import INTERNAL, field_text

__all__ = ["Builder", "PlanningError"]

LOCAL_ROOT_FIELDS = ("__schema", "__type")


class Builder(Edges):
    """Plans one operation; a builder is used once."""

    # -- the operation -------------------------------------------------------------------------

    def operation(self, operation: OperationDefinitionNode, root_type: str) -> None:
        """Plan every root field: one group for a query, one group per run of a subgraph for a mutation."""
        self._mutation = operation.operation is OperationType.MUTATION
        fields = self._root_fields(operation.selection_set, root_type, ())
        last: str | None = None
        for field_node, wrappers in fields:
            resolvers = self.graph.resolvers(root_type, field_node.name.value)
            if not resolvers:
                raise PlanningError(f"no subgraph resolves {root_type}.{field_node.name.value}")
            if operation.operation is OperationType.MUTATION:
                subgraph = last if last in resolvers else self._choose_root(root_type, field_node, resolvers)
                if subgraph != last:
                    if last is not None:
                        self._group += 1
                        self._group_depends = {node.id for node in self.fetches.nodes}
                    last = subgraph
            else:
                subgraph = self._choose_root(root_type, field_node, resolvers)
            node = self.fetches.root(subgraph, self._group, self._group_depends)
            tree = node.root_tree
            for wrapper in wrappers:
                tree = tree.fragment(root_type, wrapper.directives or ())
            anchor = Anchor(node, tree, root_type, (), (), root=True)
            with self._under(tuple(d for wrapper in wrappers for d in wrapper.directives or ())):
                self.field(At(node, tree, root_type, (), anchor), field_node)

    def _root_fields(
        self, selection_set: SelectionSetNode, root_type: str, wrappers: tuple[InlineFragmentNode, ...]
    ) -> list[tuple[FieldNode, tuple[InlineFragmentNode, ...]]]:
        """Root fields through root-level fragments (kept as wrappers when they carry directives)."""
        found: list[tuple[FieldNode, tuple[InlineFragmentNode, ...]]] = []
        for selection in self.expand(selection_set, root_type):
            if isinstance(selection, InlineFragmentNode):
                inner = (*wrappers, selection) if selection.directives else wrappers
                found.extend(self._root_fields(selection.selection_set, root_type, inner))
                continue
            name = selection.name.value
            if name == "__typename":
                continue
            if name in LOCAL_ROOT_FIELDS:
                local: FieldNode | InlineFragmentNode = selection
                for wrapper in reversed(wrappers):
                    local = InlineFragmentNode(
                        type_condition=wrapper.type_condition,
                        directives=wrapper.directives,
                        selection_set=SelectionSetNode(selections=(local,)),
                    )
                self.local.append(local)
                continue
            found.append((selection, wrappers))
        return found

    def _choose_root(self, root_type: str, field_node: FieldNode, resolvers: list[str]) -> str:
        """The subgraph that resolves most of the root field's selection itself (one already used on a tie)."""
        if len(resolvers) == 1:
            return resolvers[0]
        used = {node.subgraph for node in self.fetches.nodes if node.is_root}
        scored = []
        for index, subgraph in enumerate(resolvers):
            edge = self.graph.edge(subgraph, root_type, field_node.name.value)
            assert edge is not None
            cost = selection_cost(self.graph, subgraph, edge.type_name, field_node.selection_set, self.expand, edge.provides)
            scored.append((cost, 0 if subgraph in used else 1, index, subgraph))
        return min(scored)[3]

    # -- selections ----------------------------------------------------------------------------

    def expand(self, selection_set: SelectionSetNode, type_name: str) -> list[FieldNode | InlineFragmentNode]:
        """Selections with named spreads as inline fragments; once per (selection set, type)."""
        cache_key = (id(selection_set), type_name)
        cached = self._expanded.get(cache_key)
        if cached is not None and cached[0] is selection_set:  # the set itself is kept, so its id is not reused
            return cached[1]
        found: list[FieldNode | InlineFragmentNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                found.append(
                    InlineFragmentNode(
                        type_condition=fragment.type_condition, directives=selection.directives, selection_set=fragment.selection_set
                    )
                )
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                found.append(selection)
        self._expanded[cache_key] = (selection_set, found)
        return found

    def selections(self, at: At, selection_set: SelectionSetNode) -> None:
        """Plan a selection set at ``at``."""
        for selection in self.expand(selection_set, at.type_name):
            if isinstance(selection, InlineFragmentNode):
                self._fragment(at, selection)
            else:
                self.field(at, selection)

    def _fragment(self, at: At, fragment: InlineFragmentNode) -> None:
        condition = fragment.type_condition.name.value if fragment.type_condition else at.type_name
        if condition == at.type_name and not fragment.directives:
            self.selections(at, fragment.selection_set)
            return
        subgraph = at.node.subgraph
        if condition != at.type_name and self.graph.is_interface_object(subgraph, at.type_name):
            # The subgraph cannot tell the implementations apart: ask one that can.
            concrete = self._concrete(at)
            self._fragment(concrete, fragment)
            return
        here = self.graph.possible_types(subgraph, at.type_name)
        there = self.graph.possible_types(subgraph, condition)
        if condition != at.type_name and not (here & there) and not self.graph.is_interface_object(subgraph, condition):
            return  # no object this subgraph returns here can be of that type
        subtree = at.tree.fragment(condition, fragment.directives or ())
        step = Step("fragment", condition)
        with self._under(fragment.directives):
            self.selections(replace(at, tree=subtree, type_name=condition, anchor=at.anchor.down(step)), fragment.selection_set)

    def field(self, at: At, node: FieldNode) -> None:
        """Plan one field at ``at``: here, or through an edge (under the field's ``@skip``/``@include``)."""
        if node.directives:
            with self._under(node.directives):
                self._field(at, node)
        else:
            self._field(at, node)

    def _field(self, at: At, node: FieldNode) -> None:
        self._touch(at.node)
        name = node.name.value
        subgraph = at.node.subgraph
        if name == "__typename":
            if self.graph.is_interface_object(subgraph, at.type_name):
                concrete = self._concrete(at)
                concrete.tree.add_field(node.alias.value if node.alias else name, field_text(node), nested=False, node=node)
            else:
                at.tree.add_field(node.alias.value if node.alias else name, field_text(node), nested=False, node=node)
            return
        edge = self.graph.edge(subgraph, at.type_name, name)
        below = provided_below(at.provided, name, at.type_name)
        if below is not None and (edge is None or edge.requires is None):
            self._here(at, node, edge, below)
            return
        if edge is not None and edge.requires is None:
            if is_abstract_type(self.graph.schema.get_type(at.type_name)) and self._differs_per_type(subgraph, at.type_name, name):
                self._per_type(at, node)
                return
            self._here(at, node, edge, None)
            return
        self._join(at, node)

    def _here(self, at: At, node: FieldNode, edge: FieldEdge | None, below: SelectionSetNode | None) -> None:
        """The field is resolved by the current request."""
        self._touch(at.node)
        name = node.name.value
        if edge is not None and edge.context:
            raise PlanningError(f"{at.type_name}.{name} takes arguments from an ancestor (@fromContext), which this gateway does not plan")
        response_key = node.alias.value if node.alias else name
        if not response_key.startswith(INTERNAL) and self.graph.type_differs(at.node.subgraph, at.type_name, name):
            # Beside a fragment on another type, the subgraph would see two types under one response key.
            response_key = f"{INTERNAL}{at.type_name}_{response_key}"
            node = FieldNode(
                alias=NameNode(value=response_key),
                name=node.name,
                arguments=node.arguments,
                directives=node.directives,
                selection_set=node.selection_set,
            )
        subtree = at.tree.add_field(response_key, field_text(node), nested=node.selection_set is not None, node=node)
        if subtree is None or node.selection_set is None:
            return
        child_type = edge.type_name if edge is not None else self.graph.field_type(at.type_name, name)
        if child_type is None:
            raise PlanningError(f"{at.type_name}.{name} has no type")
        abstract = is_abstract_type(self.graph.schema.get_type(child_type))
        if abstract:
            subtree.add_internal("__typename")
        path = (*at.path, response_key)
        if self.graph.is_entity(child_type) and not abstract:
            step = Step("field", at.type_name, name, response_key, field_text(node))
            anchor = Anchor(at.node, subtree, child_type, path, outer=at.anchor.down(step))
        else:
            anchor = at.anchor.down(Step("field", at.type_name, name, response_key, field_text(node)))
        provided = edge.provides if edge is not None and edge.provides is not None else below
        child = At(at.node, subtree, child_type, path, anchor, provided)
        self.selections(child, node.selection_set)

    def _differs_per_type(self, subgraph: str, type_name: str, field_name: str) -> bool:
        """An interface field some implementation in the subgraph does not resolve there (external, overridden, requires)."""
        for implementation in self.graph.possible_types(subgraph, type_name):
            edge = self.graph.edge(subgraph, implementation, field_name)
            if edge is None or edge.requires is not None:
                return True
        return False

    def _per_type(self, at: At, node: FieldNode) -> None:
        """Plan an interface field once per implementation the subgraph knows."""
        at.tree.add_internal("__typename")
        for implementation in sorted(self.graph.possible_types(at.node.subgraph, at.type_name)):
            subtree = at.tree.fragment(implementation)
            step = Step("fragment", implementation)
            self.field(replace(at, tree=subtree, type_name=implementation, anchor=at.anchor.down(step)), node)
