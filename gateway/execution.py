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

import orjson
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

from gateway.planner import EntityPart, FetchNode, Input, Plan
from gateway.planner.requests import request_document
from gateway.selection import INTERNAL

__all__ = ["Execution", "SubgraphCall", "SubgraphError"]

_ABSENT = object()
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
        """Fetch everything (each request as soon as the ones it depends on have merged) and shape the response."""
        await self._run_nodes(self.plan.nodes)
        shaped = self._shape_root()
        response: dict[str, Any] = {"data": shaped}
        if self.errors:
            response["errors"] = self.errors
        return response

    async def _run_nodes(self, nodes: list[FetchNode]) -> None:
        if len(nodes) == 1:
            await self._fetch(nodes[0])
            return
        tasks: dict[int, asyncio.Task[None]] = {}
        for node in nodes:
            waits = [tasks[d] for d in node.depends if d in tasks]
            tasks[node.id] = asyncio.ensure_future(self._after(waits, node))
        await asyncio.gather(*tasks.values())

    async def _after(self, waits: list[asyncio.Task[None]], node: FetchNode) -> None:
        if waits:
            await asyncio.gather(*waits)
        await self._fetch(node)

    async def _fetch(self, node: FetchNode) -> None:
        if node.is_root:
            await self._root(node)
        else:
            await self._entities(node)

    async def run_event(self, fetch: FetchNode, result: Mapping[str, Any]) -> dict[str, Any]:
        """One event of a subscription: the owning subgraph's payload, joined and shaped like a query."""
        _merge(self.data, result.get("data") or {})
        self._forward_errors(result, fetch, lambda path: path)
        await self._run_nodes([node for node in self.plan.nodes if node is not fetch])
        response: dict[str, Any] = {"data": self._shape_root()}
        if self.errors:
            response["errors"] = self.errors
        return response

    def document_for(self, fetch: FetchNode) -> tuple[str, dict[str, Any]]:
        """The subgraph operation of a fetch and the variables it uses."""
        query, names = request_document(fetch, self.plan.operation.operation.value, self.plan.variable_definitions)
        return query, self._used(names)

    async def _root(self, fetch: FetchNode) -> None:
        query, variables = self.document_for(fetch)
        result = await self._call(fetch, query, variables, [()])
        if result is not None:
            _merge(self.data, result.get("data") or {})
            self._forward_errors(result, fetch, lambda path: path)

    async def _entities(self, fetch: FetchNode) -> None:
        targets: list[tuple[dict[str, Any], tuple[Any, ...], int]] = []
        representations: list[dict[str, Any]] = []
        seen: dict[bytes, int] = {}
        for obj, path in _collect(self.data, fetch.path, ()):
            part = self._part(fetch, _typename(obj))
            if part is None:
                continue
            representation = _representation(part, obj)
            if representation is None:
                continue
            digest = orjson.dumps(representation)
            index = seen.get(digest)
            if index is None:
                index = seen[digest] = len(representations)
                representations.append(representation)
            targets.append((obj, path, index))
        if not targets:
            return
        query, names = request_document(fetch, "query", self.plan.variable_definitions)
        variables = {**self._used(names), "__representations": representations}
        first_paths = [path for _, path, _ in targets]
        result = await self._call(fetch, query, variables, first_paths)
        if result is None:
            return
        entities = (result.get("data") or {}).get("_entities") or [None] * len(representations)
        failed = {
            error["path"][1]
            for error in result.get("errors") or ()
            if isinstance(error.get("path"), list) and len(error["path"]) > 1 and error["path"][0] == "_entities"
        }
        for obj, _, index in targets:
            entity = entities[index] if index < len(entities) else None
            if isinstance(entity, dict):
                _merge(obj, entity)
            elif index in failed:  # the subgraph said why: the object is null, its error is enough
                obj[FAILED] = True
            # a null entity without an error only leaves its fields out (null, or null bubbling)
        by_index: dict[int, tuple[Any, ...]] = {}
        for _, path, index in targets:
            by_index.setdefault(index, path)
        self._forward_errors(result, fetch, lambda path: _entity_path(path, by_index))

    def _part(self, fetch: FetchNode, typename: str | None) -> EntityPart | None:
        if typename is None:
            return None
        part = fetch.parts.get(typename)
        if part is not None:
            return part
        for candidate in fetch.parts.values():
            if typename in self._implementations(candidate.entity_type):
                return candidate
        return None

    async def _call(self, fetch: FetchNode, query: str, variables: dict[str, Any], paths: list[tuple[Any, ...]]) -> dict[str, Any] | None:
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

    def _forward_errors(self, result: Mapping[str, Any], fetch: FetchNode, mapping: Callable[[list[Any]], list[Any] | None]) -> None:
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

    def _implementations(self, type_name: str) -> set[str]:
        graph_type = self.schema.get_type(type_name)
        if graph_type is not None and is_abstract_type(graph_type):
            return {t.name for t in self.schema.get_possible_types(graph_type)} | {type_name}
        return {type_name}

    def _used(self, names: frozenset[str] | set[str]) -> dict[str, Any]:
        return {name: self.variables[name] for name in names if name in self.variables}

    def _shape_root(self) -> dict[str, Any] | None:
        root = self.schema.get_type(self.plan.root_type)
        assert isinstance(root, GraphQLObjectType)
        shaper = _Shaper(self.schema, self.plan.fragments, self.variable_values, self.errors, self.plan.hidden_enums)
        data, ok = shaper.object(self.data, root, self.plan.operation.selection_set, ())
        return data if ok else None


def _representation(part: EntityPart, obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{__typename, key…, required…}`` of an object for one entity part; None when a key field is missing."""
    typename = part.entity_type if part.interface_object else (_typename(obj) or part.entity_type)
    representation: dict[str, Any] = {"__typename": typename}
    for item in part.inputs:
        _read(obj, item, representation)
        if item.key and item.type_condition is None and representation.get(item.name) is None:
            return None
    return representation


def _read(obj: Mapping[str, Any], item: Input, out: dict[str, Any]) -> None:
    if item.type_condition is not None:
        if item.below and _typename(obj) in item.possible:
            for child in item.below:
                _read(obj, child, out)
        return
    value = obj.get(item.response_key, obj.get(item.name))
    if item.below is not None:
        value = _read_below(value, item.below)
    out[item.name] = value


def _read_below(value: Any, below: tuple[Input, ...]) -> Any:
    if isinstance(value, list):
        return [_read_below(entry, below) for entry in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    name = _typename(value)
    if name is not None and any(child.type_condition is not None for child in below):
        out["__typename"] = name
    for child in below:
        _read(value, child, out)
    return out


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


def _entity_path(path: list[Any], targets: dict[int, tuple[Any, ...]]) -> list[Any] | None:
    if len(path) >= 2 and path[0] == "_entities" and isinstance(path[1], int) and path[1] in targets:
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
                out[key] = value.get(key) or _typename(value) or parent.name
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
        name = _typename(value)
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
