"""The one way handlers change an aggregate: load, decide (pure), save conditionally, retry.

``decide`` is the domain at work: it returns the new aggregate and its events, or raises a
domain error. The save is guarded by the version the decision was made from; if another
writer got there first, the aggregate is reloaded and the decision made again on fresh state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from services.common.domain import Conflict, NotFound
from services.common.events import Event
from services.common.store import VersionConflict

__all__ = ["MAX_ATTEMPTS", "Versioned", "change_aggregate"]

MAX_ATTEMPTS = 8


class Versioned(Protocol):
    """An aggregate with the version it was loaded at."""

    @property
    def version(self) -> int:
        """The document version the aggregate was read at."""


A = TypeVar("A", bound=Versioned)
Decision = tuple[A, Sequence[Event]]


async def change_aggregate(
    *,
    load: Callable[[], Awaitable[tuple[A, frozenset[str]] | None]],
    decide: Callable[[A], Decision[A]],
    save: Callable[[A, Sequence[Event], str | None], Awaitable[None]],
    handled_event: str | None = None,
    what: str = "record",
) -> tuple[A, list[Event]]:
    """Apply ``decide`` to the current aggregate atomically; idempotent for ``handled_event``.

    Returns the aggregate as decided (unchanged when the event was handled before or the
    decision changed nothing) and the events stored with it.
    """
    for _ in range(MAX_ATTEMPTS):
        loaded = await load()
        if loaded is None:
            raise NotFound(f"no such {what}", field="id")
        current, handled = loaded
        if handled_event is not None and handled_event in handled:
            return current, []
        changed, events = decide(current)
        if changed is current and not events and handled_event is None:
            return current, []
        try:
            await save(changed, events, handled_event)
        except VersionConflict:
            continue
        return changed, list(events)
    raise Conflict(f"the {what} is being changed by others; try again")
