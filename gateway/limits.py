"""Edge limits of the gateway: depth, aliases and tokens (as in the subgraphs) and an estimated cost."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases
from strawberry.extensions.query_depth_limiter import create_validator as max_depth

__all__ = ["DEFAULT_LIST_SIZE", "SIZING_ARGUMENTS", "estimated_cost", "limit_rules", "sizing_variables"]

DEFAULT_LIST_SIZE = 10
SIZING_ARGUMENTS = ("first", "last", "limit")
"""The arguments whose value sizes a list in the estimate."""


def limit_rules(depth: int, aliases: int) -> list[type[ValidationRule]]:
    """Validation rules for the depth and alias limits."""
    return [max_depth(depth, None), max_aliases(aliases)]


def estimated_cost(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode,
    root: GraphQLObjectType,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> int:
    """Fields that may be resolved: each field counts 1, times the sizes of the lists above it.

    A selection set's cost for one parent object is worked out once (per parent type) and then
    multiplied, so a fragment spread many times is analysed once: linear in the document.
    """
    return _Cost(schema, fragments, variables).of(selection_set, root)


def sizing_variables(selection_sets: list[SelectionSetNode]) -> tuple[str, ...]:
    """The variables given to a sizing argument anywhere below these selection sets (the operation's and its fragments'), sorted.

    The estimated cost reads no other variable, so it can be kept per vector of their values.
    """
    found: set[str] = set()
    pending = list(selection_sets)
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                for argument in selection.arguments or ():
                    if argument.name.value in SIZING_ARGUMENTS and isinstance(argument.value, VariableNode):
                        found.add(argument.value.name.value)
                if selection.selection_set is not None:
                    pending.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
    return tuple(sorted(found))


class _Cost:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.known: dict[tuple[int, str], int] = {}

    def of(self, selection_set: SelectionSetNode, parent: Any) -> int:
        """The cost of ``selection_set`` for one object of ``parent`` (memoized)."""
        key = (id(selection_set), getattr(parent, "name", ""))
        known = self.known.get(key)
        if known is not None:
            return known
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1
                definition = getattr(parent, "fields", {}).get(selection.name.value)
                if definition is not None and selection.selection_set is not None:
                    size = _list_size(selection, definition.type, self.variables)
                    total += size * self.of(selection.selection_set, get_named_type(definition.type))
            elif isinstance(selection, InlineFragmentNode):
                condition = self.schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
                total += self.of(selection.selection_set, condition)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in self.fragments:
                fragment = self.fragments[selection.name.value]
                total += self.of(fragment.selection_set, self.schema.get_type(fragment.type_condition.name.value))
        self.known[key] = total
        return total


def _list_size(node: FieldNode, type_: GraphQLOutputType, variables: dict[str, Any]) -> int:
    for argument in node.arguments or ():
        if argument.name.value in SIZING_ARGUMENTS:
            if isinstance(argument.value, IntValueNode):
                return max(int(argument.value.value), 1)
            if isinstance(argument.value, VariableNode) and isinstance(variables.get(argument.value.name.value), int):
                return max(int(variables[argument.value.name.value]), 1)
    unwrapped = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return DEFAULT_LIST_SIZE if isinstance(unwrapped, GraphQLList) else 1
