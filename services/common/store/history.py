"""Document form of state-machine transitions, shared by every aggregate's store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

from services.common.domain import Transition

__all__ = ["history_from_documents", "history_to_documents"]

S = TypeVar("S", bound=Enum)


def history_to_documents(history: Iterable[Transition[Any]]) -> list[dict[str, Any]]:
    """Each transition as a small document."""
    return [
        {
            "action": step.action,
            "from": step.from_status.value,
            "to": step.to_status.value,
            "actor": step.actor,
            "at": step.at,
            "reason": step.reason,
        }
        for step in history
    ]


def history_from_documents(documents: Iterable[Mapping[str, Any]], status: type[S]) -> tuple[Transition[S], ...]:
    """Inverse of :func:`history_to_documents`."""
    return tuple(
        Transition(
            action=entry["action"],
            from_status=status(entry["from"]),
            to_status=status(entry["to"]),
            actor=entry["actor"],
            at=entry["at"],
            reason=entry.get("reason"),
        )
        for entry in documents
    )
