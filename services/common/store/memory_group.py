"""A ``$group`` that counts or sums, run natively for ``memory://`` (mongomock's is slow at scale)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from services.common.store.memory_index import MISSING, IndexedStore

__all__ = ["counted_groups", "group_natively"]

Key = Callable[[Mapping[str, Any]], Any]


def group_natively(documents: Iterable[Mapping[str, Any]], group: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The ``$group`` stage's results, or None when it is not of the simple kind handled here.

    Handled: ``_id`` is a ``"$field"`` reference, a document of such references, or a constant;
    every accumulator is ``{"$sum": <number>}`` or ``{"$sum": "$field"}`` on top-level fields.
    Counting only (every ``$sum`` a constant) runs in C through :class:`collections.Counter`.
    """
    spec = group.get("_id")
    keys = _key_functions(spec)
    sums = {name: _summand(spec) for name, spec in group.items() if name != "_id"}
    if keys is None or any(summand is None for summand in sums.values()):
        return None
    key_of, shown_of = keys
    documents = list(documents)
    constants = {name: summand for name, summand in sums.items() if isinstance(summand, int | float)}
    if len(constants) == len(sums):
        try:
            counts = Counter(map(key_of, documents))
        except TypeError:  # an array or a document in the key
            counts = Counter(_hashable(key_of(document)) for document in documents)
        return [{"_id": shown_of(key), **{name: constant * count for name, constant in constants.items()}} for key, count in counts.items()]
    results: dict[Any, dict[str, Any]] = {}
    for document in documents:
        key = _hashable(key_of(document))
        row = results.get(key)
        if row is None:
            row = results[key] = {"_id": shown_of(key), **dict.fromkeys(sums, 0)}
        for name, summand in sums.items():
            value = summand if name in constants else summand(document)
            if type(value) is int or type(value) is float:
                row[name] += value
    return list(results.values())


def counted_groups(store: IndexedStore, match: Mapping[str, Any], group: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Counts per group read off a :class:`Tally` the store keeps (no document is looked at), or None if not applicable.

    Applicable: the match is one string equality or ``$in`` on a field that is part of the group
    key, the key is a document of top-level field references, every accumulator a constant ``$sum``.
    The dashboards' counts (needs per community, status and category) are of this kind.
    """
    spec = group.get("_id")
    if len(match) != 1 or not isinstance(spec, Mapping) or not spec:
        return None
    ((match_field, condition),) = match.items()
    values = _string_values(condition)
    labels = list(spec)
    names = tuple(_field(reference) or "" for reference in spec.values())
    sums = {name: _summand(accumulator) for name, accumulator in group.items() if name != "_id"}
    if values is None or "" in names or match_field not in names:
        return None
    if any(not isinstance(summand, int | float) for summand in sums.values()):
        return None
    tally = store.tally(names)
    if tally.unhashable:
        return None
    position = names.index(match_field)
    rows = []
    for key, count in tally.counts.items():
        if key[position] in values:
            shown = {
                label: value if type(value) is str else _aware(value)
                for label, value in zip(labels, key, strict=True)
                if value is not MISSING
            }
            rows.append({"_id": shown, **{name: constant * count for name, constant in sums.items()}})
    return rows


def _string_values(condition: Any) -> frozenset[str] | None:
    if isinstance(condition, str):
        return frozenset([condition])
    if isinstance(condition, Mapping) and set(condition) == {"$in"} and all(type(value) is str for value in condition["$in"]):
        return frozenset(condition["$in"])
    return None


def _field(reference: Any) -> str | None:
    if isinstance(reference, str) and reference.startswith("$") and "." not in reference and len(reference) > 1:
        return reference[1:]
    return None


def _key_functions(spec: Any) -> tuple[Key, Callable[[Any], Any]] | None:
    """How to read a document's group key, and how to show a key as the row's ``_id`` (as MongoDB does)."""
    if isinstance(spec, Mapping):
        labels = list(spec)
        references = [_field(reference) for reference in spec.values()]
        names = [name for name in references if name is not None]
        if len(names) != len(references) or not names:
            return None
        getter = itemgetter(*names)
        single = len(names) == 1

        def composite(document: Mapping[str, Any]) -> Any:
            try:
                found = getter(document)
                return (found,) if single else found
            except KeyError:
                return tuple(document.get(name, MISSING) for name in names)

        def shown(key: Any) -> dict[str, Any]:
            # fields missing from the document are left out of a composite key
            return {label: _restored(value) for label, value in zip(labels, key, strict=True) if value != MISSING}

        return composite, shown
    field = _field(spec)
    if field is not None:
        return (lambda document: document.get(field)), _restored
    if spec is None or isinstance(spec, str | int | float | bool):
        return (lambda document: spec), (lambda key: spec)
    return None


def _summand(spec: Any) -> Any:
    """A constant, a function reading the field, or None if not a plain ``$sum``."""
    if not isinstance(spec, Mapping) or set(spec) != {"$sum"}:
        return None
    operand = spec["$sum"]
    if isinstance(operand, int | float) and not isinstance(operand, bool):
        return operand
    field = _field(operand)
    if field is not None:
        return lambda document: document.get(field)
    return None


def _hashable(value: Any) -> Any:
    if type(value) is str:
        return value
    if isinstance(value, tuple) and value != MISSING:
        return tuple(_hashable(item) for item in value)
    if isinstance(value, list):
        return ("list", tuple(_hashable(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((key, _hashable(item)) for key, item in value.items()))
    return value


def _restored(value: Any) -> Any:
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "list":
        return [_restored(item) for item in value[1]]
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "dict":
        return {key: _restored(item) for key, item in value[1]}
    return value


def _aware(value: Any) -> Any:
    """Stored datetimes are naive UTC; the tz-aware client returns them aware."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) else value
