"""Root queries of the people subgraph."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from services.common.domain import DomainError
from services.common.graphql.errors import PublicError, public_error
from services.common.graphql.pagination import Connection, connection
from services.people.domain import access
from services.people.schema.context import PeopleContext
from services.people.schema.types import (
    ActivitySessionType,
    AttendanceType,
    CertificateType,
    ClaimHoursType,
    PersonHoursType,
    SimilarNeedType,
    SuggestionType,
    VolunteerHoursType,
    VolunteerType,
)

__all__ = ["Query"]


@strawberry.type(description="Read sessions, attendance, volunteers and hours; check a certificate; find similar needs.")
class Query:
    @strawberry.field(description="The sessions of a service item (activity), in time order.")
    async def activity_sessions(
        self, info: Info[PeopleContext, None], item_id: strawberry.ID, first: int = 20, after: str | None = None
    ) -> Connection[ActivitySessionType]:
        principal = info.context.require_principal()
        store = info.context.store
        item = await store.item(str(item_id))
        if item is None or not principal.belongs_to(item["community_id"], await store.places.district_of(item["community_id"])):
            raise PublicError("no such service item", "NOT_FOUND", "itemId")
        try:
            sessions, page = await store.list_sessions(
                [item["community_id"]], item_id=str(item_id), starts_after=None, first=first, after=after
            )
        except DomainError as error:
            raise public_error(error) from error

        async def count() -> int:
            return await store.count_sessions([item["community_id"]], item_id=str(item_id), starts_after=None)

        return connection([ActivitySessionType.from_domain(session) for session in sessions], page, after=after, count=count)

    @strawberry.field(description="One session, if it is of your community.")
    async def activity_session(self, info: Info[PeopleContext, None], id: strawberry.ID) -> ActivitySessionType | None:
        try:
            session = await info.context.use_cases.sessions.visible(info.context.require_principal(), str(id))
        except DomainError:
            return None
        return ActivitySessionType.from_domain(session)

    @strawberry.field(description="Organizers: everyone's check-in and check-out for a session.")
    async def session_attendance(self, info: Info[PeopleContext, None], session_id: strawberry.ID) -> list[AttendanceType]:
        principal = info.context.require_principal()
        handlers = info.context.use_cases.sessions
        try:
            session = await handlers.visible(principal, str(session_id))
            access.require_organizer(
                principal, await handlers.known_item(session.item_id), await handlers.district_of(session.community_id)
            )
        except DomainError as error:
            raise public_error(error) from error
        return [
            AttendanceType.from_domain(record)
            for record in await info.context.store.attendance_of_session(session.community_id, session.id)
        ]

    @strawberry.field(description="Staff: the community's volunteer register (志愿者), newest first, with real names.")
    async def volunteers(
        self, info: Info[PeopleContext, None], community_id: strawberry.ID, first: int = 20, after: str | None = None
    ) -> Connection[VolunteerType]:
        principal = info.context.require_principal()
        handlers = info.context.use_cases.hours
        try:
            await handlers.require_staff(principal, str(community_id))
            volunteers, page = await info.context.store.list_volunteers([str(community_id)], first=first, after=after)
        except DomainError as error:
            raise public_error(error) from error

        async def count() -> int:
            return await info.context.store.count_volunteers([str(community_id)])

        return connection([VolunteerType.from_domain(volunteer, private=True) for volunteer in volunteers], page, after=after, count=count)

    @strawberry.field(description="Confirmed hours in a period (China dates, inclusive): yours, or (staff) anyone's by `personId`.")
    async def volunteer_hours(
        self,
        info: Info[PeopleContext, None],
        community_id: strawberry.ID,
        period_from: date,
        period_to: date,
        person_id: strawberry.ID | None = None,
    ) -> VolunteerHoursType:
        principal = info.context.require_principal()
        try:
            records = await info.context.use_cases.hours.person_attendance(
                principal, str(community_id), str(person_id) if person_id else None, period_from, period_to
            )
        except DomainError as error:
            raise public_error(error) from error
        minutes = sum(record.minutes or 0 for record in records)
        return VolunteerHoursType(
            person_id=strawberry.ID(str(person_id) if person_id else principal.subject),
            community_id=community_id,
            minutes=minutes,
            hours=round(minutes / 60, 1),
            sessions=[AttendanceType.from_domain(record) for record in records],
        )

    @strawberry.field(description="A claim's volunteer hours: the sum of its people's confirmed attendance at the item's sessions.")
    async def claim_volunteer_hours(self, info: Info[PeopleContext, None], claim_id: strawberry.ID) -> ClaimHoursType | None:
        result = await info.context.use_cases.hours.claim_minutes(info.context.require_principal(), str(claim_id))
        if result is None:
            return None
        total, per_person = result
        people = [PersonHoursType(person_id=strawberry.ID(person), minutes=minutes) for person, minutes in sorted(per_person.items())]
        return ClaimHoursType(claim_id=claim_id, minutes=total, hours=round(total / 60, 1), people=people)

    @strawberry.field(description="Anyone: check a 志愿服务记录证明 by the verification code printed on it; null if no such certificate.")
    async def verify_volunteer_certificate(self, info: Info[PeopleContext, None], code: str) -> CertificateType | None:
        if len(code) > 40:
            raise PublicError("not a verification code", "BAD_USER_INPUT", "code")
        certificate = await info.context.use_cases.hours.verify(code)
        return CertificateType.from_domain(certificate) if certificate else None

    @strawberry.field(description="Staff: confirmed hours of a period as CSV in the national volunteer system's import columns.")
    async def volunteer_hours_export(
        self, info: Info[PeopleContext, None], community_id: strawberry.ID, period_from: date, period_to: date
    ) -> str:
        try:
            return await info.context.use_cases.hours.export(info.context.require_principal(), str(community_id), period_from, period_to)
        except DomainError as error:
            raise public_error(error) from error

    @strawberry.field(description="While typing a need: the community's open needs most like the text, best first, each explained.")
    async def similar_needs(
        self, info: Info[PeopleContext, None], community_id: strawberry.ID, text: str, first: int = 5
    ) -> list[SimilarNeedType]:
        if len(text) > 2_000:
            raise PublicError("the text is longer than 2000 characters", "BAD_USER_INPUT", "text")
        try:
            matches = await info.context.use_cases.hours.similar_needs(
                info.context.require_principal(), str(community_id), text, first=first
            )
        except DomainError as error:
            raise public_error(error) from error
        return [SimilarNeedType.of(match, title) for match, title in matches]

    @strawberry.field(
        description="Staff: the organizations most likely to claim a published item (field, track record, scores, stage, served communities), each explained."
    )
    async def suggested_claimants(self, info: Info[PeopleContext, None], item_id: strawberry.ID, first: int = 5) -> list[SuggestionType]:
        try:
            found = await info.context.use_cases.matching.claimants_for(info.context.require_principal(), str(item_id), first=first)
        except DomainError as error:
            raise public_error(error) from error
        return [SuggestionType(id=strawberry.ID(s.id), name=name, score=s.score, reasons=list(s.reasons)) for s, name in found]

    @strawberry.field(description="An organization's leader (or its community's staff): the open items that fit it best, each explained.")
    async def suggested_items(
        self, info: Info[PeopleContext, None], organization_id: strawberry.ID, first: int = 5
    ) -> list[SuggestionType]:
        try:
            found = await info.context.use_cases.matching.items_for(info.context.require_principal(), str(organization_id), first=first)
        except DomainError as error:
            raise public_error(error) from error
        return [SuggestionType(id=strawberry.ID(s.id), name=title, score=s.score, reasons=list(s.reasons)) for s, title in found]
