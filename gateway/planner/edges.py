"""The edges a walk takes when the current request cannot resolve a field.

A key edge plans the key's fields as *inputs* in the current request (taking further hops when
they are not there); a ``@requires`` edge plans the required fields the same way, the field then
fetched by ``_entities`` once they are known (from the subgraph already queried too); an
interface-object edge goes to a subgraph that sees an interface as an object (and back, for the
concrete type); a value type's field goes back to the nearest entity, or the root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace

from graphql import FieldNode, InlineFragmentNode, NameNode, SelectionSetNode, is_abstract_type, print_ast

from gateway.model import EntityKey
from gateway.planner.fetch_graph import Input
from gateway.planner.graph import KeyEdge
from gateway.planner.paths import Anchor, Step, key_is_local, rank, selection_cost
from gateway.planner.state import MAX_INPUT_DEPTH, At, PlanningError, Walk
from gateway.selection import INTERNAL

__all__ = ["Edges", "clash"]


class Edges(Walk):
    """Key, requires, interface-object and go-back edges, and the inputs they collect."""

    def _join(self, at: At, node: FieldNode) -> None:
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
                # Resolved per implementation elsewhere: ask a subgraph that knows them, and plan it there.
                self.field(self._concrete(at), node)
                return
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
            self._go_back(at, node)
            return
        option = self._choose(at, node, options)
        self._enter(at, option, node)

    def _keys(self, type_name: str, target: str) -> list[EntityKey]:
        model = self.graph.supergraph.types.get(type_name)
        return model.keys_in(target) if model is not None else []

    def _cycles(self, at: At, option: KeyEdge) -> bool:
        """The option's key needs a field being collected as an input for this very object."""
        names = {s.name.value for s in option.key.fields.selections if isinstance(s, FieldNode)}
        return any(type_name == at.type_name and path == at.path and name in names for type_name, path, name in self._pending)

    def _choose(self, at: At, node: FieldNode, options: list[KeyEdge]) -> KeyEdge:
        if len(options) == 1:
            return options[0]
        existing = self.fetches.at
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

    def _enter(self, at: At, option: KeyEdge, node: FieldNode) -> None:
        """Take a key edge (with the field's requirements) and plan ``node`` in the target."""
        edge = self.graph.edge(option.subgraph, option.entity_type, node.name.value)
        requires = edge.requires if edge is not None else None
        target = self._entity_at(at, option, requires)
        if edge is None:
            self.field(target, node)
        else:
            self._here(target, node, edge, None)

    def _entity_at(self, at: At, option: KeyEdge, requires: SelectionSetNode | None) -> At:
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
            if existing is None or not clash(existing.inputs, inputs):
                break
            tag += 1
        if requires is not None and requires not in child.requires:
            child.requires.append(requires)
        part = child.part(option.entity_type, interface_object=option.interface_object)
        part.add_inputs(inputs)
        anchor = Anchor(child, part.tree, option.entity_type, at.path, outer=at.anchor)
        return At(child, part.tree, option.entity_type, at.path, anchor)

    def _concrete(self, at: At) -> At:
        """For an interface a subgraph sees as an object: the request to a subgraph that knows its implementations."""
        options = []
        for subgraph in sorted(self.graph.supergraph.types[at.type_name].subgraphs):
            if self.graph.is_interface_object(subgraph, at.type_name):
                continue
            key = self._back_key(at, subgraph)
            if key is not None:
                local = key_is_local(self.graph, at.node.subgraph, at.type_name, key.fields, at.provided)
                options.append((0 if local else 1, subgraph, key))
        if not options:
            raise PlanningError(f"no subgraph resolves the concrete type of {at.type_name} for subgraph {at.node.subgraph}")
        _, target, key = min(options, key=lambda option: (option[0], option[1]))
        entered = self._entity_at(at, KeyEdge(target, at.type_name, key), None)
        entered.tree.add_internal("__typename")
        return entered

    def _go_back(self, at: At, node: FieldNode) -> None:
        """No key leads to a subgraph resolving the field here: fetch it with the fields leading to it from an anchor above.

        The nearest anchor first (the entity holding a value type, or the root), then those above
        it, in a subgraph that resolves the whole chain and has a key of the anchor (or the root field).
        """
        name = node.name.value
        for anchor, chain in at.anchor.ancestors():
            if anchor.root and self._mutation:
                continue  # a mutation is never sent twice
            for target in self._chain_targets(chain, at.type_name, name, at.node.subgraph):
                if anchor.root:
                    root = self.fetches.root(target, self._group, self._group_depends)
                    tree = root.root_tree
                    entered = At(root, tree, anchor.type_name, (), Anchor(root, tree, anchor.type_name, (), (), root=True))
                else:
                    owner = At(anchor.node, anchor.tree, anchor.type_name, anchor.path, replace(anchor, chain=()))
                    key = self._back_key(owner, target)
                    if key is None:
                        continue
                    entered = self._entity_at(owner, KeyEdge(target, anchor.type_name, key), None)
                tree, path, down = entered.tree, entered.path, entered.anchor
                for step in chain:
                    tree = step.enter(tree)
                    down = down.down(step)
                    if step.kind == "field":
                        path = (*path, step.response_key)
                self.field(At(entered.node, tree, at.type_name, path, down), node)
                return
        raise PlanningError(
            f"{at.type_name}.{name} is not resolvable from subgraph {at.node.subgraph}: no key of {at.type_name} leads to a "
            "subgraph resolving it, and no subgraph resolves it together with the fields leading to it"
        )

    def _back_key(self, owner: At, target: str) -> EntityKey | None:
        """A key of the anchor's entity in ``target``, one the anchor's request can give itself first."""
        keys = [key for key in self._keys(owner.type_name, target) if not self._cycles(owner, KeyEdge(target, owner.type_name, key))]
        local = [key for key in keys if key_is_local(self.graph, owner.node.subgraph, owner.type_name, key.fields, owner.provided)]
        preferred = local or keys
        return preferred[0] if preferred else None

    def _chain_targets(self, chain: tuple[Step, ...], type_name: str, field_name: str, current: str) -> list[str]:
        targets = []
        for target in sorted(self.graph.supergraph.subgraphs):
            if target == current or self.graph.edge(target, type_name, field_name) is None:
                continue
            if all(
                (step.kind == "fragment" and self.graph.has_type(target, step.type_name))
                or (step.kind == "field" and self.graph.edge(target, step.type_name, step.name) is not None)
                for step in chain
            ):
                targets.append(target)
        return targets

    # -- inputs (keys and requirements) --------------------------------------------------------

    def _possible(self, type_name: str) -> frozenset[str]:
        graph_type = self.graph.schema.get_type(type_name)
        if graph_type is None or not is_abstract_type(graph_type):
            return frozenset({type_name})
        return frozenset(t.name for t in self.graph.schema.get_possible_types(graph_type)) | {type_name}

    def _inputs(self, at: At, fields: SelectionSetNode) -> tuple[list[Input], set[int]]:
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


def clash(have: list[Input], add: list[Input]) -> bool:
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
