"""Object types of the people subgraph: sessions, attendance, volunteers, hours, certificates, similar needs."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime
from enum import Enum

import segno
import strawberry
from strawberry.types import Info

from services.people.domain import Attendance, Certificate, Session, SessionStatus, Volunteer, access, masked
from services.people.domain.matching import Match
from services.people.schema.context import PeopleContext

__all__ = [
    "ActivitySessionType",
    "AttendanceType",
    "CertificateType",
    "CheckInCodeType",
    "SignUpState",
    "SimilarNeedType",
    "SuggestionType",
    "VolunteerHoursType",
    "VolunteerType",
]

strawberry.enum(SessionStatus, name="ActivitySessionStatus", description="SCHEDULED, or CANCELLED (an exception of its series).")


@strawberry.enum(description="Where you stand for a session.")
class SignUpState(Enum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    NONE = "none"


@strawberry.type(name="ActivitySession", description="活动场次 One session of an activity: time, venue, capacity and who signed up.")
class ActivitySessionType:
    id: strawberry.ID = strawberry.field(description="The session.")
    item_id: strawberry.ID = strawberry.field(description="The service item (activity) it belongs to.")
    series_id: strawberry.ID = strawberry.field(description="The plan it was made from (all sessions of one RRULE share it).")
    community_id: strawberry.ID = strawberry.field(description="Its community.")
    title: str = strawberry.field(description="The activity's title.")
    starts_at: datetime = strawberry.field(description="When it starts.")
    ends_at: datetime = strawberry.field(description="When it ends.")
    venue: str = strawberry.field(description="Where.")
    capacity: int = strawberry.field(description="Places.")
    status: SessionStatus = strawberry.field(description="Scheduled or cancelled.")
    cancel_reason: str | None = strawberry.field(description="Why it was cancelled.")
    confirmed_count: int = strawberry.field(description="People with a place.")
    waiting_count: int = strawberry.field(description="People on the waiting list.")
    _session: strawberry.Private[Session]

    @strawberry.field(description="Your sign-up: CONFIRMED, WAITING or NONE.")
    def my_sign_up(self, info: Info[PeopleContext, None]) -> SignUpState:
        subject = info.context.require_principal().subject
        if subject in self._session.confirmed:
            return SignUpState.CONFIRMED
        return SignUpState.WAITING if subject in self._session.waiting else SignUpState.NONE

    @strawberry.field(description="Your place on the waiting list (1 = next), if you wait.")
    def my_waiting_position(self, info: Info[PeopleContext, None]) -> int | None:
        subject = info.context.require_principal().subject
        return self._session.waiting.index(subject) + 1 if subject in self._session.waiting else None

    @strawberry.field(description="Who has a place, in order of sign-up (organizers only; null for others).")
    async def confirmed_people(self, info: Info[PeopleContext, None]) -> list[str] | None:
        return list(self._session.confirmed) if await _organizes(info, self._session) else None

    @strawberry.field(description="The waiting list in order (organizers only; null for others).")
    async def waiting_people(self, info: Info[PeopleContext, None]) -> list[str] | None:
        return list(self._session.waiting) if await _organizes(info, self._session) else None

    @classmethod
    def from_domain(cls, session: Session) -> ActivitySessionType:
        """From a domain session."""
        return cls(
            id=strawberry.ID(session.id),
            item_id=strawberry.ID(session.item_id),
            series_id=strawberry.ID(session.series_id),
            community_id=strawberry.ID(session.community_id),
            title=session.title,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            venue=session.venue,
            capacity=session.capacity,
            status=session.status,
            cancel_reason=session.cancel_reason,
            confirmed_count=len(session.confirmed),
            waiting_count=len(session.waiting),
            _session=session,
        )


async def _organizes(info: Info[PeopleContext, None], session: Session) -> bool:
    item = await info.context.store.item(session.item_id)
    district = await info.context.store.places.district_of(session.community_id)
    return item is not None and access.is_organizer(info.context.require_principal(), item, district)


@strawberry.type(name="SessionAttendance", description="签到/签退 One person at one session.")
class AttendanceType:
    session_id: strawberry.ID = strawberry.field(description="The session.")
    person_id: strawberry.ID = strawberry.field(description="Who.")
    checked_in_at: datetime = strawberry.field(description="签到 time.")
    checked_out_at: datetime | None = strawberry.field(description="签退 time.")
    minutes: int | None = strawberry.field(description="Confirmed minutes of service; null until the organizer confirms.")
    confirmed: bool = strawberry.field(description="The organizer confirmed the minutes.")
    recorded_by_organizer: bool = strawberry.field(description="Recorded by the organizer (for people without a phone).")

    @classmethod
    def from_domain(cls, record: Attendance) -> AttendanceType:
        """From a domain record."""
        return cls(
            session_id=strawberry.ID(record.session_id),
            person_id=strawberry.ID(record.person),
            checked_in_at=record.checked_in_at,
            checked_out_at=record.checked_out_at,
            minutes=record.minutes,
            confirmed=record.confirmed_by is not None,
            recorded_by_organizer=record.recorded_by is not None,
        )


@strawberry.type(name="CheckInCode", description="The code the organizer shows; people type it or scan its QR code to check in and out.")
class CheckInCodeType:
    session_id: strawberry.ID = strawberry.field(description="The session it is valid for (only).")
    code: str = strawberry.field(description="8 digits.")
    expires_at: datetime = strawberry.field(description="When it stops working (a new code replaces it earlier).")

    @strawberry.field(description="The QR code of `renling:checkin:<sessionId>:<code>` as an SVG data URI.")
    def qr_svg(self) -> str:
        out = io.BytesIO()
        segno.make(f"renling:checkin:{self.session_id}:{self.code}", error="m").save(out, kind="svg", scale=4)
        return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@strawberry.type(name="Volunteer", description="志愿者 A registered volunteer; the real name, ID number and phone are shown to staff only.")
class VolunteerType:
    id: strawberry.ID = strawberry.field(description="The register entry.")
    person_id: strawberry.ID = strawberry.field(description="The person (token subject).")
    community_id: strawberry.ID = strawberry.field(description="The community.")
    display_name: str = strawberry.field(description="The name shown to everyone.")
    skills: list[str] = strawberry.field(description="What they offer.")
    registered_at: datetime = strawberry.field(description="When they registered.")
    real_name: str | None = strawberry.field(description="Real name (staff and the volunteer only).")
    id_number: str | None = strawberry.field(description="ID number (staff and the volunteer only).")
    phone: str | None = strawberry.field(description="Phone (staff and the volunteer only).")

    @classmethod
    def from_domain(cls, volunteer: Volunteer, *, private: bool) -> VolunteerType:
        """From a domain entry; ``private`` shows the real name, ID number and phone."""
        return cls(
            id=strawberry.ID(volunteer.id),
            person_id=strawberry.ID(volunteer.person),
            community_id=strawberry.ID(volunteer.community_id),
            display_name=volunteer.display_name,
            skills=list(volunteer.skills),
            registered_at=volunteer.registered_at,
            real_name=volunteer.real_name if private else None,
            id_number=volunteer.id_number if private else None,
            phone=volunteer.phone if private else None,
        )


@strawberry.type(name="VolunteerHours", description="A person's confirmed service in a period.")
class VolunteerHoursType:
    person_id: strawberry.ID = strawberry.field(description="Who.")
    community_id: strawberry.ID = strawberry.field(description="Where.")
    minutes: int = strawberry.field(description="Confirmed minutes.")
    hours: float = strawberry.field(description="Confirmed hours, to a tenth.")
    sessions: list[AttendanceType] = strawberry.field(description="The confirmed sessions.")


@strawberry.type(name="PersonHours", description="One person's part of a claim's hours.")
class PersonHoursType:
    person_id: strawberry.ID = strawberry.field(description="Who.")
    minutes: int = strawberry.field(description="Their confirmed minutes.")


@strawberry.type(name="ClaimVolunteerHours", description="A claim's volunteer hours: the sum of its people's confirmed attendance.")
class ClaimHoursType:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")
    minutes: int = strawberry.field(description="All people's confirmed minutes.")
    hours: float = strawberry.field(description="The same in hours, to a tenth.")
    people: list[PersonHoursType] = strawberry.field(description="Per person.")


@strawberry.type(name="VolunteerCertificate", description="志愿服务记录证明 as issued, with its verification code.")
class CertificateType:
    code: str = strawberry.field(description="The verification code printed on it.")
    community_id: strawberry.ID = strawberry.field(description="The issuing community.")
    community_name: str = strawberry.field(description="Its name.")
    masked_name: str = strawberry.field(description="The volunteer's name, masked (王*兰).")
    period_from: date = strawberry.field(description="First day of the period.")
    period_to: date = strawberry.field(description="Last day of the period.")
    hours: float = strawberry.field(description="Confirmed hours in the period.")
    session_count: int = strawberry.field(description="Confirmed sessions in the period.")
    issued_at: datetime = strawberry.field(description="When it was issued.")

    @classmethod
    def from_domain(cls, certificate: Certificate) -> CertificateType:
        """From a domain certificate."""
        return cls(
            code=certificate.code,
            community_id=strawberry.ID(certificate.community_id),
            community_name=certificate.community_name,
            masked_name=masked(certificate.real_name),
            period_from=certificate.period_from,
            period_to=certificate.period_to,
            hours=certificate.hours,
            session_count=len(certificate.lines),
            issued_at=certificate.issued_at,
        )


@strawberry.type(name="MatchSuggestion", description="A suggested organization or item, its score, and why it ranks.")
class SuggestionType:
    id: strawberry.ID = strawberry.field(description="The organization (suggestedClaimants) or service item (suggestedItems).")
    name: str = strawberry.field(description="Its name or title.")
    score: float = strawberry.field(
        description="Higher fits better: field match 3, each past claim of the category 1.5 (two at most), average score / 50, stage, own community."
    )
    reasons: list[str] = strawberry.field(description="Why, for a person to read (领域相符、曾认领同类项目、以往评估、发展阶段…).")


@strawberry.type(name="SimilarNeed", description="An open need like the one being typed, and why it ranks.")
class SimilarNeedType:
    need_id: strawberry.ID = strawberry.field(description="The need (support it instead of submitting a duplicate).")
    title: str = strawberry.field(description="Its title.")
    score: float = strawberry.field(description="Similarity 0–1 (Dice coefficient of rarity-weighted character bigrams).")
    shared: list[str] = strawberry.field(description="The shared bigrams that weigh most.")
    why: str = strawberry.field(description="The explanation, for a person to read.")

    @classmethod
    def of(cls, match: Match, title: str) -> SimilarNeedType:
        """From a match."""
        why = f"共有词语：{'、'.join(match.shared)}；相似度 {match.score:.0%}"
        return cls(need_id=strawberry.ID(match.id), title=title, score=match.score, shared=list(match.shared), why=why)
