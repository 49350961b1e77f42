"""Selection trees the planner builds per subgraph fetch, printed as GraphQL text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graphql import DirectiveNode, FieldNode, VariableNode, Visitor, print_ast, visit

from gateway.shaping_run import INTERNAL

__all__ = ["INTERNAL", "SelectionTree", "field_text", "variables_in"]


def field_text(node: FieldNode) -> str:
    """``alias: name(args) @directives`` of a field, without its selection set."""
    bare = FieldNode(alias=node.alias, name=node.name, arguments=node.arguments, directives=node.directives, selection_set=None)
    return print_ast(bare)


def variables_in(nodes: Iterable[object]) -> set[str]:
    """Names of the variables used anywhere in ``nodes``."""
    found: set[str] = set()

    class Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: object) -> None:
            found.add(node.name.value)

    for node in nodes:
        visit(node, Collect())  # type: ignore[arg-type]
    return found


@dataclass
class SelectionTree:
    """Fields by response key, and inline fragments by type condition (and directives)."""

    fields: dict[str, tuple[str, SelectionTree | None]] = field(default_factory=dict)
    fragments: dict[str, SelectionTree] = field(default_factory=dict)
    variables: set[str] = field(default_factory=set)

    def add_field(self, response_key: str, text: str, *, nested: bool, node: FieldNode | None = None) -> SelectionTree | None:
        """Add (or find) a field; returns its subtree when it has a selection set."""
        existing = self.fields.get(response_key)
        if existing is not None:
            return existing[1]
        subtree = SelectionTree() if nested else None
        self.fields[response_key] = (text, subtree)
        if node is not None:
            self.variables |= variables_in([*(node.arguments or ()), *(node.directives or ())])
        return subtree

    def add_internal(self, name: str, *, nested: bool = False) -> SelectionTree | None:
        """A field the gateway needs (keys, ``__typename``) under a reserved alias."""
        return self.add_field(INTERNAL + name, f"{INTERNAL}{name}: {name}", nested=nested)

    def fragment(self, type_condition: str, directives: Iterable[DirectiveNode] = ()) -> SelectionTree:
        """The subtree under ``... on type_condition``."""
        printed = " ".join(print_ast(directive) for directive in directives)
        key = f"{type_condition} {printed}".strip()
        subtree = self.fragments.setdefault(key, SelectionTree())
        self.variables |= variables_in(directives)
        return subtree

    def all_variables(self) -> set[str]:
        """Variables used in this tree and below."""
        found = set(self.variables)
        for _, subtree in self.fields.values():
            if subtree is not None:
                found |= subtree.all_variables()
        for subtree in self.fragments.values():
            found |= subtree.all_variables()
        return found

    def print(self) -> str:
        """``{ … }`` for this tree."""
        parts = []
        for text, subtree in self.fields.values():
            parts.append(text if subtree is None else f"{text} {subtree.print()}")
        for key, subtree in self.fragments.items():
            parts.append(f"... on {key} {subtree.print()}")
        return "{ " + " ".join(parts or ["__typename"]) + " }"
