"""Pure building blocks every service's domain uses: typed rule failures and state machines.

No I/O here. A domain function either returns the new state (and the events it caused) or
raises one of the :class:`DomainError` subclasses, which the schema layer turns into typed
GraphQL errors naming the field and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "StateMachine",
    "Transition",
    "TransitionNotAllowed",
    "check_past_date",
    "local_date",
    "raise_all",
]

LOCAL_TIME = ZoneInfo("Asia/Shanghai")


def local_date(at: datetime) -> date:
    """The calendar day in the district (China Standard Time) at instant ``at``."""
    return at.astimezone(LOCAL_TIME).date()


def check_past_date(day: date, *, at: datetime, field: str, not_before: date | None = None, after_what: str = "") -> date:
    """A day that is not in the future and, if given, not before ``not_before``."""
    if day > local_date(at):
        raise Invalid("the date is in the future", field=field)
    if not_before is not None and day < not_before:
        raise Invalid(f"the date is before {after_what or not_before.isoformat()}", field=field)
    return day


S = TypeVar("S", bound=Enum)


class DomainError(Exception):
    """A rule said no. ``field`` names the input at fault when there is one."""

    code = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class Invalid(DomainError):
    """The input breaks a rule (empty title, budget ≤ 0, window closing before it opens…).

    One Invalid may carry the input's other failures (``also``), so a caller learns every field
    at fault at once (see :func:`raise_all`).
    """

    code = "INVALID_INPUT"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, also: Iterable[Invalid] = ()) -> None:
        super().__init__(message, field=field, code=code)
        self.also = tuple(also)

    @property
    def every(self) -> tuple[Invalid, ...]:
        """This failure and the others it carries."""
        return (self, *self.also)


def raise_all(problems: Iterable[Invalid]) -> None:
    """Raise one :class:`Invalid` carrying every problem found (the first leads), or return if none."""
    found = [problem for each in problems for problem in each.every]
    if found:
        first = found[0]
        raise Invalid(first.message, field=first.field, code=first.code, also=found[1:])


class NotFound(DomainError):
    """No such record in any community the caller may see."""

    code = "NOT_FOUND"


class Forbidden(DomainError):
    """The caller's role or communities do not allow this."""

    code = "FORBIDDEN"


class Conflict(DomainError):
    """The record changed under us too often, or a uniqueness rule was hit."""

    code = "CONFLICT"


class TransitionNotAllowed(DomainError):
    """The action is not allowed from the record's current status."""

    code = "TRANSITION_NOT_ALLOWED"

    def __init__(self, aggregate: str, current: Enum, action: str) -> None:
        super().__init__(f"cannot {action} a {aggregate} that is {current.value}", field="status")
        self.current = current
        self.action = action


@dataclass(frozen=True, slots=True)
class Transition(Generic[S]):
    """One recorded move of a state machine: who did what, when, and why."""

    action: str
    from_status: S
    to_status: S
    actor: str
    at: datetime
    reason: str | None = None

    def to_data(self) -> dict[str, object]:
        """The fields every status-change event carries: new and previous status, actor, reason."""
        data: dict[str, object] = {"status": self.to_status.value, "previous_status": self.from_status.value, "actor": self.actor}
        if self.reason is not None:
            data["reason"] = self.reason
        return data


class StateMachine(Generic[S]):
    """The allowed transitions of one aggregate, as one table: ``{action: {from: to}}``."""

    def __init__(self, aggregate: str, table: Mapping[str, Mapping[S, S]]) -> None:
        self.aggregate = aggregate
        self.table = table

    def target(self, current: S, action: str) -> S:
        """The status ``action`` leads to from ``current``; raise if it is not allowed."""
        moves = self.table.get(action)
        if moves is None:
            raise ValueError(f"{self.aggregate} has no action {action!r}")
        if current not in moves:
            raise TransitionNotAllowed(self.aggregate, current, action)
        return moves[current]

    def allows(self, current: S, action: str) -> bool:
        """True when ``action`` may be taken from ``current``."""
        return current in self.table.get(action, {})

    def move(self, current: S, action: str, *, actor: str, at: datetime, reason: str | None = None) -> Transition[S]:
        """The transition record for taking ``action`` now."""
        return Transition(action, current, self.target(current, action), actor, at, reason)
