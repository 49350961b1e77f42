"""What the walk over an operation shares: where it is (:class:`At`), its state, and the refusal it raises."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from graphql import DirectiveNode, FieldNode, FragmentDefinitionNode, InlineFragmentNode, SelectionSetNode

from gateway.planner.fetch_graph import FetchGraph, FetchNode
from gateway.planner.graph import FieldEdge, QueryGraph
from gateway.planner.paths import Anchor
from gateway.selection import SelectionTree

__all__ = ["At", "PlanningError", "Walk"]

MAX_INPUT_DEPTH = 8


class PlanningError(Exception):
    """The operation cannot be planned over these subgraphs (the message names the field and why)."""


@dataclass(frozen=True)
class At:
    """Where the walk is: the request, its tree, the type, the merge path, the anchor and what is provided."""

    node: FetchNode
    tree: SelectionTree
    type_name: str
    path: tuple[str, ...]
    anchor: Anchor
    provided: SelectionSetNode | None = None


class Walk:
    """The state of one planning walk; the builder and its edges share it."""

    def __init__(self, graph: QueryGraph, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.graph = graph
        self.fragments = fragments
        self.fetches = FetchGraph()
        self.local: list[FieldNode | InlineFragmentNode] = []
        self._expanded: dict[tuple[int, str], tuple[SelectionSetNode, list[FieldNode | InlineFragmentNode]]] = {}
        self._touched: list[set[int]] = []
        self._pending: list[tuple[str, tuple[str, ...], str]] = []
        self._group = 0
        self._group_depends: set[int] = set()
        self._mutation = False
        self._conditions: tuple[DirectiveNode, ...] = ()
        self.conditions: dict[int, tuple[DirectiveNode, ...]] = {}
        """``@skip``/``@include`` every selection of a request is under: the request is not sent when they exclude it."""

    def _touch(self, node: FetchNode) -> None:
        """Inputs being planned depend on every request that selects a part of them; a request keeps the conditions all its selections share."""
        if self._touched:
            self._touched[-1].add(node.id)
        found = self.conditions.get(node.id)
        if found is None:
            self.conditions[node.id] = self._conditions
        elif found != self._conditions:
            shared = 0
            while shared < min(len(found), len(self._conditions)) and found[shared] == self._conditions[shared]:
                shared += 1
            self.conditions[node.id] = found[:shared]

    @contextmanager
    def _under(self, directives: Iterable[DirectiveNode] | None) -> Iterator[None]:
        """Plan what follows under these ``@skip``/``@include`` directives too."""
        conditional = tuple(d for d in directives or () if d.name.value in ("skip", "include"))
        saved = self._conditions
        self._conditions = saved + conditional
        try:
            yield
        finally:
            self._conditions = saved

    # The walk's steps, defined by the builder.
    def selections(self, at: At, selection_set: SelectionSetNode) -> None:
        """Plan a selection set at ``at``."""
        raise NotImplementedError

    def field(self, at: At, node: FieldNode) -> None:
        """Plan one field at ``at``."""
        raise NotImplementedError

    def expand(self, selection_set: SelectionSetNode, type_name: str) -> list[FieldNode | InlineFragmentNode]:
        """Selections with named spreads as inline fragments."""
        raise NotImplementedError

    def _here(self, at: At, node: FieldNode, edge: FieldEdge | None, below: SelectionSetNode | None) -> None:
        raise NotImplementedError

    def _per_type(self, at: At, node: FieldNode) -> None:
        raise NotImplementedError
