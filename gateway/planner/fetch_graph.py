"""The fetch dependency graph: subgraph requests, what each needs first, and where its answer goes.

A root node selects root fields; an entity node sends ``_entities`` for the objects found at its
merge path (lists flattened), one ``... on T`` selection per entity type, the representation of
each object built from its *inputs* (the key, and the ``@requires`` fields, read back from
internal aliases). A node runs once every node it depends on has merged its answer, so
independent nodes run concurrently. Nodes of one subgraph at one path with the same
dependencies are one request; after the walk, :mod:`gateway.planner.merging` makes the requests of
one subgraph at one level one request with several *targets* (merge paths), grouped into
*batches* (one ``_entities`` field per distinct selection).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import SelectionSetNode

from gateway.selection import SelectionTree

__all__ = ["EntityPart", "FetchGraph", "FetchNode", "Input", "Target"]


@dataclass(frozen=True)
class Input:
    """One field of a representation: its name there, the response key it was fetched under, and below."""

    name: str
    response_key: str
    below: tuple[Input, ...] | None = None
    type_condition: str | None = None
    """Set for the entries of an inline fragment (``name`` is then empty and ``below`` the fragment's)."""
    possible: frozenset[str] = frozenset()
    """For a fragment: the object types it applies to."""
    key: bool = True
    """Part of the key (an object without it is not sent); False for ``@requires`` fields."""


@dataclass
class EntityPart:
    """The selection and representation of one entity type inside an entity node."""

    entity_type: str
    tree: SelectionTree = field(default_factory=SelectionTree)
    inputs: list[Input] = field(default_factory=list)
    interface_object: bool = False

    def add_inputs(self, inputs: list[Input]) -> None:
        """Add representation fields not there yet."""
        for item in inputs:
            if item not in self.inputs:
                self.inputs.append(item)


@dataclass(frozen=True)
class Target:
    """Where an entity request's objects are (its merge path) and what it asks of them there."""

    path: tuple[str, ...]
    parts: dict[str, EntityPart]

    @property
    def selection(self) -> str:
        """The ``... on T { … }`` selections of the target (equal for targets that can share one ``_entities`` field)."""
        return " ".join(f"... on {part.entity_type} {part.tree.print()}" for part in self.parts.values())


@dataclass(eq=False)
class FetchNode:
    """One request to one subgraph."""

    id: int
    subgraph: str
    path: tuple[str, ...] = ()
    root_tree: SelectionTree = field(default_factory=SelectionTree)
    """The selection of a root node (unused by entity nodes)."""
    parts: dict[str, EntityPart] = field(default_factory=dict)
    depends: set[int] = field(default_factory=set)
    parent: FetchNode | None = None
    tag: str = ""
    requires: list[SelectionSetNode] = field(default_factory=list)
    """The ``@requires`` field sets collected before this node (its inputs beyond the keys)."""
    children: list[FetchNode] = field(default_factory=list)
    """Nodes created from this one's selection (the tree view of the graph, for printing and tests)."""
    more: list[Target] = field(default_factory=list)
    """Further merge paths of a request merged from several of one subgraph at one level (after ``path``/``parts``)."""
    document: tuple[str, frozenset[str]] | None = None
    """The request's text and the variables it uses, printed once by the executor (plans are cached)."""
    _batches: list[list[Target]] | None = None

    @property
    def targets(self) -> list[Target]:
        """Every merge path of an entity request with its parts: its own first."""
        return [Target(self.path, self.parts), *self.more]

    def batches(self) -> list[list[Target]]:
        """Targets grouped by selection: one ``_entities`` field each, its representations shared by its targets."""
        if self._batches is None:
            grouped: dict[str, list[Target]] = {}
            for target in self.targets:
                grouped.setdefault(target.selection, []).append(target)
            self._batches = list(grouped.values())
        return self._batches

    @property
    def is_root(self) -> bool:
        """Selects root fields (no ``_entities``)."""
        return not self.parts

    def part(self, entity_type: str, *, interface_object: bool = False) -> EntityPart:
        """The entity part for ``entity_type`` (created on first use)."""
        found = self.parts.get(entity_type)
        if found is None:
            found = self.parts[entity_type] = EntityPart(entity_type, interface_object=interface_object)
        return found

    # The shapes older tests and tools read: a single-type node as (entity_type, tree, requires).
    @property
    def entity_type(self) -> str | None:
        """The entity type of a single-type entity node."""
        return next(iter(self.parts)) if self.parts else None

    @property
    def tree(self) -> SelectionTree:
        """The tree of a root node, or of the first entity part."""
        return next(iter(self.parts.values())).tree if self.parts else self.root_tree


@dataclass
class FetchGraph:
    """Every node of a plan, in creation order (a node's dependencies are created before it)."""

    nodes: list[FetchNode] = field(default_factory=list)
    _index: dict[tuple[object, ...], FetchNode] = field(default_factory=dict)
    at: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    """``(subgraph, path)`` of every node: where a request already goes."""

    def root(self, subgraph: str, group: int, depends: set[int]) -> FetchNode:
        """The root node of ``subgraph`` in a group (one per subgraph per group)."""
        key = ("root", subgraph, group)
        found = self._index.get(key)
        if found is None:
            found = self._add(key, subgraph, (), set(depends), None, "")
        return found

    def entity(self, subgraph: str, path: tuple[str, ...], depends: set[int], parent: FetchNode, tag: str = "") -> FetchNode:
        """The entity node of ``subgraph`` at ``path`` after ``depends`` (shared when they are the same)."""
        key = ("entity", subgraph, path, frozenset(depends), tag)
        found = self._index.get(key)
        if found is None:
            found = self._add(key, subgraph, path, set(depends), parent, tag)
        return found

    def _add(
        self, key: tuple[object, ...], subgraph: str, path: tuple[str, ...], depends: set[int], parent: FetchNode | None, tag: str
    ) -> FetchNode:
        node = FetchNode(len(self.nodes), subgraph, path, depends=depends, parent=parent, tag=tag)
        self.nodes.append(node)
        if parent is not None:
            parent.children.append(node)
        self._index[key] = node
        self.at.add((subgraph, path))
        return node

    def children(self, node: FetchNode) -> list[FetchNode]:
        """Nodes that depend on ``node`` directly."""
        return [other for other in self.nodes if node.id in other.depends]
