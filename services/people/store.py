"""The people service's MongoDB store: sessions, attendance, volunteers, certificates and read models.

Every write is one conditional atomic update: a sign-up is one ``$push`` guarded by "not signed
up yet" and "fewer than capacity confirmed" (the ``confirmed.<capacity-1>`` element missing),
so concurrent sign-ups never overfill a session; other session changes are guarded by
``version``; a check-in is an insert of the one record a person has per session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from services.common.events import Event
from services.common.outbox import OUTBOX_INDEX
from services.common.pagination import Page, paginate
from services.common.places import PlacesReadModel
from services.common.privacy import ANONYMISED, ANONYMISED_AT
from services.common.retention import Expired, RetentionReadModel
from services.common.store import Collection, Database, DuplicateKey, Index, insert_aggregate, save_aggregate
from services.common.store.aggregate import OUTBOX, VERSION
from services.common.store.dates import aware
from services.common.store.stamped import stamped
from services.people.documents import (
    attendance_from_document,
    attendance_to_document,
    certificate_from_document,
    certificate_to_document,
    session_from_document,
    session_to_fields,
    volunteer_from_document,
    volunteer_to_fields,
)
from services.people.domain import Attendance, Certificate, Session, SessionStatus, Volunteer
from services.people.personal import PeoplePersonalData
from services.people.read_models import ReadModels

__all__ = ["PeopleStore"]

SESSION_INDEXES = (
    Index((("community_id", 1), ("item_id", 1), ("starts_at", 1))),
    Index((("community_id", 1), ("series_id", 1))),
    OUTBOX_INDEX,
)
ATTENDANCE_INDEXES = (
    OUTBOX_INDEX,
    Index((("community_id", 1), ("person", 1), ("checked_in_at", 1))),
    Index((("community_id", 1), ("item_id", 1))),
    Index((("community_id", 1), ("session_id", 1))),
)
VOLUNTEER_INDEXES = (Index((("community_id", 1), ("registered_at", -1))), OUTBOX_INDEX)
NEED_INDEXES = (Index((("community_id", 1), ("status", 1))),)
ITEM_INDEXES = (Index((("community_id", 1), ("status", 1))), Index((("claim_id", 1),)))
ORGANIZATION_INDEXES = (Index((("community_id", 1),)), Index((("served", 1),)))


class PeopleStore(ReadModels):
    """Collections of the people service and the operations its handlers need."""

    def __init__(self, database: Database, *, retention_days: int = 0) -> None:
        self.sessions: Collection = database.collection("sessions")
        self.attendance: Collection = database.collection("attendance")
        self.volunteers: Collection = database.collection("volunteers")
        self.certificates: Collection = database.collection("certificates")
        self.items: Collection = database.collection("items")
        self.needs: Collection = database.collection("needs")
        self.organizations: Collection = database.collection("organizations")
        self.claims: Collection = database.collection("claims")
        self.places = PlacesReadModel(stamped(database, "communities"))
        self.retention = RetentionReadModel(database.collection("retention"), self.places, default_days=retention_days)
        self.personal = PeoplePersonalData(self.sessions, self.attendance, self.certificates, self.claims, self.volunteers, self.items)

    @property
    def outbox_collections(self) -> tuple[Collection, ...]:
        """Collections whose documents carry an outbox."""
        return (self.sessions, self.attendance, self.volunteers, self.certificates)

    async def create_indexes(self) -> None:
        """Declared indexes, created at start-up."""
        await self.sessions.create_indexes(SESSION_INDEXES)
        await self.attendance.create_indexes(ATTENDANCE_INDEXES)
        await self.volunteers.create_indexes(VOLUNTEER_INDEXES)
        await self.certificates.create_indexes((OUTBOX_INDEX,))
        await self.needs.create_indexes(NEED_INDEXES)
        await self.items.create_indexes(ITEM_INDEXES)
        await self.organizations.create_indexes(ORGANIZATION_INDEXES)
        await self.places.create_indexes()
        await self.personal.create_indexes()

    # sessions

    async def insert_sessions(self, sessions: Sequence[Session], events: Sequence[Event]) -> bool:
        """Store a plan's sessions (the plan's event in the first one's outbox); False if the plan was stored before."""
        for index, session in enumerate(sessions):
            try:
                await insert_aggregate(self.sessions, {"_id": session.id, **session_to_fields(session)}, events if index == 0 else ())
            except DuplicateKey:
                if index == 0:
                    return False
        return True

    async def session(self, session_id: str) -> Session | None:
        """One session."""
        document = await self.sessions.find_one({"_id": session_id})
        return session_from_document(document) if document else None

    async def load_session(self, session_id: str) -> tuple[Session, frozenset[str]] | None:
        """A session for :func:`change_aggregate`."""
        session = await self.session(session_id)
        return (session, frozenset()) if session else None

    async def save_session(self, session: Session, events: Sequence[Event] = (), handled_event: str | None = None) -> None:
        """Save a changed session if nobody changed it meanwhile (raises VersionConflict)."""
        await save_aggregate(self.sessions, session.id, expected_version=session.version, changes=session_to_fields(session), events=events)

    async def take_place(self, session: Session, person: str, event: Event) -> bool:
        """Confirm ``person`` if a place is free: one conditional ``$push``."""
        outcome = await self.sessions.update_one(
            {**_open_to(session, person), f"confirmed.{session.capacity - 1}": {"$exists": False}},
            {"$push": {"confirmed": person, OUTBOX: event.to_document()}, "$inc": {VERSION: 1}},
        )
        return outcome.matched == 1

    async def join_waiting_list(self, session: Session, person: str, event: Event) -> bool:
        """Put ``person`` on the waiting list if the session is still full: one conditional ``$push``."""
        outcome = await self.sessions.update_one(
            {**_open_to(session, person), f"confirmed.{session.capacity - 1}": {"$exists": True}},
            {"$push": {"waiting": person, OUTBOX: event.to_document()}, "$inc": {VERSION: 1}},
        )
        return outcome.matched == 1

    async def set_code(self, session_id: str, code_hash: str, expires_at: datetime) -> bool:
        """Replace the session's check-in code (the previous one stops working)."""
        outcome = await self.sessions.update_one(
            {"_id": session_id, "status": SessionStatus.SCHEDULED.value}, {"$set": {"code_hash": code_hash, "code_expires_at": expires_at}}
        )
        return outcome.matched == 1

    async def code_of(self, session_id: str) -> tuple[str | None, datetime | None]:
        """The stored code hash and its expiry."""
        document = await self.sessions.find_one({"_id": session_id}, projection={"code_hash": 1, "code_expires_at": 1})
        if document is None:
            return None, None
        expires = document.get("code_expires_at")
        return document.get("code_hash"), aware(expires) if expires else None

    async def list_sessions(
        self, community_ids: Sequence[str], *, item_id: str | None, starts_after: datetime | None, first: int, after: str | None
    ) -> tuple[list[Session], Page]:
        """Sessions in time order."""
        filter: dict[str, Any] = {"community_id": {"$in": list(community_ids)}}
        if item_id:
            filter["item_id"] = item_id
        if starts_after:
            filter["starts_at"] = {"$gte": starts_after}
        page = await paginate(self.sessions, filter, [("starts_at", 1)], first=first, after=after)
        return [session_from_document(document) for document in page.documents], page

    async def count_sessions(self, community_ids: Sequence[str], *, item_id: str | None, starts_after: datetime | None) -> int:
        """How many sessions match."""
        filter: dict[str, Any] = {"community_id": {"$in": list(community_ids)}}
        if item_id:
            filter["item_id"] = item_id
        if starts_after:
            filter["starts_at"] = {"$gte": starts_after}
        return await self.sessions.count_documents(filter)

    async def sessions_by_ids(self, session_ids: Iterable[str]) -> dict[str, Session]:
        """Several sessions in one query."""
        documents = await self.sessions.find({"_id": {"$in": list(session_ids)}})
        return {document["_id"]: session_from_document(document) for document in documents}

    # attendance

    # Each change of a record carries its event in the record's outbox, in the same conditional write.

    async def check_in(self, attendance: Attendance, event: Event) -> bool:
        """The person's one record for the session; False if they checked in before."""
        try:
            await self.attendance.insert_one({**attendance_to_document(attendance), VERSION: 1, OUTBOX: [event.to_document()]})
        except DuplicateKey:
            return False
        return True

    async def check_out(self, attendance_id: str, at: datetime, event: Event) -> bool:
        """Check out once, and only before the organizer confirmed."""
        outcome = await self.attendance.update_one(
            {"_id": attendance_id, "checked_out_at": None, "confirmed_by": None},
            {"$set": {"checked_out_at": at}, "$inc": {VERSION: 1}, "$push": {OUTBOX: event.to_document()}},
        )
        return outcome.matched == 1

    async def attendance_versioned(self, attendance_id: str) -> tuple[Attendance, int] | None:
        """One record and the version it is at (0 for a record written before records had versions)."""
        document = await self.attendance.find_one({"_id": attendance_id})
        return (attendance_from_document(document), int(document.get(VERSION) or 0)) if document else None

    async def record_attendance(self, attendance: Attendance, event: Event, *, expected_version: int | None) -> bool:
        """The organizer records (``expected_version`` None: a new record) or corrects an unconfirmed record at that
        version; False if someone changed it meanwhile (decide again on fresh state)."""
        document = attendance_to_document(attendance)
        if expected_version is None:
            return await self.check_in(attendance, event)
        document.pop("_id")
        outcome = await self.attendance.update_one(
            {"_id": attendance.id, "confirmed_by": None, VERSION: expected_version or None},
            {"$set": document, "$inc": {VERSION: 1}, "$push": {OUTBOX: event.to_document()}},
        )
        return outcome.matched == 1

    async def confirm(self, attendance_id: str, minutes: int, actor: str, event: Event) -> bool:
        """Confirm one record's minutes, once."""
        outcome = await self.attendance.update_one(
            {"_id": attendance_id, "confirmed_by": None},
            {"$set": {"minutes": minutes, "confirmed_by": actor}, "$inc": {VERSION: 1}, "$push": {OUTBOX: event.to_document()}},
        )
        return outcome.matched == 1

    async def attendance_of_session(self, community_id: str, session_id: str) -> list[Attendance]:
        """Everyone's record for one session."""
        documents = await self.attendance.find({"community_id": community_id, "session_id": session_id}, sort=[("checked_in_at", 1)])
        return [attendance_from_document(document) for document in documents]

    async def attendance_record(self, attendance_id: str) -> Attendance | None:
        """One record."""
        document = await self.attendance.find_one({"_id": attendance_id})
        return attendance_from_document(document) if document else None

    async def confirmed_attendance(
        self, community_ids: Sequence[str], *, person: str | None = None, item_ids: Sequence[str] | None = None,
        since: datetime | None = None, until: datetime | None = None,
    ) -> list[Attendance]:  # fmt: skip
        """Confirmed records, filtered by person, items and check-in time."""
        filter: dict[str, Any] = {"community_id": {"$in": list(community_ids)}, "confirmed_by": {"$ne": None}}
        if person is not None:
            filter["person"] = person
        if item_ids is not None:
            filter["item_id"] = {"$in": list(item_ids)}
        moment: dict[str, Any] = {}
        if since is not None:
            moment["$gte"] = since
        if until is not None:
            moment["$lt"] = until
        if moment:
            filter["checked_in_at"] = moment
        documents = await self.attendance.find(filter, sort=[("checked_in_at", 1)])
        return [attendance_from_document(document) for document in documents]

    # volunteers and certificates

    async def save_volunteer(self, volunteer: Volunteer, event: Event) -> bool:
        """Register, or update while at the version read, its event in the entry's outbox; False if changed meanwhile."""
        fields = volunteer_to_fields(volunteer)
        if volunteer.version == 0:
            try:
                await self.volunteers.insert_one({"_id": volunteer.id, **fields, VERSION: 1, OUTBOX: [event.to_document()]})
            except DuplicateKey:
                return False
            return True
        outcome = await self.volunteers.update_one(
            {"_id": volunteer.id, VERSION: volunteer.version},
            {"$set": fields, "$inc": {VERSION: 1}, "$push": {OUTBOX: event.to_document()}},
        )
        return outcome.matched == 1

    async def volunteer(self, volunteer_id: str) -> Volunteer | None:
        """One register entry."""
        document = await self.volunteers.find_one({"_id": volunteer_id})
        return volunteer_from_document(document) if document else None

    async def volunteers_of_person(self, person: str) -> list[Volunteer]:
        """Her register entries, one per community she registered in."""
        return [volunteer_from_document(d) for d in await self.volunteers.find({"person": person}, sort=[("registered_at", -1)])]

    async def anonymise_volunteer(self, person: str, *, at: datetime) -> int:
        """Erase one person from the register: her names, ID number and phone; the entries (and her hours) stay."""
        return await self._anonymise_volunteers({"person": person}, at=at)

    async def anonymise_expired(self, scope: Expired, *, at: datetime) -> int:
        """The retention sweep: register entries of the scope made before its cutoff lose names, ID number and phone."""
        return await self._anonymise_volunteers({**scope.filter(), "registered_at": {"$lt": scope.cutoff}}, at=at)

    async def _anonymise_volunteers(self, which: dict[str, Any], *, at: datetime) -> int:
        changed = 0
        for document in await self.volunteers.find({**which, ANONYMISED_AT: None}, projection={"_id": 1}):
            outcome = await self.volunteers.update_one(
                {"_id": document["_id"], ANONYMISED_AT: None},
                {
                    "$set": {"real_name": ANONYMISED, "display_name": ANONYMISED, "id_number": None, "phone": None, ANONYMISED_AT: at},
                    "$inc": {VERSION: 1},
                },
            )
            changed += outcome.modified
        return changed

    async def list_volunteers(self, community_ids: Sequence[str], *, first: int, after: str | None) -> tuple[list[Volunteer], Page]:
        """A page of the register, newest first."""
        page = await paginate(
            self.volunteers, {"community_id": {"$in": list(community_ids)}}, [("registered_at", -1)], first=first, after=after
        )
        return [volunteer_from_document(document) for document in page.documents], page

    async def count_volunteers(self, community_ids: Sequence[str]) -> int:
        """How many volunteers are registered."""
        return await self.volunteers.count_documents({"community_id": {"$in": list(community_ids)}})

    async def volunteers_of(self, community_id: str, persons: Iterable[str]) -> dict[str, Volunteer]:
        """Register entries of several people of one community."""
        documents = await self.volunteers.find({"community_id": community_id, "person": {"$in": list(persons)}})
        return {document["person"]: volunteer_from_document(document) for document in documents}

    async def insert_certificate(self, certificate: Certificate, event: Event) -> None:
        """Store an issued certificate under its verification code, its event in its outbox."""
        await self.certificates.insert_one({**certificate_to_document(certificate), OUTBOX: [event.to_document()]})

    async def certificate(self, code: str) -> Certificate | None:
        """A certificate by its verification code."""
        document = await self.certificates.find_one({"_id": code})
        return certificate_from_document(document) if document else None


def _open_to(session: Session, person: str) -> dict[str, Any]:
    return {"_id": session.id, "status": SessionStatus.SCHEDULED.value, "confirmed": {"$ne": person}, "waiting": {"$ne": person}}
