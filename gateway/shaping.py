"""Shaping a response exactly as the operation asked, from the merged subgraph answers.

Fields by response key (aliases, fragments by runtime type, ``@skip``/``@include`` decided),
one response key selected twice merged, ``__typename``, GraphQL's null bubbling, and enum values
the API hides turned into null with an error. The fields a selection set yields for an object
type are worked out once per request and reused for every object of a list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionSetNode,
    get_directive_values,
    is_abstract_type,
)
from graphql.execution.values import VariableValues

from gateway.selection import INTERNAL

__all__ = ["FAILED", "Shaper", "typename"]

_ABSENT = object()
FAILED = INTERNAL + "failed"
"""Marks an object whose entity fetch failed with an error: it is null in the response."""


def typename(obj: Mapping[str, Any]) -> str | None:
    """The object's type: the internal ``__typename`` the gateway asked for, else the client's."""
    name = obj.get(INTERNAL + "__typename", obj.get("__typename"))
    return name if isinstance(name, str) else None


Path = tuple[Any, ...]
"""A response path as nested pairs ``(parent, key)``; built for every field, flattened only for an error."""


def _flatten(path: Path) -> list[Any]:
    keys: list[Any] = []
    while path:
        path, key = path
        keys.append(key)
    keys.reverse()
    return keys


class Shaper:
    """Builds the response exactly as the operation asked, with null bubbling.

    The fields a selection set yields for an object type (fragments applied, ``@skip`` and
    ``@include`` decided) are worked out once per request and reused for every object of a list.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues | None,
        errors: list[dict[str, Any]],
        enums: frozenset[str] = frozenset(),
    ) -> None:
        self.schema = schema
        self.enums = enums
        self.fragments = fragments
        self.variables = variables
        self.errors = errors
        self._planned: dict[tuple[int, str], list[tuple[str, FieldNode, GraphQLOutputType | None]]] = {}

    def object(
        self, value: Mapping[str, Any], parent: GraphQLObjectType, selection_set: SelectionSetNode, path: Path
    ) -> tuple[dict[str, Any] | None, bool]:
        out: dict[str, Any] = {}
        for key, node, field_type in self._plan(selection_set, parent):
            if field_type is None:
                out[key] = value.get(key) or typename(value) or parent.name
                continue
            raw = value.get(key, _ABSENT)
            if raw is _ABSENT:  # fetched under an alias: the subgraph's type of this field differs (see the planner)
                raw = value.get(f"{INTERNAL}{parent.name}_{key}")
            completed, ok = self.complete(raw, field_type, node, (path, key))
            if not ok:
                return None, False
            out[key] = completed
        return out, True

    def _plan(self, selection_set: SelectionSetNode, parent: GraphQLObjectType) -> list[tuple[str, FieldNode, GraphQLOutputType | None]]:
        """``(response key, field node, field type)`` in order; the type is None for ``__typename``."""
        cache_key = (id(selection_set), parent.name)
        planned = self._planned.get(cache_key)
        if planned is None:
            planned = []
            seen: dict[str, int] = {}
            for node in self._fields(selection_set, parent):
                key = node.alias.value if node.alias else node.name.value
                if key in seen:
                    if node.selection_set is not None:  # the same field again: its selections add to the first's
                        index = seen[key]
                        first = planned[index][1]
                        merged = _merged_node(first, node)
                        planned[index] = (key, merged, planned[index][2])
                    continue
                if node.name.value == "__typename":
                    seen[key] = len(planned)
                    planned.append((key, node, None))
                    continue
                definition = parent.fields.get(node.name.value)
                if definition is None:
                    continue
                seen[key] = len(planned)
                planned.append((key, node, definition.type))
            self._planned[cache_key] = planned
        return planned

    def complete(self, value: Any, type_: GraphQLOutputType, node: FieldNode, path: Path) -> tuple[Any, bool]:
        if isinstance(type_, GraphQLNonNull):
            completed, ok = self.complete(value, type_.of_type, node, path)
            if completed is None:
                self._null_error(node, path)
                return None, False
            return completed, ok
        if value is None:
            return None, True
        if isinstance(type_, GraphQLList):
            if not isinstance(value, list):
                return None, True
            items = []
            item_type = type_.of_type
            for index, item in enumerate(value):
                completed, ok = self.complete(item, item_type, node, (path, index))
                if not ok:
                    return None, True
                items.append(completed)
            return items, True
        if node.selection_set is None:
            if self.enums and isinstance(type_, GraphQLEnumType) and type_.name in self.enums and value not in type_.values:
                self.errors.append({"message": f"Enum {type_.name} cannot represent value: {value!r}", "path": _flatten(path)})
                return None, True
            return value, True
        if not isinstance(value, dict) or value.get(FAILED):
            return None, True
        runtime = self._runtime_type(type_, value)
        if runtime is None:
            return None, True
        shaped, ok = self.object(value, runtime, node.selection_set, path)
        return (shaped, True) if ok else (None, True)

    def _runtime_type(self, type_: GraphQLOutputType, value: Mapping[str, Any]) -> GraphQLObjectType | None:
        if isinstance(type_, GraphQLObjectType):
            return type_
        name = typename(value)
        runtime = self.schema.get_type(name) if name else None
        if isinstance(runtime, GraphQLInterfaceType):
            # From a subgraph that sees the interface as an object, asked for no type condition: its fields are the interface's.
            return runtime  # type: ignore[return-value]
        return runtime if isinstance(runtime, GraphQLObjectType) else None

    def _fields(self, selection_set: SelectionSetNode, parent: GraphQLObjectType) -> list[FieldNode]:
        fields: list[FieldNode] = []
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                fields.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition.name.value if selection.type_condition else None, parent):
                    fields.extend(self._fields(selection.selection_set, parent))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                if self._applies(fragment.type_condition.name.value, parent):
                    fields.extend(self._fields(fragment.selection_set, parent))
        return fields

    def _applies(self, condition: str | None, parent: GraphQLObjectType) -> bool:
        if condition is None or condition == parent.name:
            return True
        condition_type = self.schema.get_type(condition)
        return condition_type is not None and is_abstract_type(condition_type) and self.schema.is_sub_type(condition_type, parent)

    def _included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode | Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include and include.get("if") is False)

    def _null_error(self, node: FieldNode, path: Path) -> None:
        keys = _flatten(path)
        if any(_prefix(error.get("path"), keys) for error in self.errors):
            return
        self.errors.append({"message": f"Cannot return null for non-nullable field {node.name.value}.", "path": keys})


def _merged_node(first: FieldNode, again: FieldNode) -> FieldNode:
    """One field node with the selections of two nodes of the same response key."""
    selections = (
        *(first.selection_set.selections if first.selection_set else ()),
        *(again.selection_set.selections if again.selection_set else ()),
    )
    return FieldNode(
        alias=first.alias,
        name=first.name,
        arguments=first.arguments,
        directives=first.directives,
        selection_set=SelectionSetNode(selections=selections),
    )


def _prefix(error_path: Any, path: list[Any]) -> bool:
    if not isinstance(error_path, list):
        return False
    shortest = min(len(error_path), len(path))
    return error_path[:shortest] == path[:shortest]
