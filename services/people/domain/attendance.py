"""Check-in and check-out (签到/签退): a session code the organizer shows, or attendance the organizer records.

The organizer's code is random, kept only as a hash, and valid for a while on its session only; a
person checks in once and out once (each one conditional write). Minutes count once the
organizer confirms them: from check-in to check-out, within the session's time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.common.changes import field_changes
from services.common.domain import Invalid
from services.common.events import Event, new_event

__all__ = [
    "CHECKED_IN",
    "CHECKED_OUT",
    "CODE_LIFETIME",
    "CONFIRMED",
    "RECORDED",
    "Attendance",
    "attendance_event",
    "attendance_id",
    "code_hash",
    "code_matches",
    "new_code",
    "served_minutes",
]

CODE_LIFETIME = timedelta(hours=4)
CHECKED_IN = "people.attendance.checked_in.v1"
CHECKED_OUT = "people.attendance.checked_out.v1"
RECORDED = "people.attendance.recorded.v1"
CONFIRMED = "people.attendance.confirmed.v1"
GRACE = timedelta(minutes=30)


def new_code() -> str:
    """A fresh 8-digit session code."""
    return f"{secrets.randbelow(10**8):08d}"


def code_hash(session_id: str, code: str) -> str:
    """What is stored: the code bound to its session (the same digits mean nothing for another session)."""
    return hashlib.sha256(f"{session_id}\x1f{code}".encode()).hexdigest()


def code_matches(session_id: str, code: str, stored: str | None, expires_at: datetime | None, at: datetime) -> None:
    """:class:`Invalid` unless ``code`` is this session's current code."""
    if stored is None or expires_at is None or at >= expires_at:
        raise Invalid("this session has no valid check-in code now", field="code")
    if not hmac.compare_digest(code_hash(session_id, code.strip()), stored):
        raise Invalid("wrong code for this session", field="code")


def attendance_id(session_id: str, person: str) -> str:
    """One attendance record per person and session."""
    return hashlib.sha256(f"{session_id}\x1f{person}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Attendance:
    """One person at one session."""

    id: str
    session_id: str
    item_id: str
    community_id: str
    person: str
    checked_in_at: datetime
    checked_out_at: datetime | None = None
    minutes: int | None = None
    confirmed_by: str | None = None
    recorded_by: str | None = None


def served_minutes(checked_in_at: datetime, checked_out_at: datetime | None, starts_at: datetime, ends_at: datetime) -> int:
    """Minutes of service: check-in to check-out, clipped to the session (with half an hour either side)."""
    if checked_out_at is None:
        return 0
    start = max(checked_in_at, starts_at - GRACE)
    end = min(checked_out_at, ends_at + GRACE)
    return max(0, int((end - start).total_seconds() // 60))


def check_window(starts_at: datetime, ends_at: datetime, at: datetime) -> None:
    """Check-in and out are possible from half an hour before to half an hour after the session."""
    if not starts_at - GRACE <= at <= ends_at + GRACE:
        raise Invalid("check-in is open from 30 minutes before to 30 minutes after the session", field="code")


def _view(record: Attendance | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {
        "checked_in_at": record.checked_in_at,
        "checked_out_at": record.checked_out_at,
        "minutes": record.minutes,
        "confirmed_by": record.confirmed_by,
        "recorded_by": record.recorded_by,
    }


def attendance_event(routing_key: str, before: Attendance | None, after: Attendance, *, actor: str, at: datetime) -> Event:
    """The event of a change to one attendance record, with each changed field's old and new value (the audit trail's)."""
    data = {
        "attendance_id": after.id,
        "session_id": after.session_id,
        "item_id": after.item_id,
        "community_id": after.community_id,
        "person_id": after.person,
        "actor": actor,
        "changes": field_changes(_view(before), _view(after)),
    }
    return new_event(routing_key, service="people", community=after.community_id, subject=after.id, time=at, data=data)
