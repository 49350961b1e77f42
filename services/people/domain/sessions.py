"""Activity sessions (活动场次): one-off or recurring by an RFC 5545 RRULE, each with time, venue, capacity.

A plan is expanded once into its sessions (python-dateutil's ``rrule``, in China time so that
"every Tuesday" means a local Tuesday); each session is its own record, so that signing up for
one is one conditional update of that record. A session moved or cancelled is an exception of
the series: only that record changes, and its people are told.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from dateutil.rrule import rrulestr

from services.common.changes import field_changes
from services.common.domain import Invalid, TransitionNotAllowed
from services.common.events import Event, new_event

__all__ = ["CHINA", "MAX_SESSIONS", "Session", "SessionPlan", "SessionStatus", "expand", "plan_sessions", "session_id"]

CHINA = timezone(timedelta(hours=8))
MAX_SESSIONS = 200
MAX_CAPACITY = 10_000
SERVICE = "people"
_NAMESPACE = uuid.UUID("8e4b2c1d-0f3a-4b5c-9d6e-7f8091a2b3c4")


class SessionStatus(StrEnum):
    """A session is scheduled until it is cancelled."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """What an organizer asks for: the first session, how long each lasts, where, how many, and how it repeats."""

    item_id: str
    community_id: str
    title: str
    starts_at: datetime
    duration: timedelta
    venue: str
    capacity: int
    rule: str | None = None

    def checked(self) -> SessionPlan:
        """The plan, or :class:`Invalid` naming the field at fault."""
        if self.starts_at.tzinfo is None:
            raise Invalid("give the time with its offset, e.g. 2026-12-01T19:00:00+08:00", field="startsAt")
        if not timedelta(minutes=5) <= self.duration <= timedelta(hours=24):
            raise Invalid("a session lasts 5 minutes to 24 hours", field="durationMinutes")
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise Invalid(f"capacity is 1 to {MAX_CAPACITY}", field="capacity")
        if not self.venue.strip() or len(self.venue) > 200:
            raise Invalid("a venue is 1–200 characters", field="venue")
        if self.rule is not None and ("DTSTART" in self.rule.upper() or len(self.rule) > 500):
            raise Invalid("the rule is an RRULE without DTSTART (the first session's time is startsAt)", field="rule")
        return replace(self, venue=self.venue.strip())


def expand(plan: SessionPlan) -> list[datetime]:
    """Start times of every session of the plan (at most :data:`MAX_SESSIONS`), in China time."""
    first = plan.starts_at.astimezone(CHINA)
    if plan.rule is None:
        return [first]
    text = plan.rule.strip().removeprefix("RRULE:")
    if "COUNT=" not in text.upper() and "UNTIL=" not in text.upper():
        raise Invalid("a recurring rule needs COUNT or UNTIL", field="rule")
    try:
        rule: Any = rrulestr(text, dtstart=first.replace(tzinfo=None))
        starts: list[datetime] = []
        for occurrence in rule:
            if len(starts) == MAX_SESSIONS:
                raise Invalid(f"a plan has at most {MAX_SESSIONS} sessions", field="rule")
            starts.append(occurrence.replace(tzinfo=CHINA))
    except (ValueError, TypeError) as error:
        raise Invalid(f"not an RFC 5545 RRULE: {error}", field="rule") from error
    if not starts:
        raise Invalid("the rule yields no session", field="rule")
    return starts


def session_id(series_id: str, index: int) -> str:
    """The id of the ``index``-th session of a series (stable: the same plan retried makes the same ids)."""
    return uuid.uuid5(_NAMESPACE, f"{series_id}\x1f{index}").hex


@dataclass(frozen=True, slots=True)
class Session:
    """One session and who is signed up: ``confirmed`` in order of sign-up, then the waiting list."""

    id: str
    series_id: str
    item_id: str
    community_id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    capacity: int
    organizer: str
    status: SessionStatus = SessionStatus.SCHEDULED
    confirmed: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()
    cancel_reason: str | None = None
    version: int = 0
    history: tuple[dict[str, Any], ...] = field(default=())

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone signed up, confirmed or waiting."""
        return (*self.confirmed, *self.waiting)

    @property
    def duration(self) -> timedelta:
        """How long the session lasts."""
        return self.ends_at - self.starts_at

    def require_open(self, at: datetime, action: str) -> None:
        """Sign-ups and withdrawals while the session is scheduled and not over."""
        if self.status is not SessionStatus.SCHEDULED:
            raise TransitionNotAllowed("session", self.status, action)
        if at >= self.ends_at:
            raise Invalid("the session is over", field="sessionId")

    def confirmed_event(self, person: str, at: datetime) -> Event:
        """``people.signup.confirmed.v1``: the person has a place (from the start or moved up)."""
        return self._event("people.signup.confirmed.v1", at, person_id=person, actor=person)

    def waitlisted_event(self, person: str, at: datetime) -> Event:
        """``people.signup.waitlisted.v1``: the person waits for a place."""
        return self._event("people.signup.waitlisted.v1", at, person_id=person, position=len(self.waiting) + 1, actor=person)

    def withdraw(self, person: str, *, at: datetime) -> tuple[Session, list[Event]]:
        """The person leaves; the first waiting person moves up into a freed place."""
        self.require_open(at, "withdraw")
        if person not in self.people:
            raise Invalid("you are not signed up for this session", field="sessionId")
        confirmed = tuple(someone for someone in self.confirmed if someone != person)
        waiting = tuple(someone for someone in self.waiting if someone != person)
        events = [self._event("people.signup.withdrawn.v1", at, person_id=person, actor=person)]
        promoted = None
        if len(confirmed) < self.capacity and waiting:
            promoted, waiting = waiting[0], waiting[1:]
            confirmed = (*confirmed, promoted)
        changed = replace(self, confirmed=confirmed, waiting=waiting)
        if promoted is not None:
            events.append(changed.confirmed_event(promoted, at))
        return changed, events

    def move(self, starts_at: datetime, venue: str | None, *, actor: str, at: datetime) -> tuple[Session, list[Event]]:
        """An exception: this session at another time (and venue); its people are told."""
        if self.status is not SessionStatus.SCHEDULED:
            raise TransitionNotAllowed("session", self.status, "move")
        if starts_at.tzinfo is None:
            raise Invalid("give the time with its offset", field="startsAt")
        if venue is not None and (not venue.strip() or len(venue) > 200):
            raise Invalid("a venue is 1–200 characters", field="venue")
        starts_at = starts_at.astimezone(UTC)
        moved = replace(
            self,
            starts_at=starts_at,
            ends_at=starts_at + self.duration,
            venue=venue.strip() if venue else self.venue,
            history=(*self.history, {"action": "move", "actor": actor, "at": at.isoformat(), "from": self.starts_at.isoformat()}),
        )
        changes = field_changes(
            {"starts_at": self.starts_at, "ends_at": self.ends_at, "venue": self.venue},
            {"starts_at": moved.starts_at, "ends_at": moved.ends_at, "venue": moved.venue},
        )
        return moved, [moved._changed("moved", at, previous=self.starts_at, actor=actor, changes=changes)]

    def cancel(self, reason: str, *, actor: str, at: datetime) -> tuple[Session, list[Event]]:
        """An exception: this session will not take place; its people are told."""
        if self.status is not SessionStatus.SCHEDULED:
            raise TransitionNotAllowed("session", self.status, "cancel")
        if not reason.strip():
            raise Invalid("say why the session is cancelled", field="reason")
        cancelled = replace(
            self,
            status=SessionStatus.CANCELLED,
            cancel_reason=reason.strip(),
            history=(*self.history, {"action": "cancel", "actor": actor, "at": at.isoformat(), "reason": reason.strip()}),
        )
        changes = {
            "status": {"old": self.status.value, "new": cancelled.status.value},
            "cancel_reason": {"old": None, "new": reason.strip()},
        }
        return cancelled, [cancelled._changed("cancelled", at, previous=self.starts_at, actor=actor, changes=changes)]

    def _changed(self, change: str, at: datetime, *, previous: datetime, **data: Any) -> Event:
        return self._event(
            "people.session.changed.v1", at, change=change, previous_starts_at=previous.isoformat(), attendee_ids=list(self.people), **data
        )

    def _event(self, routing_key: str, at: datetime, **data: Any) -> Event:
        base = {
            "session_id": self.id,
            "series_id": self.series_id,
            "item_id": self.item_id,
            "community_id": self.community_id,
            "title": self.title,
            "venue": self.venue,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
        }
        return new_event(routing_key, service=SERVICE, community=self.community_id, subject=self.id, time=at, data={**base, **data})


def plan_sessions(plan: SessionPlan, *, series_id: str, organizer: str, at: datetime) -> tuple[list[Session], list[Event]]:
    """The sessions of a checked plan, and the event announcing them."""
    plan = plan.checked()
    starts = expand(plan)
    sessions = [
        Session(
            id=session_id(series_id, index),
            series_id=series_id,
            item_id=plan.item_id,
            community_id=plan.community_id,
            title=plan.title,
            starts_at=start,
            ends_at=start + plan.duration,
            venue=plan.venue,
            capacity=plan.capacity,
            organizer=organizer,
        )
        for index, start in enumerate(starts)
    ]
    event = new_event(
        "people.sessions.scheduled.v1",
        service=SERVICE,
        community=plan.community_id,
        subject=series_id,
        time=at,
        data={
            "series_id": series_id,
            "item_id": plan.item_id,
            "community_id": plan.community_id,
            "rule": plan.rule,
            "session_ids": [session.id for session in sessions],
            "starts_at": [session.starts_at.isoformat() for session in sessions],
            "actor": organizer,
        },
    )
    return sessions, [event]
