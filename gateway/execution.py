"""Executing a plan: fetch from subgraphs (independent fetches concurrently), merge, shape.

Results of every fetch are merged into one tree keyed by response keys; entity fetches find
their objects at their path (lists flattened), send one batched ``_entities`` request, and merge
each answer into its object. The response is then shaped exactly as the operation asked, with
``@skip``/``@include``, fragments by runtime type, and GraphQL's null bubbling; subgraph errors
are forwarded with their paths mapped back to the client's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
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

from gateway.planning import Fetch, Plan
from gateway.selection import INTERNAL

__all__ = ["Execution", "SubgraphCall", "SubgraphError"]

FAILED = INTERNAL + "failed"

SubgraphCall = Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]


class SubgraphError(Exception):
    """A subgraph could not be reached or did not answer with GraphQL."""


@dataclass
class Execution:
    """One run of a plan for one request."""

    plan: Plan
    schema: GraphQLSchema
    variables: dict[str, Any]
    call: SubgraphCall
    variable_types: dict[str, str]
    variable_values: VariableValues | None = None
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    async def run(self) -> dict[str, Any]:
        """Fetch everything and shape the response."""
        for step in self.plan.steps:
            await asyncio.gather(*(self._root(fetch) for fetch in step))
        shaped = self._shape_root()
        response: dict[str, Any] = {"data": shaped}
        if self.errors:
            response["errors"] = self.errors
        return response

    async def run_event(self, fetch: Fetch, result: Mapping[str, Any]) -> dict[str, Any]:
        """One event of a subscription: the owning subgraph's payload, joined and shaped like a query."""
        _merge(self.data, result.get("data") or {})
        self._forward_errors(result, fetch, lambda path: path)
        await asyncio.gather(*(self._entities(child) for child in fetch.children))
        response: dict[str, Any] = {"data": self._shape_root()}
        if self.errors:
            response["errors"] = self.errors
        return response

    def document_for(self, fetch: Fetch) -> tuple[str, dict[str, Any]]:
        """The subgraph operation of a root fetch and the variables it uses."""
        names = fetch.tree.all_variables()
        return self._document(self.plan.operation.operation.value, names, fetch.tree.print()), self._used(names)

    async def _root(self, fetch: Fetch) -> None:
        operation = self.plan.operation.operation.value
        query = self._document(operation, fetch.tree.all_variables(), fetch.tree.print())
        result = await self._call(fetch, query, self._used(fetch.tree.all_variables()), [()])
        if result is not None:
            _merge(self.data, result.get("data") or {})
            self._forward_errors(result, fetch, lambda path: path)
        await asyncio.gather(*(self._entities(child) for child in fetch.children))

    async def _entities(self, fetch: Fetch) -> None:
        objects = list(_collect(self.data, fetch.path, ()))
        targets = [(obj, path) for obj, path in objects if _typename(obj) in self._implementations(fetch.entity_type or "")]
        if not targets:
            return
        representations = [self._representation(fetch, obj) for obj, _ in targets]
        names = fetch.tree.all_variables()
        selection = fetch.tree.print()
        query = self._document(
            "query",
            names,
            f"{{ _entities(representations: $__representations) {{ ... on {fetch.entity_type} {selection} }} }}",
            extra="$__representations: [_Any!]!",
        )
        variables = {**self._used(names), "__representations": representations}
        result = await self._call(fetch, query, variables, [path for _, path in targets])
        if result is not None:
            entities = (result.get("data") or {}).get("_entities") or [None] * len(targets)
            for (obj, _), entity in zip(targets, entities, strict=False):
                if isinstance(entity, dict):
                    _merge(obj, entity)
                else:
                    obj[FAILED] = True
            self._forward_errors(result, fetch, lambda path: _entity_path(path, [p for _, p in targets]))
        await asyncio.gather(*(self._entities(child) for child in fetch.children))

    async def _call(self, fetch: Fetch, query: str, variables: dict[str, Any], paths: list[tuple[Any, ...]]) -> dict[str, Any] | None:
        try:
            return await self.call(fetch.subgraph, query, variables)
        except SubgraphError as error:
            for path in paths[:1]:
                self.errors.append(
                    {
                        "message": f"subgraph {fetch.subgraph} is unavailable: {error}",
                        "path": list(path) or None,
                        "extensions": {"code": "SUBGRAPH_UNAVAILABLE", "subgraph": fetch.subgraph},
                    }
                )
            return None

    def _forward_errors(self, result: Mapping[str, Any], fetch: Fetch, mapping: Callable[[list[Any]], list[Any] | None]) -> None:
        for error in result.get("errors") or ():
            forwarded = {"message": error.get("message", "subgraph error")}
            path = error.get("path")
            if isinstance(path, list):
                mapped = mapping(path)
                if mapped is not None:
                    forwarded["path"] = [part for part in mapped if not (isinstance(part, str) and part.startswith(INTERNAL))]
            extensions = dict(error.get("extensions") or {})
            extensions.setdefault("subgraph", fetch.subgraph)
            forwarded["extensions"] = extensions
            self.errors.append(forwarded)

    def _representation(self, fetch: Fetch, obj: dict[str, Any]) -> dict[str, Any]:
        representation = {"__typename": _typename(obj)}
        for key in fetch.keys:
            representation.update(_extract(obj, key.fields))
        for requires in fetch.requires:
            representation.update(_extract(obj, requires))
        return representation

    def _implementations(self, type_name: str) -> set[str]:
        graph_type = self.schema.get_type(type_name)
        if graph_type is not None and is_abstract_type(graph_type):
            return {t.name for t in self.schema.get_possible_types(graph_type)} | {type_name}
        return {type_name}

    def _used(self, names: set[str]) -> dict[str, Any]:
        return {name: self.variables[name] for name in names if name in self.variables}

    def _document(self, operation: str, names: set[str], selection: str, *, extra: str = "") -> str:
        definitions = [f"${name}: {self.variable_types[name]}" for name in sorted(names) if name in self.variable_types]
        if extra:
            definitions.append(extra)
        header = f"{operation}({', '.join(definitions)})" if definitions else operation
        return f"{header} {selection}"

    def _shape_root(self) -> dict[str, Any] | None:
        root = self.schema.get_type(self.plan.root_type)
        assert isinstance(root, GraphQLObjectType)
        shaper = _Shaper(self.schema, self.plan.fragments, self.variable_values, self.errors)
        data, ok = shaper.object(self.data, root, self.plan.operation.selection_set, ())
        return data if ok else None


def _merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            _merge(current, value)
        elif isinstance(current, list) and isinstance(value, list) and len(current) == len(value):
            for index, (left, right) in enumerate(zip(current, value, strict=True)):
                if isinstance(left, dict) and isinstance(right, dict):
                    _merge(left, right)
                else:
                    current[index] = right
        else:
            target[key] = value


def _collect(value: Any, path: tuple[str, ...], at: tuple[Any, ...]) -> list[tuple[dict[str, Any], tuple[Any, ...]]]:
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _collect(item, path, (*at, index))]
    if not isinstance(value, dict):
        return []
    if not path:
        return [(value, at)]
    return _collect(value.get(path[0]), path[1:], (*at, path[0]))


def _typename(obj: Mapping[str, Any]) -> str | None:
    name = obj.get(INTERNAL + "__typename", obj.get("__typename"))
    return name if isinstance(name, str) else None


def _extract(obj: Mapping[str, Any], fields: SelectionSetNode) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for selection in fields.selections:
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        value = obj.get(INTERNAL + name, obj.get(name))
        if selection.selection_set is not None and isinstance(value, dict):
            value = _extract(value, selection.selection_set)
        elif selection.selection_set is not None and isinstance(value, list):
            value = [_extract(item, selection.selection_set) if isinstance(item, dict) else item for item in value]
        out[name] = value
    return out


def _entity_path(path: list[Any], targets: list[tuple[Any, ...]]) -> list[Any] | None:
    if len(path) >= 2 and path[0] == "_entities" and isinstance(path[1], int) and path[1] < len(targets):
        return [*targets[path[1]], *path[2:]]
    return None


Path = tuple[Any, ...]
"""A response path as nested pairs ``(parent, key)``; built for every field, flattened only for an error."""


def _flatten(path: Path) -> list[Any]:
    keys: list[Any] = []
    while path:
        path, key = path
        keys.append(key)
    keys.reverse()
    return keys


class _Shaper:
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
    ) -> None:
        self.schema = schema
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
                out[key] = value.get(key) or _typename(value) or parent.name
                continue
            completed, ok = self.complete(value.get(key), field_type, node, (path, key))
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
            seen: set[str] = set()
            for node in self._fields(selection_set, parent):
                key = node.alias.value if node.alias else node.name.value
                if key in seen:
                    continue
                if node.name.value == "__typename":
                    seen.add(key)
                    planned.append((key, node, None))
                    continue
                definition = parent.fields.get(node.name.value)
                if definition is None:
                    continue
                seen.add(key)
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
        name = _typename(value)
        runtime = self.schema.get_type(name) if name else None
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


def _prefix(error_path: Any, path: list[Any]) -> bool:
    if not isinstance(error_path, list):
        return False
    shortest = min(len(error_path), len(path))
    return error_path[:shortest] == path[:shortest]
