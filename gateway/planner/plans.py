"""A finished plan: the fetch dependency graph of one operation, and what the gateway answers itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import DirectiveNode, FieldNode, FragmentDefinitionNode, InlineFragmentNode, OperationDefinitionNode, print_ast

from gateway.planner.fetch_graph import FetchNode

__all__ = ["Plan"]


@dataclass
class Plan:
    """Every request of an operation (dependencies before dependents), the fields answered locally, the root type."""

    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    nodes: list[FetchNode]
    local_fields: list[FieldNode | InlineFragmentNode]
    root_type: str
    variable_definitions: dict[str, str] = field(default_factory=dict)
    """``{name: "$name: Type = default"}`` as the operation declares them, for the subgraph requests."""
    hidden_enums: frozenset[str] = frozenset()
    conditions: dict[int, tuple[DirectiveNode, ...]] = field(default_factory=dict)
    """Per request id: the ``@skip``/``@include`` all its selections are under (absent: always sent)."""
    """Enums with values a subgraph may return that the API hides (``@inaccessible``): checked when shaping."""
    sizing: tuple[str, ...] | None = None
    """The variables that size lists (``first``/``last``/``limit``), the only ones the estimated cost depends on (found once)."""
    costs: dict[tuple[Any, ...], int] = field(default_factory=dict)
    """Estimated costs already worked out, by the values of :attr:`sizing` (a few kept)."""

    @property
    def steps(self) -> list[list[FetchNode]]:
        """Root requests grouped by run (one group for a query; a mutation's groups run one after another)."""
        groups: list[list[FetchNode]] = []
        seen: dict[frozenset[int], int] = {}
        for node in self.nodes:
            if node.parent is None:
                key = frozenset(node.depends)
                if key not in seen:
                    seen[key] = len(groups)
                    groups.append([])
                groups[seen[key]].append(node)
        return groups


def variable_definitions(operation: OperationDefinitionNode) -> dict[str, str]:
    """Each variable's definition as subgraph requests repeat it, default value included."""
    found = {}
    for definition in operation.variable_definitions or ():
        text = f"${definition.variable.name.value}: {print_ast(definition.type)}"
        if definition.default_value is not None:
            text += f" = {print_ast(definition.default_value)}"
        found[definition.variable.name.value] = text
    return found


__all__ += ["variable_definitions"]
