"""Executing a plan: every request as soon as the ones it depends on have merged, then shaping.

Results of every request are merged into one tree keyed by response keys; an entity request
finds its objects at each of its merge paths (lists flattened), builds each one's representation
from its inputs, sends one request with one ``_entities`` field per batch of targets (the same
representation sent once per batch, whichever path it was met at) and merges each answer into
its objects. The response is then shaped (:mod:`gateway.shaping`); subgraph
errors are forwarded with their paths mapped back to the client's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    DirectiveNode,
    FieldNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    NameNode,
    get_directive_values,
)
from graphql.execution.values import VariableValues

from gateway.planner import FetchNode, Plan
from gateway.planner.requests import batch_alias, batch_variable, request_document
from gateway.representations import resolver
from gateway.selection import INTERNAL
from gateway.shaping import OperationShape
from gateway.shaping import merge as _merge

__all__ = ["Execution", "SubgraphCall", "SubgraphError", "shape_of"]


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
    """Kept for callers; the requests declare the operation's variables from the plan (defaults included)."""
    variable_values: VariableValues | None = None
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    shape: OperationShape | None = None
    """The operation's shaping programs, kept with its cached plan (made here when not given)."""

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
        conditions = self.plan.conditions.get(node.id)
        if conditions is not None and not self._included(conditions):
            return  # every selection of the request is skipped for these variables
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
            data = result.get("data")
            if isinstance(data, dict):
                _merge(self.data, data)
            self._forward_errors(result, fetch, lambda path: path)

    async def _entities(self, fetch: FetchNode) -> None:
        """One request for every ``_entities`` batch of the node; an object met twice is sent once, its answer fanned back."""
        shape = self._shape()
        build = shape.build
        batches: list[list[tuple[dict[str, Any], tuple[Any, ...], int, int]]] = []
        query, names = request_document(fetch, "query", self.plan.variable_definitions)
        variables = self._used(names)
        first_paths: list[tuple[Any, ...]] = []
        for number, batch in enumerate(fetch.batches()):
            targets: list[tuple[dict[str, Any], tuple[Any, ...], int, int]] = []
            representations: list[dict[str, Any]] = []
            seen: dict[bytes, int] = {}
            for place, target in enumerate(batch):
                key = (fetch.id, number, place)
                representers = shape.representers.get(key)
                if representers is None:
                    representers = shape.representers[key] = {}
                found = build.collect(self.data, target.path, ())
                resolve = resolver(build, self.schema, target.parts)
                build.gather(found, representers, resolve, place, seen, representations, targets, first_paths, orjson.dumps)
            variables[batch_variable(number)] = representations
            batches.append(targets)
        if not first_paths:
            return
        result = await self._call(fetch, query, variables, first_paths)
        if result is None:
            return
        data = result.get("data")
        errors = [error for error in result.get("errors") or () if isinstance(error, dict)]
        by_alias: dict[str, dict[int, tuple[Any, ...]]] = {}
        for number, targets in enumerate(batches):
            alias = batch_alias(number)
            entities = data.get(alias) if isinstance(data, dict) else None
            if not isinstance(entities, list):
                entities = [None] * len(targets)
            failed = {
                error["path"][1]
                for error in errors
                if isinstance(error.get("path"), list) and len(error["path"]) > 1 and error["path"][0] == alias
            }
            # An entity is shared within one path (the same selection below), copied for another, whose later requests differ;
            # a null one with an error marks its object failed, without one only leaves its fields out.
            by_alias[alias] = build.merge_entities(targets, entities, failed)
        self._forward_errors(result, fetch, lambda path: _entity_path(path, by_alias))

    def _included(self, conditions: tuple[DirectiveNode, ...]) -> bool:
        for directive in conditions:
            holder = FieldNode(name=NameNode(value="_"), directives=(directive,))
            skip = get_directive_values(GraphQLSkipDirective, holder, self.variable_values)
            if skip and skip.get("if") is True:
                return False
            include = get_directive_values(GraphQLIncludeDirective, holder, self.variable_values)
            if include and include.get("if") is False:
                return False
        return True

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
            if not isinstance(error, dict):
                continue
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

    def _used(self, names: frozenset[str] | set[str]) -> dict[str, Any]:
        return {name: self.variables[name] for name in names if name in self.variables}

    def _shape(self) -> OperationShape:
        if self.shape is None:
            self.shape = shape_of(self.plan, self.schema)
        return self.shape

    def _shape_root(self) -> dict[str, Any] | None:
        return self._shape().shape(self.data, self.variable_values, self.errors)


def shape_of(plan: Plan, schema: GraphQLSchema) -> OperationShape:
    """The shaping programs of a plan's operation (compiled as requests need them)."""
    root = schema.get_type(plan.root_type)
    assert isinstance(root, GraphQLObjectType)
    return OperationShape(schema, plan.operation.selection_set, plan.fragments, root, plan.hidden_enums)


def _entity_path(path: list[Any], by_alias: dict[str, dict[int, tuple[Any, ...]]]) -> list[Any] | None:
    targets = by_alias.get(path[0]) if path and isinstance(path[0], str) else None
    if targets is not None and len(path) >= 2 and isinstance(path[1], int) and path[1] in targets:
        return [*targets[path[1]], *path[2:]]
    return None
