"""The shaping program's tables and the loop that runs them: merged subgraph answers in, the client's response out.

A :class:`Program` is compiled (:mod:`gateway.shaping_compile`) once per selection set and
object type of a cached plan: one row per response key — ``(key, alternative source key, step
kind, completion)`` — in the order the operation asked them, fragments already applied and
``@skip``/``@include`` already decided. Running it is one pass over the merged tree with no
GraphQL AST, schema or directive in sight: a nullable leaf is a dict read and a dict write; a
composite value goes through its :class:`Completion` (non-null check, list, hidden-enum check,
object program, or the abstract type's program chosen by ``__typename``).

Null bubbling follows the spec: a null in a non-null position records an error (unless an
error already covers its path) and nulls the nearest nullable ancestor; the error path is only
flattened from the nested ``(parent, key)`` pairs when an error is written. This module uses
only plain Python and typed classes, and imports nothing of the gateway, so that mypyc can compile
it on its own (:mod:`gateway.shaping_native`); both builds run the same source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

__all__ = [
    "ABSENT",
    "FAILED",
    "INTERNAL",
    "Completion",
    "InputRow",
    "Program",
    "Representer",
    "Run",
    "collect",
    "copied",
    "gather",
    "merge",
    "merge_entities",
    "typename",
]

INTERNAL: Final = "_r_"
"""The prefix of the response keys the gateway adds for itself (keys, ``__typename``); :mod:`gateway.selection` uses it."""
FAILED: Final = INTERNAL + "failed"
"""Marks an object whose entity fetch failed with an error: it is null in the response."""
_INTERNAL_TYPENAME: Final = INTERNAL + "__typename"

# Step kinds of a program row (what the loop does with the value it read).
LEAF: Final = 0
"""A nullable leaf: the value as it came."""
NON_NULL_LEAF: Final = 1
"""A non-null leaf: the value, or a null error."""
TYPENAME: Final = 2
"""``__typename``: the value the subgraph gave, else the object's type."""
COMPLETE: Final = 3
"""Anything else: through the row's completion."""

# Completion kinds.
C_LEAF: Final = 0
C_ENUM: Final = 1
"""An enum with values the API hides: a hidden value is null with an error."""
C_LIST: Final = 2
C_OBJECT: Final = 3
C_ABSTRACT: Final = 4

ABSENT: Final = object()
"""A key missing from the merged object (then the alternative source key is read)."""


class _Bubble:
    """The null of a non-null position, on its way to the nearest nullable ancestor."""


_BUBBLE: Final = _Bubble()


def typename(obj: Mapping[str, Any]) -> str | None:
    """The object's type: the internal ``__typename`` the gateway asked for, else the client's."""
    name = obj.get(_INTERNAL_TYPENAME, ABSENT)
    if name is ABSENT:
        name = obj.get("__typename")
    return name if isinstance(name, str) else None


def merge(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    """Merge a subgraph's answer into the tree: objects key by key, lists of one length item by item, anything else replaced."""
    if target.keys().isdisjoint(source):  # the common case (an entity's new fields): one update
        target.update(source)
        return
    for key, value in source.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merge(current, value)
        elif isinstance(current, list) and isinstance(value, list) and len(current) == len(value):
            for index in range(len(current)):
                left, right = current[index], value[index]
                if isinstance(left, dict) and isinstance(right, dict):
                    merge(left, right)
                else:
                    current[index] = right
        else:
            target[key] = value


def collect(value: Any, path: tuple[str, ...], at: tuple[Any, ...]) -> list[tuple[dict[str, Any], tuple[Any, ...]]]:
    """The objects at ``path`` below ``value`` (lists, and lists of lists, flattened) with their response paths, in document order.

    Where an entity request's merge path leads: level by level, each object's path built once.
    """
    level: list[tuple[dict[str, Any], tuple[Any, ...]]] = []
    _objects(value, at, level)
    for key in path:
        below: list[tuple[dict[str, Any], tuple[Any, ...]]] = []
        for node, where in level:
            child = node.get(key)
            if child is not None:
                _objects(child, (*where, key), below)
        level = below
    return level


def _objects(value: Any, where: tuple[Any, ...], out: list[tuple[dict[str, Any], tuple[Any, ...]]]) -> None:
    if isinstance(value, dict):
        out.append((value, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                out.append((item, (*where, index)))
            elif isinstance(item, list):
                _objects(item, (*where, index), out)


class InputRow:
    """One field of an entity representation (the planner's ``Input``, as a typed row): read from ``response_key``, written as ``name``."""

    name: str
    response_key: str
    below: list[InputRow] | None
    """The fields of a composite value (None for a leaf)."""
    fragment: bool
    """An inline fragment's entries: ``below`` applies when the object's type is in ``possible``."""
    possible: frozenset[str]
    required: bool
    """A key field outside a fragment: an object without it is not sent."""

    def __init__(
        self, name: str, response_key: str, below: list[InputRow] | None, fragment: bool, possible: frozenset[str], required: bool
    ) -> None:
        self.name = name
        self.response_key = response_key
        self.below = below
        self.fragment = fragment
        self.possible = possible
        self.required = required


class Representer:
    """How the representation of an object of one runtime type is built for one merge path (its entity parts' inputs, in order)."""

    fixed_type: str | None
    """The ``__typename`` sent whatever the object says (an ``@interfaceObject`` part)."""
    default_type: str
    """The ``__typename`` sent when the object has none."""
    rows: list[InputRow]

    def __init__(self, fixed_type: str | None, default_type: str, rows: list[InputRow]) -> None:
        self.fixed_type = fixed_type
        self.default_type = default_type
        self.rows = rows


def gather(
    found: list[tuple[dict[str, Any], tuple[Any, ...]]],
    representers: dict[str | None, Representer | None],
    resolve: Callable[[str | None], Representer | None],
    place: int,
    seen: dict[bytes, int],
    representations: list[dict[str, Any]],
    targets: list[tuple[dict[str, Any], tuple[Any, ...], int, int]],
    paths: list[tuple[Any, ...]],
    dumps: Callable[[Any], bytes],
) -> None:
    """Each object's representation, sent once per batch (``seen`` by its JSON), and where its answer goes.

    ``representers`` caches ``resolve`` per runtime type (None: the object belongs to no part).
    Appends to ``representations``, ``targets`` (object, path, index of its representation,
    ``place``) and ``paths``.
    """
    for obj, path in found:
        name = typename(obj)
        if name in representers:
            representer = representers[name]
        else:
            representer = representers[name] = resolve(name)
        if representer is None:
            continue
        representation = _represent(obj, representer, name)
        if representation is None:
            continue
        digest = dumps(representation)
        index = seen.get(digest, -1)
        if index < 0:
            index = len(representations)
            seen[digest] = index
            representations.append(representation)
        targets.append((obj, path, index, place))
        paths.append(path)


def _represent(obj: dict[str, Any], representer: Representer, name: str | None) -> dict[str, Any] | None:
    fixed = representer.fixed_type
    out: dict[str, Any] = {"__typename": fixed if fixed is not None else (name or representer.default_type)}
    for row in representer.rows:
        _read(obj, row, out)
        if row.required and out.get(row.name) is None:
            return None
    return out


def _read(obj: Mapping[str, Any], row: InputRow, out: dict[str, Any]) -> None:
    below = row.below
    if row.fragment:
        if below and typename(obj) in row.possible:
            for child in below:
                _read(obj, child, out)
        return
    value = obj.get(row.response_key, ABSENT)
    if value is ABSENT:
        value = obj.get(row.name)
    if below is not None:
        value = _read_below(value, below)
    out[row.name] = value


def _read_below(value: Any, below: list[InputRow]) -> Any:
    if isinstance(value, list):
        return [_read_below(entry, below) for entry in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    name = typename(value)
    if name is not None:
        for child in below:
            if child.fragment:
                out["__typename"] = name
                break
    for child in below:
        _read(value, child, out)
    return out


def merge_entities(
    targets: list[tuple[dict[str, Any], tuple[Any, ...], int, int]], entities: list[Any], failed: set[Any]
) -> dict[int, tuple[Any, ...]]:
    """Merge each target's entity into its object: shared within one place (merge path), copied for another; a failed one marked.

    Returns the response path of each representation's first object (where its errors are reported).
    """
    first: dict[int, int] = {}
    paths: dict[int, tuple[Any, ...]] = {}
    count = len(entities)
    for obj, path, index, place in targets:
        owner = first.get(index, -1)
        if owner < 0:
            first[index] = place
            paths[index] = path
            owner = place
        entity = entities[index] if index < count else None
        if isinstance(entity, dict):
            if owner == place:
                merge(obj, entity)
            else:
                merge(obj, copied(entity))
        elif index in failed:  # the subgraph said why: the object is null, its error is enough
            obj[FAILED] = True
    return paths


def copied(value: Any) -> Any:
    """A copy of an answer's containers (scalars shared), so that merging into one object leaves the other alone."""
    if isinstance(value, dict):
        return {key: copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copied(item) for item in value]
    return value


class Program:
    """The rows of one selection set for one object (or interface) type."""

    type_name: str
    rows: list[tuple[str, str, int, Completion | None]]
    """``(response key, alternative source key, step kind, completion)``; the completion is None for leaves and ``__typename``."""

    def __init__(self, type_name: str, rows: list[tuple[str, str, int, Completion | None]]) -> None:
        self.type_name = type_name
        self.rows = rows


class Completion:
    """How one composite (or checked) value is completed; the chain follows the type's wrappers."""

    kind: int
    non_null: bool
    field_name: str
    """The field's name (not its alias), for the non-null error's message."""
    item: Completion | None
    """A list's items."""
    program: Program | None
    """An object type's program."""
    enum_name: str
    enum_values: frozenset[str]
    by_type: dict[str, Program | None]
    """An abstract type's programs by runtime type name, compiled on first sight (None: not an object type)."""
    resolve: Callable[[str], Program | None] | None
    """Compiles the program of a runtime type the first time it is seen."""

    def __init__(self, kind: int, non_null: bool, field_name: str) -> None:
        self.kind = kind
        self.non_null = non_null
        self.field_name = field_name
        self.item = None
        self.program = None
        self.enum_name = ""
        self.enum_values = frozenset()
        self.by_type = {}
        self.resolve = None


def _flatten(path: Any) -> list[Any]:
    keys: list[Any] = []
    while path:
        path, key = path
        keys.append(key)
    keys.reverse()
    return keys


def _prefix(error_path: Any, path: list[Any]) -> bool:
    if not isinstance(error_path, list):
        return False
    shortest = min(len(error_path), len(path))
    return bool(error_path[:shortest] == path[:shortest])


class Run:
    """One shaping of one response; appends its errors to ``errors``."""

    errors: list[dict[str, Any]]

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors

    def object(self, value: dict[str, Any], program: Program, path: Any) -> dict[str, Any] | None:
        """The object as the program asks it; None when a non-null field of it is null (the error recorded)."""
        out: dict[str, Any] = {}
        for key, alternative, step, completion in program.rows:
            raw = value.get(key, ABSENT)
            if raw is ABSENT:  # fetched under an alias: the subgraph's type of this field differs (see the planner)
                raw = value.get(alternative)
            if step == LEAF:
                out[key] = raw
            elif step == NON_NULL_LEAF:
                if raw is None:
                    assert completion is not None
                    self._null_error(completion.field_name, (path, key))
                    return None
                out[key] = raw
            elif step == TYPENAME:
                out[key] = raw or typename(value) or program.type_name
            else:
                assert completion is not None
                completed = self.complete(raw, completion, (path, key))
                if completed is _BUBBLE:
                    return None
                out[key] = completed
        return out

    def complete(self, value: Any, completion: Completion, path: Any) -> Any:
        """The completed value, None, or the bubble of a null in a non-null position."""
        if value is None:
            if completion.non_null:
                self._null_error(completion.field_name, path)
                return _BUBBLE
            return None
        kind = completion.kind
        completed: Any
        if kind == C_LEAF:
            return value
        if kind == C_OBJECT:
            if not isinstance(value, dict) or value.get(FAILED):
                completed = None
            else:
                program = completion.program
                assert program is not None
                completed = self.object(value, program, path)
        elif kind == C_LIST:
            completed = self._list(value, completion, path)
        elif kind == C_ABSTRACT:
            completed = self._abstract(value, completion, path)
        elif value in completion.enum_values:  # C_ENUM
            completed = value
        else:
            self.errors.append({"message": f"Enum {completion.enum_name} cannot represent value: {value!r}", "path": _flatten(path)})
            completed = None
        if completed is None and completion.non_null:
            self._null_error(completion.field_name, path)
            return _BUBBLE
        return completed

    def _list(self, value: Any, completion: Completion, path: Any) -> list[Any] | None:
        if not isinstance(value, list):
            return None
        item = completion.item
        assert item is not None
        if item.kind == C_LEAF and not item.non_null:
            return list(value)
        items: list[Any] = []
        for index, entry in enumerate(value):
            completed = self.complete(entry, item, (path, index))
            if completed is _BUBBLE:
                return None
            items.append(completed)
        return items

    def _abstract(self, value: Any, completion: Completion, path: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict) or value.get(FAILED):
            return None
        name = typename(value)
        if name is None:
            return None
        by_type = completion.by_type
        if name in by_type:
            program = by_type[name]
        else:
            resolve = completion.resolve
            assert resolve is not None
            program = by_type[name] = resolve(name)
        if program is None:
            return None
        return self.object(value, program, path)

    def _null_error(self, field_name: str, path: Any) -> None:
        keys = _flatten(path)
        for error in self.errors:
            if _prefix(error.get("path"), keys):
                return
        self.errors.append({"message": f"Cannot return null for non-nullable field {field_name}.", "path": keys})
