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

__all__ = ["DEFAULT_LIST_SIZE", "estimated_cost", "limit_rules"]

DEFAULT_LIST_SIZE = 10


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
    """Fields that may be resolved: each field counts 1, times the sizes of the lists above it."""
    return _cost(schema, selection_set, root, fragments, variables, 1, 0)


def _cost(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode,
    parent: Any,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    multiplier: int,
    depth: int,
) -> int:
    if depth > 64:
        return 10**9
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            definition = getattr(parent, "fields", {}).get(selection.name.value)
            total += multiplier
            if definition is None or selection.selection_set is None:
                continue
            size = _list_size(selection, definition.type, variables)
            total += _cost(
                schema, selection.selection_set, get_named_type(definition.type), fragments, variables, multiplier * size, depth + 1
            )
        elif isinstance(selection, InlineFragmentNode):
            condition = schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            total += _cost(schema, selection.selection_set, condition, fragments, variables, multiplier, depth + 1)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            fragment = fragments[selection.name.value]
            total += _cost(
                schema,
                fragment.selection_set,
                schema.get_type(fragment.type_condition.name.value),
                fragments,
                variables,
                multiplier,
                depth + 1,
            )
    return total


def _list_size(node: FieldNode, type_: GraphQLOutputType, variables: dict[str, Any]) -> int:
    for argument in node.arguments or ():
        if argument.name.value in ("first", "last", "limit"):
            if isinstance(argument.value, IntValueNode):
                return max(int(argument.value.value), 1)
            if isinstance(argument.value, VariableNode) and isinstance(variables.get(argument.value.name.value), int):
                return max(int(variables[argument.value.name.value]), 1)
    unwrapped = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return DEFAULT_LIST_SIZE if isinstance(unwrapped, GraphQLList) else 1
