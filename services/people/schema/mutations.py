"""Mutations of the people subgraph: each with an input and a payload with typed errors."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import TypeVar

import strawberry
from strawberry.types import Info

from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.people.certificate_pdf import render_certificate
from services.people.domain import Attendance, Certificate, Session, SessionPlan
from services.people.schema.context import PeopleContext
from services.people.schema.types import ActivitySessionType, AttendanceType, CertificateType, CheckInCodeType, VolunteerType

__all__ = ["Mutation"]


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
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


S = TypeVar("S", bound=SessionPayload)
A = TypeVar("A", bound=AttendancePayload)


async def _session(kind: type[S], action: Callable[[], Awaitable[Session]]) -> S:
    session, errors = await attempt(action)
    return kind(session=ActivitySessionType.from_domain(session) if session else None, errors=errors)


async def _attendance(kind: type[A], action: Callable[[], Awaitable[Attendance]]) -> A:
    record, errors = await attempt(action)
    return kind(attendance=AttendanceType.from_domain(record) if record else None, errors=errors)


@strawberry.type(description="Change sessions, sign-ups, attendance and the volunteer register.")
class Mutation:
    @strawberry.mutation(description="Organizers: plan an activity's sessions (one-off or recurring by RRULE).")
    async def schedule_activity_sessions(
        self, info: Info[PeopleContext, None], input: ScheduleActivitySessionsInput
    ) -> ScheduleActivitySessionsPayload:
        principal = info.context.require_principal()
        plan = SessionPlan(
            str(input.item_id), "", "", input.starts_at, timedelta(minutes=input.duration_minutes), input.venue, input.capacity, input.rule
        )
        sessions, errors = await attempt(
            lambda: info.context.use_cases.sessions.schedule(principal, str(input.item_id), plan, idempotency_key=input.idempotency_key)
        )
        return ScheduleActivitySessionsPayload(sessions=[ActivitySessionType.from_domain(s) for s in sessions or []], errors=errors)

    @strawberry.mutation(description="报名 Sign up for a session: a place if one is free, else the waiting list.")
    async def sign_up_for_session(self, info: Info[PeopleContext, None], input: SignUpForSessionInput) -> SignUpForSessionPayload:
        principal = info.context.require_principal()
        return await _session(SignUpForSessionPayload, lambda: info.context.use_cases.sessions.sign_up(principal, str(input.session_id)))

    @strawberry.mutation(description="Withdraw from a session; the first on the waiting list moves up.")
    async def withdraw_from_session(self, info: Info[PeopleContext, None], input: WithdrawFromSessionInput) -> WithdrawFromSessionPayload:
        principal = info.context.require_principal()
        return await _session(
            WithdrawFromSessionPayload, lambda: info.context.use_cases.sessions.withdraw(principal, str(input.session_id))
        )

    @strawberry.mutation(description="Organizers: move one session; those signed up are told.")
    async def move_activity_session(self, info: Info[PeopleContext, None], input: MoveActivitySessionInput) -> MoveActivitySessionPayload:
        principal = info.context.require_principal()
        return await _session(
            MoveActivitySessionPayload,
            lambda: info.context.use_cases.sessions.move(principal, str(input.session_id), input.starts_at, input.venue),
        )

    @strawberry.mutation(description="Organizers: cancel one session; those signed up are told.")
    async def cancel_activity_session(
        self, info: Info[PeopleContext, None], input: CancelActivitySessionInput
    ) -> CancelActivitySessionPayload:
        principal = info.context.require_principal()
        return await _session(
            CancelActivitySessionPayload, lambda: info.context.use_cases.sessions.cancel(principal, str(input.session_id), input.reason)
        )

    @strawberry.mutation(description="Organizers: a fresh check-in code (and its QR code) to show at the session.")
    async def issue_check_in_code(self, info: Info[PeopleContext, None], input: IssueCheckInCodeInput) -> IssueCheckInCodePayload:
        principal = info.context.require_principal()
        result, errors = await attempt(lambda: info.context.use_cases.sessions.issue_code(principal, str(input.session_id)))
        if result is None:
            return IssueCheckInCodePayload(check_in_code=None, errors=errors)
        session, code, expires = result
        return IssueCheckInCodePayload(
            check_in_code=CheckInCodeType(session_id=strawberry.ID(session.id), code=code, expires_at=expires), errors=[]
        )

    @strawberry.mutation(description="签到 Check in with the organizer's code (once).")
    async def check_in(self, info: Info[PeopleContext, None], input: CheckInInput) -> CheckInPayload:
        principal = info.context.require_principal()
        return await _attendance(
            CheckInPayload, lambda: info.context.use_cases.sessions.check_in(principal, str(input.session_id), input.code)
        )

    @strawberry.mutation(description="签退 Check out with the organizer's code (once, after checking in).")
    async def check_out(self, info: Info[PeopleContext, None], input: CheckOutInput) -> CheckOutPayload:
        principal = info.context.require_principal()
        return await _attendance(
            CheckOutPayload, lambda: info.context.use_cases.sessions.check_out(principal, str(input.session_id), input.code)
        )

    @strawberry.mutation(description="Organizers: record someone's attendance (for people without a phone).")
    async def record_attendance(self, info: Info[PeopleContext, None], input: RecordAttendanceInput) -> RecordAttendancePayload:
        principal = info.context.require_principal()
        return await _attendance(
            RecordAttendancePayload,
            lambda: info.context.use_cases.sessions.record_attendance(
                principal, str(input.session_id), str(input.person_id), input.checked_in_at, input.checked_out_at
            ),
        )

    @strawberry.mutation(description="Organizers: confirm a session's attendance; the minutes become volunteer hours.")
    async def confirm_attendance(self, info: Info[PeopleContext, None], input: ConfirmAttendanceInput) -> ConfirmAttendancePayload:
        principal = info.context.require_principal()
        records, errors = await attempt(lambda: info.context.use_cases.sessions.confirm(principal, str(input.session_id)))
        return ConfirmAttendancePayload(attendance=[AttendanceType.from_domain(record) for record in records or []], errors=errors)

    @strawberry.mutation(description="志愿者登记 Register (or update) yourself as a volunteer of your community.")
    async def register_volunteer(self, info: Info[PeopleContext, None], input: RegisterVolunteerInput) -> RegisterVolunteerPayload:
        principal = info.context.require_principal()
        volunteer, errors = await attempt(
            lambda: info.context.use_cases.hours.register(
                principal,
                str(input.community_id),
                real_name=input.real_name,
                display_name=input.display_name,
                id_number=input.id_number,
                phone=input.phone,
                skills=input.skills,
            )
        )
        return RegisterVolunteerPayload(volunteer=VolunteerType.from_domain(volunteer, private=True) if volunteer else None, errors=errors)

    @strawberry.mutation(description="Issue a 志愿服务记录证明 (PDF with a verification code) of confirmed hours in a period.")
    async def issue_volunteer_certificate(
        self, info: Info[PeopleContext, None], input: IssueVolunteerCertificateInput
    ) -> IssueVolunteerCertificatePayload:
        principal = info.context.require_principal()
        handlers = info.context.use_cases

        async def issue() -> tuple[Certificate, bytes]:
            certificate = await handlers.hours.issue_certificate(
                principal, str(input.community_id), str(input.person_id) if input.person_id else None, input.period_from, input.period_to
            )
            settings = handlers.settings
            return certificate, render_certificate(certificate, font=settings.people_cjk_font, font_index=settings.people_cjk_font_index)

        result, errors = await attempt(issue)
        if result is None:
            return IssueVolunteerCertificatePayload(certificate=None, pdf_base64=None, errors=errors)
        certificate, pdf = result
        return IssueVolunteerCertificatePayload(
            certificate=CertificateType.from_domain(certificate), pdf_base64=base64.b64encode(pdf).decode(), errors=[]
        )
