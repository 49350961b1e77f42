"""Volunteers and hours: the register, hours per person and per claim, certificates and the national export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

from services.common.domain import Conflict, Forbidden, NotFound
from services.common.identity import Principal
from services.people.domain import (
    CHINA,
    Attendance,
    Certificate,
    ServiceLine,
    Volunteer,
    access,
    new_verification_code,
    rank_similar,
    volunteer_id,
)
from services.people.domain.certificate import check_period, issued_event
from services.people.domain.matching import Match
from services.people.domain.volunteers import registered_event
from services.people.settings import PeopleSettings
from services.people.store import PeopleStore

__all__ = ["EXPORT_COLUMNS", "HoursHandlers"]

# the columns of the national volunteer system's (全国志愿服务信息系统) service-hours import sheet
EXPORT_COLUMNS = (
    "志愿者姓名",
    "证件类型",
    "证件号码",
    "手机号码",
    "服务开始时间",
    "服务结束时间",
    "服务时长(小时)",
    "服务项目名称",
    "备注",
)
OPEN_NEED_STATUSES = ("submitted", "under_review", "accepted", "planned")


class HoursHandlers:
    """Use cases of volunteers and their hours."""

    def __init__(self, store: PeopleStore, settings: PeopleSettings, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self._clock = clock

    async def district_of(self, community_id: str) -> str | None:
        """The community's district (read model)."""
        return await self.store.places.district_of(community_id)

    async def register(
        self, principal: Principal, community_id: str, *, real_name: str, display_name: str, id_number: str | None,
        phone: str | None, skills: Sequence[str],
    ) -> Volunteer:  # fmt: skip
        """志愿者登记: the caller registers (or updates) themself as a volunteer of their community."""
        access.require_member(principal, community_id, await self.district_of(community_id))
        for _ in range(8):
            current = await self.store.volunteer(volunteer_id(community_id, principal.subject))
            volunteer = Volunteer(
                id=volunteer_id(community_id, principal.subject),
                community_id=community_id,
                person=principal.subject,
                display_name=display_name,
                real_name=real_name,
                id_number=id_number or None,
                phone=phone or None,
                skills=tuple(dict.fromkeys(skill.strip() for skill in skills if skill.strip())),
                registered_at=current.registered_at if current else self._clock(),
                version=current.version if current else 0,
            ).checked()
            event = registered_event(current, volunteer, actor=principal.subject, at=self._clock())
            if await self.store.save_volunteer(volunteer, event):
                stored = await self.store.volunteer(volunteer.id)
                assert stored is not None
                return stored
        raise Conflict("your registration is being changed elsewhere; try again")

    async def require_staff(self, principal: Principal, community_id: str) -> None:
        """Staff of the community (or its district's administrator)."""
        access.require_staff(principal, community_id, await self.district_of(community_id))

    async def person_attendance(
        self, principal: Principal, community_id: str, person: str | None, period_from: date, period_to: date
    ) -> list[Attendance]:
        """Confirmed attendance of the caller (or, for staff, of anyone) in a period (China dates, inclusive)."""
        check_period(period_from, period_to)
        who = person or principal.subject
        if who != principal.subject:
            await self.require_staff(principal, community_id)
        else:
            access.require_member(principal, community_id, await self.district_of(community_id))
        since, until = _bounds(period_from, period_to)
        return await self.store.confirmed_attendance([community_id], person=who, since=since, until=until)

    async def claim_minutes(self, principal: Principal, claim_id: str) -> tuple[int, dict[str, int]] | None:
        """A claim's confirmed minutes in all, and per person (None if the claim is unknown here or not visible)."""
        items = await self.store.items_of_claim(claim_id)
        if not items:
            return None
        item = await self.store.item(items[0])
        assert item is not None
        if not principal.belongs_to(item["community_id"], await self.district_of(item["community_id"])):
            return None
        per_person: dict[str, int] = {}
        for record in await self.store.confirmed_attendance([item["community_id"]], item_ids=items):
            per_person[record.person] = per_person.get(record.person, 0) + (record.minutes or 0)
        return sum(per_person.values()), per_person

    async def issue_certificate(
        self, principal: Principal, community_id: str, person: str | None, period_from: date, period_to: date
    ) -> Certificate:
        """志愿服务记录证明 of a registered volunteer's confirmed hours in a period."""
        attendance = await self.person_attendance(principal, community_id, person, period_from, period_to)
        who = person or principal.subject
        volunteer = await self.store.volunteer(volunteer_id(community_id, who))
        if volunteer is None:
            raise NotFound("register as a volunteer of this community first", field="personId")
        sessions = await self.store.sessions.find({"_id": {"$in": [record.session_id for record in attendance]}}, projection={"title": 1})
        titles = {document["_id"]: document["title"] for document in sessions}
        places = await self.store.places.places([community_id])
        certificate = Certificate(
            code=new_verification_code(),
            community_id=community_id,
            community_name=places[community_id].name if community_id in places else community_id,
            person=who,
            real_name=volunteer.real_name,
            period_from=period_from,
            period_to=period_to,
            lines=tuple(
                ServiceLine(record.checked_in_at.astimezone(CHINA).date(), titles.get(record.session_id, ""), record.minutes or 0)
                for record in attendance
            ),
            issued_at=self._clock(),
            issued_by=principal.subject,
        )
        await self.store.insert_certificate(certificate, issued_event(certificate))
        return certificate

    async def verify(self, code: str) -> Certificate | None:
        """The certificate with this verification code, for anyone checking it."""
        return await self.store.certificate(code.strip().upper())

    async def certificate_for(self, principal: Principal, code: str) -> Certificate:
        """A certificate for its download: only its person or the staff of its community; NOT_FOUND for anyone else."""
        certificate = await self.store.certificate(code.strip().upper()) if len(code) <= 40 else None
        if certificate is None or not (
            principal.subject == certificate.person
            or access.is_staff(principal, certificate.community_id, await self.district_of(certificate.community_id))
        ):
            raise NotFound("no such certificate of yours", field="code")
        return certificate

    async def export_rows(self, principal: Principal, community_id: str, period_from: date, period_to: date) -> list[list[str]]:
        """Confirmed hours of the period, one row per attendance in :data:`EXPORT_COLUMNS` (staff only: real names)."""
        await self.require_staff(principal, community_id)
        check_period(period_from, period_to)
        since, until = _bounds(period_from, period_to)
        records = await self.store.confirmed_attendance([community_id], since=since, until=until)
        volunteers = await self.store.volunteers_of(community_id, {record.person for record in records})
        sessions = await self.store.sessions_by_ids({record.session_id for record in records})
        rows = []
        for record in records:
            volunteer = volunteers.get(record.person)
            session = sessions.get(record.session_id)
            rows.append(
                [
                    volunteer.real_name if volunteer else record.person,
                    "居民身份证" if volunteer and volunteer.id_number else "",
                    volunteer.id_number or "" if volunteer else "",
                    volunteer.phone or "" if volunteer else "",
                    _local(record.checked_in_at),
                    _local(record.checked_out_at) if record.checked_out_at else "",
                    f"{(record.minutes or 0) / 60:.1f}",
                    session.title if session else "",
                    "" if volunteer else "未登记为志愿者",
                ]
            )
        return rows

    async def export(self, principal: Principal, community_id: str, period_from: date, period_to: date) -> str:
        """Confirmed hours of the period as CSV in the national system's import columns (staff only: it has real names)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(await self.export_rows(principal, community_id, period_from, period_to))
        return out.getvalue()

    async def similar_needs(self, principal: Principal, community_id: str, text: str, *, first: int) -> list[tuple[Match, str]]:
        """The community's open needs most like ``text`` (to support one instead of duplicating it), with their titles."""
        if not principal.belongs_to(community_id, await self.district_of(community_id)):
            raise Forbidden("you do not belong to this community", field="communityId")
        needs = await self.store.open_needs(community_id, OPEN_NEED_STATUSES)
        titles = {document["_id"]: str(document.get("title", "")) for document in needs}
        matches = rank_similar(text, list(titles.items()), limit=max(1, min(first, 20)))
        return [(match, titles[match.id]) for match in matches]


def _bounds(period_from: date, period_to: date) -> tuple[datetime, datetime]:
    return datetime.combine(period_from, time(0), CHINA), datetime.combine(period_to + timedelta(days=1), time(0), CHINA)


def _local(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
