"""Inputs and payloads of the people subgraph's mutations: one input and one payload per mutation."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from services.common.graphql.errors import UserError
from services.people.schema.types import ActivitySessionType, AttendanceType, CertificateType, CheckInCodeType, VolunteerType

__all__ = [
    "AttendancePayload",
    "CancelActivitySessionInput",
    "CancelActivitySessionPayload",
    "CheckInInput",
    "CheckInPayload",
    "CheckOutInput",
    "CheckOutPayload",
    "ConfirmAttendanceInput",
    "ConfirmAttendancePayload",
    "IssueCheckInCodeInput",
    "IssueCheckInCodePayload",
    "IssueVolunteerCertificateInput",
    "IssueVolunteerCertificatePayload",
    "MoveActivitySessionInput",
    "MoveActivitySessionPayload",
    "RecordAttendanceInput",
    "RecordAttendancePayload",
    "RegisterVolunteerInput",
    "RegisterVolunteerPayload",
    "ScheduleActivitySessionsInput",
    "ScheduleActivitySessionsPayload",
    "SessionInput",
    "SessionPayload",
    "SignUpForSessionInput",
    "SignUpForSessionPayload",
    "WithdrawFromSessionInput",
    "WithdrawFromSessionPayload",
]


@strawberry.input(description="Plan an activity's sessions: one, or many by an RFC 5545 RRULE.")
class ScheduleActivitySessionsInput:
    item_id: strawberry.ID = strawberry.field(description="The published service item (activity).")
    starts_at: datetime = strawberry.field(description="The first session's start, with offset (e.g. 2026-12-01T19:00:00+08:00).")
    duration_minutes: int = strawberry.field(description="How long each session lasts.")
    venue: str = strawberry.field(description="Where.")
    capacity: int = strawberry.field(description="Places per session.")
    rule: str | None = strawberry.field(
        default=None, description="RRULE with COUNT or UNTIL, e.g. `FREQ=WEEKLY;BYDAY=TU,FR;COUNT=8` or `FREQ=MONTHLY;BYDAY=1SA;COUNT=6`."
    )
    idempotency_key: str | None = strawberry.field(default=None, description="Send the same key when retrying: the sessions are made once.")


@strawberry.type(description="Result of scheduleActivitySessions.")
class ScheduleActivitySessionsPayload:
    sessions: list[ActivitySessionType] = strawberry.field(description="The sessions made; empty if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.input(description="A session.")
class SessionInput:
    session_id: strawberry.ID = strawberry.field(description="The session.")


@strawberry.input(description="Sign up for a session.")
class SignUpForSessionInput(SessionInput):
    pass


@strawberry.input(description="Withdraw from a session.")
class WithdrawFromSessionInput(SessionInput):
    pass


@strawberry.input(description="Issue a fresh check-in code for a session.")
class IssueCheckInCodeInput(SessionInput):
    pass


@strawberry.input(description="Confirm a session's attendance.")
class ConfirmAttendanceInput(SessionInput):
    pass


@strawberry.input(description="Move a session (an exception of its series).")
class MoveActivitySessionInput:
    session_id: strawberry.ID = strawberry.field(description="The session.")
    starts_at: datetime = strawberry.field(description="The new start (the duration stays).")
    venue: str | None = strawberry.field(default=None, description="A new venue, if it changes.")


@strawberry.input(description="Cancel a session (an exception of its series).")
class CancelActivitySessionInput:
    session_id: strawberry.ID = strawberry.field(description="The session.")
    reason: str = strawberry.field(description="Why (told to those signed up).")


@strawberry.type(description="Result of a session mutation.")
class SessionPayload:
    session: ActivitySessionType | None = strawberry.field(description="The session after the change; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Result of signUpForSession.")
class SignUpForSessionPayload(SessionPayload):
    pass


@strawberry.type(description="Result of withdrawFromSession.")
class WithdrawFromSessionPayload(SessionPayload):
    pass


@strawberry.type(description="Result of moveActivitySession.")
class MoveActivitySessionPayload(SessionPayload):
    pass


@strawberry.type(description="Result of cancelActivitySession.")
class CancelActivitySessionPayload(SessionPayload):
    pass


@strawberry.input(description="Check in with the code the organizer shows.")
class CheckInInput:
    session_id: strawberry.ID = strawberry.field(description="The session.")
    code: str = strawberry.field(description="The organizer's current code.")


@strawberry.input(description="Check out with the code the organizer shows.")
class CheckOutInput(CheckInInput):
    pass


@strawberry.input(description="Organizers: record attendance for someone (without a phone).")
class RecordAttendanceInput:
    session_id: strawberry.ID = strawberry.field(description="The session.")
    person_id: strawberry.ID = strawberry.field(description="Who attended.")
    checked_in_at: datetime = strawberry.field(description="Arrival.")
    checked_out_at: datetime = strawberry.field(description="Departure.")


@strawberry.type(description="Result of an attendance mutation.")
class AttendancePayload:
    attendance: AttendanceType | None = strawberry.field(description="The record after the change; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Result of checkIn.")
class CheckInPayload(AttendancePayload):
    pass


@strawberry.type(description="Result of checkOut.")
class CheckOutPayload(AttendancePayload):
    pass


@strawberry.type(description="Result of recordAttendance.")
class RecordAttendancePayload(AttendancePayload):
    pass


@strawberry.type(description="Result of confirmAttendance.")
class ConfirmAttendancePayload:
    attendance: list[AttendanceType] = strawberry.field(description="Every record of the session after confirming.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Result of issueCheckInCode.")
class IssueCheckInCodePayload:
    check_in_code: CheckInCodeType | None = strawberry.field(description="The code to show; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.input(description="Register yourself as a volunteer of a community (志愿者登记).")
class RegisterVolunteerInput:
    community_id: strawberry.ID = strawberry.field(description="Your community.")
    real_name: str = strawberry.field(description="Real name (shown to staff only; printed on your certificates).")
    display_name: str = strawberry.field(description="The name shown to others.")
    id_number: str | None = strawberry.field(default=None, description="Resident ID number, for the national system (staff only).")
    phone: str | None = strawberry.field(default=None, description="Phone (staff only).")
    skills: list[str] = strawberry.field(default_factory=list, description="What you offer.")


@strawberry.type(description="Result of registerVolunteer.")
class RegisterVolunteerPayload:
    volunteer: VolunteerType | None = strawberry.field(description="Your register entry; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.input(description="Issue a 志愿服务记录证明 for a period: yours, or (staff) a volunteer's.")
class IssueVolunteerCertificateInput:
    community_id: strawberry.ID = strawberry.field(description="The community.")
    period_from: date = strawberry.field(description="First day (China date).")
    period_to: date = strawberry.field(description="Last day (China date).")
    person_id: strawberry.ID | None = strawberry.field(default=None, description="Staff: whose; default yourself.")


@strawberry.type(description="Result of issueVolunteerCertificate.")
class IssueVolunteerCertificatePayload:
    certificate: CertificateType | None = strawberry.field(description="The certificate; null if nothing changed.")
    pdf_base64: str | None = strawberry.field(description="The PDF, base64-encoded.")
    pdf_path: str | None = strawberry.field(
        default=None,
        description="Where the same PDF is downloaded on the people service itself (GET with the bearer token of its person or staff).",
    )
    pdf_url: str | None = strawberry.field(
        default=None,
        description="The same PDF's download link through the gateway (GET with the bearer token of its person or staff).",
    )
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")
