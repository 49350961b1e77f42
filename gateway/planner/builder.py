"""Walking an operation over the query graph into a fetch dependency graph.

Each field is planned in the request of the subgraph the walk is in when that subgraph resolves
it there; otherwise through an edge chosen by :mod:`gateway.planner.paths`: a key edge (the
key's fields planned as *inputs* in the current request, which may themselves take further
hops), a ``@requires`` edge (the required fields planned as inputs the same way, the field then
fetched by ``_entities`` once they are known, even from the subgraph already queried), an
interface-object edge, or a step back to the nearest entity (or root) for a value type's field.
Fragments on types a subgraph does not have are not sent to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    is_abstract_type,
    print_ast,
)

from gateway.planner.fetch_graph import FetchGraph, FetchNode, Input
from gateway.planner.graph import FieldEdge, KeyEdge, QueryGraph
from gateway.planner.paths import Anchor, Step, key_is_local, provided_below, rank, selection_cost
from gateway.selection import INTERNAL, SelectionTree, field_text

__all__ = ["Builder", "PlanningError"]

LOCAL_ROOT_FIELDS = ("__schema", "__type")
MAX_INPUT_DEPTH = 8


class PlanningError(Exception):
    """The operation cannot be planned over these subgraphs (the message names the field and why)."""


@dataclass(frozen=True)
class _At:
    """Where the walk is: the request, its tree, the type, the merge path, the anchor and what is provided."""

    node: FetchNode
    tree: SelectionTree
    type_name: str
    path: tuple[str, ...]
    anchor: Anchor
    provided: SelectionSetNode | None = None


class Builder:
    """Plans one operation; a builder is used once."""

    def __init__(self, graph: QueryGraph, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.graph = graph
        self.fragments = fragments
        self.fetches = FetchGraph()
        self.local: list[FieldNode | InlineFragmentNode] = []
        self._expanded: dict[tuple[int, str], list[FieldNode | InlineFragmentNode]] = {}
        self._touched: list[set[int]] = []
        self._pending: list[tuple[str, tuple[str, ...], str]] = []
        self._group = 0
        self._group_depends: set[int] = set()
        self._mutation = False

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
            self.field(_At(node, tree, root_type, (), anchor), field_node)

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
        found = self._expanded.get(cache_key)
        if found is None:
            found = []
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
            self._expanded[cache_key] = found
        return found

    def selections(self, at: _At, selection_set: SelectionSetNode) -> None:
        """Plan a selection set at ``at``."""
        for selection in self.expand(selection_set, at.type_name):
            if isinstance(selection, InlineFragmentNode):
                self._fragment(at, selection)
            else:
                self.field(at, selection)

    def _fragment(self, at: _At, fragment: InlineFragmentNode) -> None:
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
        self.selections(replace(at, tree=subtree, type_name=condition, anchor=at.anchor.down(step)), fragment.selection_set)

    def field(self, at: _At, node: FieldNode) -> None:
        """Plan one field at ``at``: here, or through an edge."""
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

    def _touch(self, node: FetchNode) -> None:
        """Inputs being planned depend on every request that selects a part of them."""
        if self._touched:
            self._touched[-1].add(node.id)

    def _here(self, at: _At, node: FieldNode, edge: FieldEdge | None, below: SelectionSetNode | None) -> None:
        """The field is resolved by the current request."""
        self._touch(at.node)
        name = node.name.value
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
            anchor = Anchor(at.node, subtree, child_type, path)
        else:
            anchor = at.anchor.down(Step("field", at.type_name, name, response_key, field_text(node)))
        provided = edge.provides if edge is not None and edge.provides is not None else below
        child = _At(at.node, subtree, child_type, path, anchor, provided)
        self.selections(child, node.selection_set)

    def _differs_per_type(self, subgraph: str, type_name: str, field_name: str) -> bool:
        """An interface field some implementation in the subgraph does not resolve there (external, overridden, requires)."""
        for implementation in self.graph.possible_types(subgraph, type_name):
            edge = self.graph.edge(subgraph, implementation, field_name)
            if edge is None or edge.requires is not None:
                return True
        return False

    def _per_type(self, at: _At, node: FieldNode) -> None:
        """Plan an interface field once per implementation the subgraph knows."""
        at.tree.add_internal("__typename")
        for implementation in sorted(self.graph.possible_types(at.node.subgraph, at.type_name)):
            subtree = at.tree.fragment(implementation)
            step = Step("fragment", implementation)
            self.field(replace(at, tree=subtree, type_name=implementation, anchor=at.anchor.down(step)), node)

    # -- edges ---------------------------------------------------------------------------------

    def _join(self, at: _At, node: FieldNode) -> None:
        """The current request cannot resolve ``node``: take a key, requires or interface-object edge, or go back."""
        name = node.name.value
        subgraph = at.node.subgraph
        graph_type = self.graph.schema.get_type(at.type_name)
        options: list[KeyEdge] = []
        if is_abstract_type(graph_type):
            for target in self.graph.resolvers(at.type_name, name):
                edge = self.graph.edge(target, at.type_name, name)
                if target != subgraph or (edge is not None and edge.requires is not None):
                    interface_object = self.graph.is_interface_object(target, at.type_name)
                    options.extend(
                        KeyEdge(target, at.type_name, key, interface_object=interface_object) for key in self._keys(at.type_name, target)
                    )
            options = [option for option in options if not self._cycles(at, option)]
            if not options and self.graph.is_interface_object(subgraph, at.type_name):
                raise PlanningError(
                    f"{at.type_name}.{name}: no subgraph resolves it on the interface, and {subgraph} cannot tell its implementations"
                )
            if not options:
                implementations = self.graph.possible_types(subgraph, at.type_name)
                if not implementations:
                    raise PlanningError(f"{at.type_name}.{name}: subgraph {subgraph} returns no object type for {at.type_name}")
                self._per_type(at, node)
                return
        else:
            for target in self.graph.resolvers(at.type_name, name):
                edge = self.graph.edge(target, at.type_name, name)
                if target == subgraph and (edge is None or edge.requires is None):
                    continue
                options.extend(self.graph.key_edges(at.type_name, target))
            options.extend(edge for edge, _ in self.graph.interface_object_edges(at.type_name, name))
        options = [option for option in options if not self._cycles(at, option)]
        if not options:
            if at.anchor.chain and not self.graph.is_entity(at.type_name):
                self._go_back(at, node)
                return
            raise PlanningError(
                f"{at.type_name}.{name} cannot be reached from subgraph {subgraph}: no key of {at.type_name} leads to a subgraph resolving it"
            )
        option = self._choose(at, node, options)
        self._enter(at, option, node)

    def _keys(self, type_name: str, target: str) -> list:  # type: ignore[type-arg]
        model = self.graph.supergraph.types.get(type_name)
        return model.keys_in(target) if model is not None else []

    def _cycles(self, at: _At, option: KeyEdge) -> bool:
        """The option's key needs a field being collected as an input for this very object."""
        names = {s.name.value for s in option.key.fields.selections if isinstance(s, FieldNode)}
        return any(type_name == at.type_name and path == at.path and name in names for type_name, path, name in self._pending)

    def _choose(self, at: _At, node: FieldNode, options: list[KeyEdge]) -> KeyEdge:
        if len(options) == 1:
            return options[0]
        existing = {(n.subgraph, n.path) for n in self.fetches.nodes}
        ranked = []
        for index, option in enumerate(options):
            local = key_is_local(self.graph, at.node.subgraph, at.type_name, option.key.fields, at.provided)
            edge = self.graph.edge(option.subgraph, option.entity_type, node.name.value)
            cost = 0
            if edge is not None:
                cost = selection_cost(self.graph, option.subgraph, edge.type_name, node.selection_set, self.expand, edge.provides)
                cost += 1 if edge.requires is not None else 0
            ranked.append((rank(option, local, cost, (option.subgraph, at.path) in existing, index), option))
        return min(ranked, key=lambda pair: pair[0])[1]

    def _enter(self, at: _At, option: KeyEdge, node: FieldNode) -> None:
        """Take a key edge (with the field's requirements) and plan ``node`` in the target."""
        edge = self.graph.edge(option.subgraph, option.entity_type, node.name.value)
        requires = edge.requires if edge is not None else None
        target = self._entity_at(at, option, requires)
        if edge is None:
            self.field(target, node)
        else:
            self._here(target, node, edge, None)

    def _entity_at(self, at: _At, option: KeyEdge, requires: SelectionSetNode | None) -> _At:
        """The entity request behind ``option`` at ``at``'s path, its inputs planned in ``at``."""
        at.tree.add_internal("__typename")
        inputs, depends = self._inputs(at, option.key.fields)
        if requires is not None:
            required, more = self._inputs(at, requires)
            inputs = inputs + [replace(item, key=False) for item in required]
            depends |= more
        tag = 0
        while True:  # one request per subgraph and path, unless two representations would clash
            child = self.fetches.entity(option.subgraph, at.path, depends, at.node, str(tag or ""))
            existing = child.parts.get(option.entity_type)
            if existing is None or not _clash(existing.inputs, inputs):
                break
            tag += 1
        if requires is not None and requires not in child.requires:
            child.requires.append(requires)
        part = child.part(option.entity_type, interface_object=option.interface_object)
        part.add_inputs(inputs)
        anchor = Anchor(child, part.tree, option.entity_type, at.path)
        return _At(child, part.tree, option.entity_type, at.path, anchor)

    def _concrete(self, at: _At) -> _At:
        """For an interface a subgraph sees as an object: the request to a subgraph that knows its implementations."""
        candidates = sorted(
            subgraph
            for subgraph in self.graph.supergraph.types[at.type_name].subgraphs
            if not self.graph.is_interface_object(subgraph, at.type_name) and self._keys(at.type_name, subgraph)
        )
        if not candidates:
            raise PlanningError(f"no subgraph resolves the concrete type of {at.type_name} for subgraph {at.node.subgraph}")
        target = candidates[0]
        option = KeyEdge(target, at.type_name, self._keys(at.type_name, target)[0])
        entered = self._entity_at(at, option, None)
        entered.tree.add_internal("__typename")
        return entered

    def _go_back(self, at: _At, node: FieldNode) -> None:
        """A value type's field the current subgraph lacks: fetch the whole chain from the anchor in a subgraph that has it."""
        anchor = at.anchor
        if anchor.root and self._mutation:
            raise PlanningError(
                f"{at.type_name}.{node.name.value} is not resolvable by the subgraph running the mutation ({at.node.subgraph}), "
                "and a mutation is not sent twice"
            )
        for target in self._chain_targets(anchor, at.type_name, node.name.value, at.node.subgraph):
            if anchor.root:
                root = self.fetches.root(target, self._group, self._group_depends)
                tree = root.root_tree
                entered = _At(root, tree, anchor.type_name, (), Anchor(root, tree, anchor.type_name, (), (), root=True))
            else:
                owner = _At(
                    anchor.node, anchor.tree, anchor.type_name, anchor.path, Anchor(anchor.node, anchor.tree, anchor.type_name, anchor.path)
                )
                keys = self._keys(anchor.type_name, target)
                if not keys:
                    continue
                entered = self._entity_at(owner, KeyEdge(target, anchor.type_name, keys[0]), None)
            tree, path, down = entered.tree, entered.path, entered.anchor
            for step in anchor.chain:
                tree = step.enter(tree)
                down = down.down(step)
                if step.kind == "field":
                    path = (*path, step.response_key)
            self.field(_At(entered.node, tree, at.type_name, path, down), node)
            return
        raise PlanningError(
            f"{at.type_name}.{node.name.value} is not resolvable from subgraph {at.node.subgraph}, "
            f"and no subgraph resolves it together with the fields leading to it"
        )

    def _chain_targets(self, anchor: Anchor, type_name: str, field_name: str, current: str) -> list[str]:
        targets = []
        for target in sorted(self.graph.supergraph.subgraphs):
            if target == current or self.graph.edge(target, type_name, field_name) is None:
                continue
            if all(
                (step.kind == "fragment" and self.graph.has_type(target, step.type_name))
                or (step.kind == "field" and self.graph.edge(target, step.type_name, step.name) is not None)
                for step in anchor.chain
            ):
                targets.append(target)
        return targets

    # -- inputs (keys and requirements) --------------------------------------------------------

    def _possible(self, type_name: str) -> frozenset[str]:
        graph_type = self.graph.schema.get_type(type_name)
        if graph_type is None or not is_abstract_type(graph_type):
            return frozenset({type_name})
        return frozenset(t.name for t in self.graph.schema.get_possible_types(graph_type)) | {type_name}

    def _inputs(self, at: _At, fields: SelectionSetNode) -> tuple[list[Input], set[int]]:
        """Plan a key or ``@requires`` field set as internal selections at ``at``; the representation and the requests it needs."""
        if len(self._pending) > MAX_INPUT_DEPTH:
            raise PlanningError(f"{at.type_name}: the keys and requirements at {'.'.join(at.path) or 'the root'} need too many hops")
        names = [(at.type_name, at.path, s.name.value) for s in fields.selections if isinstance(s, FieldNode)]
        self._pending.extend(names)
        self._touched.append(set())
        try:
            aliased, inputs = _aliased(fields, self._possible)
            self.selections(at, aliased)
        finally:
            touched = self._touched.pop()
            del self._pending[len(self._pending) - len(names) :]
        if self._touched:
            self._touched[-1] |= touched
        return inputs, touched | {at.node.id}


def _clash(have: list[Input], add: list[Input]) -> bool:
    """The same representation field read from different response keys (the same field with other arguments)."""
    keys = {item.name: item for item in have if item.type_condition is None}
    return any(item.type_condition is None and item.name in keys and keys[item.name] != item for item in add)


def _aliased(fields: SelectionSetNode, possible: Callable[[str], frozenset[str]]) -> tuple[SelectionSetNode, list[Input]]:
    """A field set with its fields under internal aliases, and the representation read back from them."""
    selections: list[FieldNode | InlineFragmentNode] = []
    inputs: list[Input] = []
    for selection in fields.selections:
        if isinstance(selection, FieldNode):
            alias = _internal_alias(selection)
            below: SelectionSetNode | None = None
            below_inputs: tuple[Input, ...] | None = None
            if selection.selection_set is not None:
                below, listed = _aliased(selection.selection_set, possible)
                below_inputs = tuple(listed)
            selections.append(
                FieldNode(alias=NameNode(value=alias), name=selection.name, arguments=selection.arguments, selection_set=below)
            )
            inputs.append(Input(selection.name.value, alias, below_inputs))
        elif isinstance(selection, InlineFragmentNode):
            inner, inner_inputs = _aliased(selection.selection_set, possible)
            selections.append(InlineFragmentNode(type_condition=selection.type_condition, selection_set=inner))
            condition = selection.type_condition.name.value if selection.type_condition else ""
            inputs.append(Input("", "", tuple(inner_inputs), type_condition=condition, possible=possible(condition)))
    return SelectionSetNode(selections=tuple(selections)), inputs


def _internal_alias(selection: FieldNode) -> str:
    """``_r_<name>``, with a short digest of the arguments when there are any (the same field with other arguments)."""
    if not selection.arguments:
        return INTERNAL + selection.name.value
    printed = " ".join(print_ast(argument) for argument in selection.arguments)
    return f"{INTERNAL}{selection.name.value}_{hashlib.blake2s(printed.encode(), digest_size=4).hexdigest()}"
