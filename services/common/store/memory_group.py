"""A ``$group`` that counts or sums, run natively for ``memory://`` (mongomock's is slow at scale)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["group_natively"]


def group_natively(documents: Iterable[Mapping[str, Any]], group: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The ``$group`` stage's results, or None when it is not of the simple kind handled here.

    Handled: ``_id`` is a ``"$field"`` reference, a document of such references, or a constant;
    every accumulator is ``{"$sum": <number>}`` or ``{"$sum": "$field"}`` on top-level fields.
    """
    key_of = _key_function(group.get("_id"))
    sums = {name: _summand(spec) for name, spec in group.items() if name != "_id"}
    if key_of is None or any(summand is None for summand in sums.values()):
        return None
    counters = [(name, summand) for name, summand in sums.items()]
    results: dict[Any, dict[str, Any]] = {}
    for document in documents:
        key = key_of(document)
        row = results.get(key)
        if row is None:
            row = results[key] = {"_id": _shown(group.get("_id"), document), **dict.fromkeys(sums, 0)}
        for name, summand in counters:
            value = summand(document)
            if type(value) is int or type(value) is float:
                row[name] += value
    return list(results.values())


def _shown(spec: Any, document: Mapping[str, Any]) -> Any:
    """The group's ``_id`` as MongoDB shows it (fields missing from the document are left out of a composite key)."""
    if isinstance(spec, Mapping):
        return {name: document[reference[1:]] for name, reference in spec.items() if reference[1:] in document}
    field = _field(spec)
    return document.get(field) if field is not None else spec


def _field(reference: Any) -> str | None:
    if isinstance(reference, str) and reference.startswith("$") and "." not in reference and len(reference) > 1:
        return reference[1:]
    return None


def _key_function(spec: Any) -> Any:
    if isinstance(spec, Mapping):
        references = [_field(reference) for reference in spec.values()]
        names = tuple(name for name in references if name is not None)
        if len(names) != len(references):
            return None

        def composite(document: Mapping[str, Any]) -> tuple[Any, ...]:
            key = tuple([document.get(name, _MISSING) for name in names])
            try:
                hash(key)
            except TypeError:
                return tuple(_hashable(value) for value in key)
            return key

        return composite
    field = _field(spec)
    if field is not None:
        return lambda document: _hashable(document.get(field))
    if spec is None or isinstance(spec, str | int | float | bool):
        return lambda document: spec
    return None


def _summand(spec: Any) -> Any:
    if not isinstance(spec, Mapping) or set(spec) != {"$sum"}:
        return None
    operand = spec["$sum"]
    if isinstance(operand, int | float) and not isinstance(operand, bool):
        return lambda document: operand
    field = _field(operand)
    if field is not None:
        return lambda document: document.get(field)
    return None


_MISSING = ("missing",)


def _hashable(value: Any) -> Any:
    if type(value) is str:
        return value
    if isinstance(value, list):
        return ("list", tuple(_hashable(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((key, _hashable(item)) for key, item in value.items()))
    return value
