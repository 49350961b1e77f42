"""Sessions, sign-up and check-in: planning, signing up and withdrawing, exceptions, codes and attendance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.common.domain import Conflict, Invalid, NotFound
from services.common.events import Event
from services.common.handling import change_aggregate
from services.common.identity import Principal
from services.common.ids import new_id
from services.people.domain import (
    Attendance,
    Session,
    SessionPlan,
    SessionStatus,
    access,
    attendance_id,
    code_hash,
    code_matches,
    new_code,
    plan_sessions,
    served_minutes,
)
from services.people.domain.attendance import CHECKED_IN, CHECKED_OUT, CODE_LIFETIME, CONFIRMED, RECORDED, attendance_event, check_window
from services.people.store import PeopleStore

__all__ = ["SessionHandlers"]

SIGN_UP_ATTEMPTS = 16


class SessionHandlers:
    """Use cases of sessions and attendance."""

    def __init__(self, store: PeopleStore, *, clock: Callable[[], datetime], notify: Callable[[], None]) -> None:
        self.store = store
        self._clock = clock
        self._notify = notify

    async def district_of(self, community_id: str) -> str | None:
        """The community's district (read model)."""
        return await self.store.places.district_of(community_id)

    async def known_item(self, item_id: str) -> dict[str, Any]:
        """The item's read model, or NOT_FOUND."""
        item = await self.store.item(item_id)
        if item is None:
            raise NotFound("no such published service item", field="itemId")
        return item

    async def schedule(self, principal: Principal, item_id: str, plan: SessionPlan, *, idempotency_key: str | None = None) -> list[Session]:
        """Plan an item's sessions (one-off or by RRULE); a retried request makes the same sessions once."""
        item = await self.known_item(item_id)
        access.require_organizer(principal, item, await self.district_of(item["community_id"]))
        plan = SessionPlan(
            item_id, item["community_id"], item.get("title", ""), plan.starts_at, plan.duration, plan.venue, plan.capacity, plan.rule
        )
        series_id = new_id("session-series", subject=principal.subject, idempotency_key=idempotency_key)
        sessions, events = plan_sessions(plan, series_id=series_id, organizer=principal.subject, at=self._clock())
        await self.store.insert_sessions(sessions, events)
        self._notify()
        stored = await self.store.sessions_by_ids([session.id for session in sessions])
        return [stored[session.id] for session in sessions if session.id in stored]

    async def visible(self, principal: Principal, session_id: str) -> Session:
        """The session if the caller belongs to its community, else NOT_FOUND."""
        session = await self.store.session(session_id)
        if session is None or not principal.belongs_to(session.community_id, await self.district_of(session.community_id)):
            raise NotFound("no such session", field="sessionId")
        return session

    async def sign_up(self, principal: Principal, session_id: str) -> Session:
        """报名: a place if one is free, else the waiting list; signing up twice changes nothing."""
        for _ in range(SIGN_UP_ATTEMPTS):
            session = await self.visible(principal, session_id)
            access.require_member(principal, session.community_id, await self.district_of(session.community_id))
            at = self._clock()
            session.require_open(at, "sign_up")
            person = principal.subject
            if person in session.people:
                return session
            if len(session.confirmed) < session.capacity and await self.store.take_place(
                session, person, session.confirmed_event(person, at)
            ):
                break
            if len(session.confirmed) >= session.capacity and await self.store.join_waiting_list(
                session, person, session.waitlisted_event(person, at)
            ):
                break
        else:
            raise Conflict("the session is being changed by many at once; try again", field="sessionId")
        self._notify()
        return await self.visible(principal, session_id)

    async def withdraw(self, principal: Principal, session_id: str) -> Session:
        """The caller withdraws; the first on the waiting list moves up."""
        await self.visible(principal, session_id)
        at = self._clock()
        session = await self._change(session_id, lambda current: current.withdraw(principal.subject, at=at))
        self._notify()
        return session

    async def _change(self, session_id: str, decide: Callable[[Session], tuple[Session, list[Event]]]) -> Session:
        """One version-guarded change of a session, decided again on fresh state after a concurrent one."""
        changed: tuple[Session, list[Event]] = await change_aggregate(
            load=lambda: self.store.load_session(session_id), decide=decide, save=self.store.save_session, what="session"
        )
        return changed[0]

    async def _organize(self, principal: Principal, session_id: str) -> Session:
        session = await self.visible(principal, session_id)
        item = await self.known_item(session.item_id)
        access.require_organizer(principal, item, await self.district_of(session.community_id))
        return session

    async def move(self, principal: Principal, session_id: str, starts_at: datetime, venue: str | None) -> Session:
        """Exception: the session at another time (and venue); its people are told."""
        await self._organize(principal, session_id)
        at = self._clock()
        session = await self._change(session_id, lambda current: current.move(starts_at, venue, actor=principal.subject, at=at))
        self._notify()
        return session

    async def cancel(self, principal: Principal, session_id: str, reason: str) -> Session:
        """Exception: the session is cancelled; its people are told."""
        await self._organize(principal, session_id)
        at = self._clock()
        session = await self._change(session_id, lambda current: current.cancel(reason, actor=principal.subject, at=at))
        self._notify()
        return session

    async def issue_code(self, principal: Principal, session_id: str) -> tuple[Session, str, datetime]:
        """A fresh check-in code for the organizer to show (the previous one stops working)."""
        session = await self._organize(principal, session_id)
        code, expires = new_code(), self._clock() + CODE_LIFETIME
        if not await self.store.set_code(session.id, code_hash(session.id, code), expires):
            raise Invalid("a cancelled session has no check-in", field="sessionId")
        return session, code, expires

    async def check_in(self, principal: Principal, session_id: str, code: str) -> Attendance:
        """签到 with the session's code: once per person."""
        session = await self._attendable(principal, session_id, code)
        record = Attendance(
            attendance_id(session.id, principal.subject),
            session.id,
            session.item_id,
            session.community_id,
            principal.subject,
            self._clock(),
        )
        if not await self.store.check_in(
            record, attendance_event(CHECKED_IN, None, record, actor=principal.subject, at=record.checked_in_at)
        ):
            raise Conflict("you have checked in to this session already", field="code")
        self._notify()
        return record

    async def check_out(self, principal: Principal, session_id: str, code: str) -> Attendance:
        """签退 with the session's code: once, after checking in."""
        session = await self._attendable(principal, session_id, code)
        record_id, at = attendance_id(session.id, principal.subject), self._clock()
        before = await self.store.attendance_record(record_id)
        if before is None or not await self.store.check_out(
            record_id, at, attendance_event(CHECKED_OUT, before, replace(before, checked_out_at=at), actor=principal.subject, at=at)
        ):
            raise Conflict("check in first; you can check out once", field="code")
        self._notify()
        record = await self.store.attendance_record(record_id)
        assert record is not None
        return record

    async def _attendable(self, principal: Principal, session_id: str, code: str) -> Session:
        session = await self.visible(principal, session_id)
        at = self._clock()
        if session.status is not SessionStatus.SCHEDULED:
            raise Invalid("the session was cancelled", field="sessionId")
        if principal.subject not in session.confirmed:
            raise Invalid("only people with a confirmed place check in", field="sessionId")
        stored, expires = await self.store.code_of(session.id)
        code_matches(session.id, code, stored, expires, at)
        check_window(session.starts_at, session.ends_at, at)
        return session

    async def record_attendance(
        self, principal: Principal, session_id: str, person: str, checked_in_at: datetime, checked_out_at: datetime
    ) -> Attendance:
        """The organizer records attendance for someone without a phone."""
        session = await self._organize(principal, session_id)
        if checked_out_at <= checked_in_at:
            raise Invalid("check-out comes after check-in", field="checkedOutAt")
        record = Attendance(
            attendance_id(session.id, person), session.id, session.item_id, session.community_id, person, checked_in_at,
            checked_out_at, recorded_by=principal.subject,
        )  # fmt: skip
        at = self._clock()
        for _ in range(SIGN_UP_ATTEMPTS):
            current = await self.store.attendance_versioned(record.id)
            if current is not None and current[0].confirmed_by is not None:
                return current[0]  # confirmed already: the confirmed record stands
            before, version = current if current is not None else (None, None)
            event = attendance_event(RECORDED, before, record, actor=principal.subject, at=at)
            if not event.data["changes"] or await self.store.record_attendance(record, event, expected_version=version):
                break
        else:
            raise Conflict("the attendance is being changed by others; try again", field="sessionId")
        self._notify()
        stored = await self.store.attendance_record(record.id)
        assert stored is not None
        return stored

    async def confirm(self, principal: Principal, session_id: str) -> list[Attendance]:
        """The organizer confirms the session's attendance: each record's minutes, once."""
        session = await self._organize(principal, session_id)
        for record in await self.store.attendance_of_session(session.community_id, session.id):
            if record.confirmed_by is None and record.checked_out_at is not None:
                minutes = served_minutes(record.checked_in_at, record.checked_out_at, session.starts_at, session.ends_at)
                confirmed = replace(record, minutes=minutes, confirmed_by=principal.subject)
                event = attendance_event(CONFIRMED, record, confirmed, actor=principal.subject, at=self._clock())
                await self.store.confirm(record.id, minutes, principal.subject, event)
        self._notify()
        return await self.store.attendance_of_session(session.community_id, session.id)
