"""Mutations of the people subgraph: each with an input and a payload with typed errors."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import strawberry
from strawberry.types import Info

from services.common.graphql.mutations import attempt
from services.people.certificate_pdf import render_certificate
from services.people.domain import Attendance, Certificate, Session, SessionPlan
from services.people.downloads import certificate_path, certificate_url
from services.people.schema.context import PeopleContext
from services.people.schema.inputs import (
    AttendancePayload,
    CancelActivitySessionInput,
    CancelActivitySessionPayload,
    CheckInInput,
    CheckInPayload,
    CheckOutInput,
    CheckOutPayload,
    ConfirmAttendanceInput,
    ConfirmAttendancePayload,
    IssueCheckInCodeInput,
    IssueCheckInCodePayload,
    IssueVolunteerCertificateInput,
    IssueVolunteerCertificatePayload,
    MoveActivitySessionInput,
    MoveActivitySessionPayload,
    RecordAttendanceInput,
    RecordAttendancePayload,
    RegisterVolunteerInput,
    RegisterVolunteerPayload,
    ScheduleActivitySessionsInput,
    ScheduleActivitySessionsPayload,
    SessionPayload,
    SignUpForSessionInput,
    SignUpForSessionPayload,
    WithdrawFromSessionInput,
    WithdrawFromSessionPayload,
)
from services.people.schema.types import ActivitySessionType, AttendanceType, CertificateType, CheckInCodeType, VolunteerType

__all__ = ["Mutation"]


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
            certificate=CertificateType.from_domain(certificate),
            pdf_base64=base64.b64encode(pdf).decode(),
            pdf_path=certificate_path(certificate.code),
            pdf_url=certificate_url(handlers.settings, certificate.code),
            errors=[],
        )
