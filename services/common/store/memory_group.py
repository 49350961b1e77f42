"""A ``$group`` that counts or sums, run natively for ``memory://`` (mongomock's is slow at scale)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["group_natively"]


def group_natively(documents: Sequence[Mapping[str, Any]], group: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The ``$group`` stage's results, or None when it is not of the simple kind handled here.

    Handled: ``_id`` is a ``"$field"`` reference, a document of such references, or a constant;
    every accumulator is ``{"$sum": <number>}`` or ``{"$sum": "$field"}`` on top-level fields.
    """
    key_of = _key_function(group.get("_id"))
    sums = {name: _summand(spec) for name, spec in group.items() if name != "_id"}
    if key_of is None or any(summand is None for summand in sums.values()):
        return None
    results: dict[Any, dict[str, Any]] = {}
    for document in documents:
        key, shown = key_of(document)
        row = results.get(key)
        if row is None:
            row = results[key] = {"_id": shown, **dict.fromkeys(sums, 0)}
        for name, summand in sums.items():
            value = summand(document)
            if isinstance(value, int | float) and not isinstance(value, bool):
                row[name] += value
    return list(results.values())


def _field(reference: Any) -> str | None:
    if isinstance(reference, str) and reference.startswith("$") and "." not in reference and len(reference) > 1:
        return reference[1:]
    return None


def _key_function(spec: Any) -> Any:
    if isinstance(spec, Mapping):
        fields = {name: _field(reference) for name, reference in spec.items()}
        if any(field is None for field in fields.values()):
            return None

        def composite(document: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
            shown = {name: document[field] for name, field in fields.items() if field in document}  # type: ignore[index]
            return tuple((name, _hashable(value)) for name, value in shown.items()), shown

        return composite
    field = _field(spec)
    if field is not None:
        return lambda document: (_hashable(document.get(field)), document.get(field))
    if spec is None or isinstance(spec, str | int | float | bool):
        return lambda document: (spec, spec)
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


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return ("list", tuple(_hashable(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((key, _hashable(item)) for key, item in value.items()))
    return value
