"""Path finding: which edge a field takes, chosen by a bounded cost, and where to go back to.

Each field that the current subgraph cannot resolve has a small option set (every subgraph
that resolves it, through each of its keys or an interface object). Options are ranked by
the hops their key needs, what of the field's selection the target cannot resolve itself, and
whether a request to the target at that path already exists. The cost of an option looks at
the field's own selection once (no recursion into further choices), so planning stays
polynomial in the operation's size times the number of subgraphs.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode

from gateway.planner.fetch_graph import FetchNode
from gateway.planner.graph import KeyEdge, QueryGraph
from gateway.selection import SelectionTree

__all__ = ["Anchor", "Step", "key_is_local", "provided_below", "rank", "selection_cost"]

VALUE_TYPE_COST = 10
MISSING_TYPE_COST = 2
"""A fragment on a type the subgraph lacks: it would never return such objects, so prefer one that has the type."""
MAX_COST_DEPTH = 6


@dataclass(frozen=True)
class Step:
    """One step from an anchor down to a value type: a field (parent type, name, response key, text) or a fragment."""

    kind: str
    type_name: str
    name: str = ""
    response_key: str = ""
    text: str = ""

    def enter(self, tree: SelectionTree) -> SelectionTree:
        """The same step in another request's tree."""
        if self.kind == "fragment":
            return tree.fragment(self.type_name)
        subtree = tree.add_field(self.response_key, self.text, nested=True)
        assert subtree is not None
        return subtree


@dataclass(frozen=True)
class Anchor:
    """The nearest entity (or the root) above the current selection, to go back to for a value type's field."""

    node: FetchNode
    tree: SelectionTree
    type_name: str
    path: tuple[str, ...]
    chain: tuple[Step, ...] = ()
    root: bool = False
    outer: Anchor | None = None
    """The anchor above this entity, its chain ending at this entity: to go back further when this one cannot."""

    def down(self, step: Step) -> Anchor:
        """The same anchor one step further down."""
        return Anchor(self.node, self.tree, self.type_name, self.path, (*self.chain, step), self.root, self.outer)

    def ancestors(self) -> list[tuple[Anchor, tuple[Step, ...]]]:
        """This anchor and those above it, each with the chain from it down to here; nearest first."""
        found: list[tuple[Anchor, tuple[Step, ...]]] = [(self, self.chain)]
        chain, anchor = self.chain, self
        while anchor.outer is not None:
            anchor = anchor.outer
            chain = (*anchor.chain, *chain)
            found.append((anchor, chain))
        return found


def provided_below(provided: SelectionSetNode | None, field_name: str, type_name: str) -> SelectionSetNode | None:
    """The part of a ``@provides`` field set under ``field_name`` of ``type_name`` (an empty set for a leaf), or None.

    A fragment of the field set (``... on Book { title }``) provides only for its own type.
    """
    if provided is None:
        return None
    for selection in provided.selections:
        if isinstance(selection, FieldNode) and selection.name.value == field_name:
            return selection.selection_set or SelectionSetNode(selections=())
        if isinstance(selection, InlineFragmentNode) and (
            selection.type_condition is None or selection.type_condition.name.value == type_name
        ):
            found = provided_below(selection.selection_set, field_name, type_name)
            if found is not None:
                return found
    return None


def key_is_local(graph: QueryGraph, subgraph: str, type_name: str, fields: SelectionSetNode, provided: SelectionSetNode | None) -> bool:
    """Every field of a key is resolvable (or provided) in ``subgraph`` without another hop."""
    for selection in fields.selections:
        if not isinstance(selection, FieldNode):
            return False
        name = selection.name.value
        edge = graph.edge(subgraph, type_name, name)
        below = provided_below(provided, name, type_name)
        if (edge is None or edge.requires is not None) and below is None:
            return False
        if selection.selection_set is not None:
            child = graph.field_type(type_name, name)
            if child is None or not key_is_local(graph, subgraph, child, selection.selection_set, below):
                return False
    return True


def selection_cost(
    graph: QueryGraph,
    subgraph: str,
    type_name: str,
    selection_set: SelectionSetNode | None,
    expand: object,
    provided: SelectionSetNode | None = None,
    depth: int = 0,
) -> int:
    """What ``subgraph`` cannot resolve itself of a selection: 1 per entity join, more per value-type field."""
    if selection_set is None or depth > MAX_COST_DEPTH:
        return 0
    cost = 0
    for selection in expand(selection_set, type_name):  # type: ignore[operator]
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else type_name
            if graph.possible_types(subgraph, condition) or condition == type_name:
                cost += selection_cost(graph, subgraph, condition, selection.selection_set, expand, provided, depth + 1)
            else:
                cost += MISSING_TYPE_COST
            continue
        name = selection.name.value
        if name == "__typename":
            continue
        edge = graph.edge(subgraph, type_name, name)
        below = provided_below(provided, name, type_name)
        if (edge is not None and edge.requires is None) or below is not None:
            child = edge.type_name if edge is not None else graph.field_type(type_name, name)
            if child is not None:
                nested = edge.provides if edge is not None and edge.provides is not None else below
                cost += selection_cost(graph, subgraph, child, selection.selection_set, expand, nested, depth + 1)
        elif graph.is_entity(type_name) or graph.possible_types(subgraph, type_name) != frozenset({type_name}):
            cost += 1
        else:
            cost += VALUE_TYPE_COST
    return cost


def rank(option: KeyEdge, local: bool, cost: int, existing: bool, index: int) -> tuple[int, int, int, int]:
    """The order options are tried in: fewer hops, less left to join, an existing request, then stable."""
    return (0 if local else 1, cost, 0 if existing else 1, index)
