"""Field changes as events carry them: ``changes: {field: {"old": …, "new": …}}`` (JSON values).

Every event of a change to a stored record carries the old and new value of each field it
changed, so the audit trail (and any other consumer) knows both without calling back. These
helpers make plain JSON values of domain values and compare two views of a record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

__all__ = ["FieldChanges", "field_changes", "plain"]

FieldChanges = dict[str, dict[str, Any]]
"""``{field: {"old": value, "new": value}}``."""


def plain(value: Any) -> Any:
    """A domain value as event data: enums by value, dates ISO (instants in UTC to the millisecond, as stored), tuples/sets lists, dataclasses dicts."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        instant = value.astimezone(UTC) if value.tzinfo is not None else value  # one instant, one value, whatever the offset given
        return instant.replace(microsecond=instant.microsecond // 1000 * 1000).isoformat()  # as stored: BSON dates keep milliseconds
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(plain(part) for part in value)
    if isinstance(value, tuple | list):
        return [plain(part) for part in value]
    if isinstance(value, Mapping):
        return {str(key): plain(part) for key, part in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {name: plain(part) for name, part in asdict(value).items()}
    return value


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> FieldChanges:
    """The fields whose plain values differ between two views of one record (a field absent on one side is null there)."""
    changes: FieldChanges = {}
    for name in dict.fromkeys([*old, *new]):
        before, after = plain(old.get(name)), plain(new.get(name))
        if before != after:
            changes[name] = {"old": before, "new": after}
    return changes
