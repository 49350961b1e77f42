"""Entity representations: the planner's inputs turned into rows of the shaping build, once per merge path and runtime type.

An entity request sends, for each object found at a merge path, ``{__typename, key…, required…}``
built from the inputs of the entity parts the object belongs to (its own type's first, then the
interfaces it implements). Which parts those are depends only on the object's type, so the rows
(:class:`gateway.shaping_run.Representer`) are made the first time a type is met at a merge path
and kept with the operation's cached plan (:attr:`gateway.shaping.OperationShape.representers`);
the loop that reads them runs in the shaping build (:func:`gateway.shaping_run.gather`, compiled
by mypyc when built).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from graphql import GraphQLSchema, is_abstract_type

from gateway.planner import EntityPart, Input

__all__ = ["parts_of", "resolver"]


def parts_of(schema: GraphQLSchema, parts: dict[str, EntityPart], typename: str | None) -> list[EntityPart]:
    """The entity parts an object belongs to: its own type's first, then interfaces it implements."""
    if typename is None:
        return []
    if len(parts) == 1:
        (only,) = parts.values()
        return [only] if only.entity_type == typename or typename in _implementations(schema, only.entity_type) else []
    found = [parts[typename]] if typename in parts else []
    found += [p for p in parts.values() if p.entity_type != typename and typename in _implementations(schema, p.entity_type)]
    return found


def resolver(build: ModuleType, schema: GraphQLSchema, parts: dict[str, EntityPart]) -> Callable[[str | None], Any]:
    """For a runtime type name: the build's ``Representer`` of the object's parts, or None when it belongs to none."""

    def resolve(typename: str | None) -> Any:
        found = parts_of(schema, parts, typename)
        if not found:
            return None
        first = found[0]
        rows = [_row(build, item) for part in found for item in part.inputs]
        return build.Representer(first.entity_type if first.interface_object else None, first.entity_type, rows)

    return resolve


def _row(build: ModuleType, item: Input) -> Any:
    below = None if item.below is None else [_row(build, child) for child in item.below]
    fragment = item.type_condition is not None
    return build.InputRow(item.name, item.response_key, below, fragment, item.possible, item.key and not fragment)


def _implementations(schema: GraphQLSchema, type_name: str) -> set[str]:
    graph_type = schema.get_type(type_name)
    if graph_type is not None and is_abstract_type(graph_type):
        return {t.name for t in schema.get_possible_types(graph_type)} | {type_name}
    return {type_name}
