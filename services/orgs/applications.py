"""Applications to found an organization (申请成立): their store and use cases.

Residents of a community apply; its staff approve (the organization is registered, with an id
derived from the application, so a retried approval never registers it twice) or return it
with a reason; the applicant amends and resubmits, or withdraws. One document per
application, changed by one version-guarded update with its events (outbox).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.common.domain import Forbidden, NotFound
from services.common.events import Event
from services.common.handling import change_aggregate
from services.common.identity import Principal, Role
from services.common.ids import new_id
from services.common.outbox import OUTBOX_INDEX
from services.common.privacy import ANONYMISED_AT
from services.common.retention import Expired
from services.common.store import Collection, Database, Document, Index, insert_aggregate, save_aggregate
from services.common.store.aggregate import VERSION
from services.common.store.dates import aware, day_from_bson, day_to_bson, optional_day_from_bson, optional_day_to_bson
from services.common.store.history import history_from_documents, history_to_documents
from services.orgs.domain import ActivityField, MemberDraft, OrganizationDraft, OrganizationKind, Profile, Purpose, access
from services.orgs.domain.application import APPLICATION_MACHINE, Application, ApplicationStatus, apply
from services.orgs.domain.privacy import application_without
from services.orgs.domain.vocabulary import FilingStatus, Stage
from services.orgs.handlers import OrgsHandlers

__all__ = ["APPLICATION_INDEXES", "ApplicationQuery", "Applications", "ApplicationsStore"]

APPLICATION_INDEXES = (
    Index((("community_id", 1), ("status", 1), ("submitted_at", -1))),
    Index((("community_id", 1), ("applicant", 1), ("submitted_at", -1))),
    Index((("applicant", 1),)),
    Index((("leader.account", 1),), sparse=True),
    Index((("members.account", 1),), sparse=True),
    OUTBOX_INDEX,
)
ApplicationQuery = dict[str, Any]


class ApplicationsStore:
    """The ``applications`` collection."""

    def __init__(self, database: Database) -> None:
        self.collection: Collection = database.collection("applications")

    async def create_indexes(self) -> None:
        """Declared indexes."""
        await self.collection.create_indexes(APPLICATION_INDEXES)

    async def insert(self, application: Application, events: Sequence[Event]) -> None:
        """A new application."""
        await insert_aggregate(self.collection, {"_id": application.id, **_fields(application)}, events)

    async def save(self, application: Application, events: Sequence[Event], handled_event: str | None = None) -> None:
        """Save a changed application if nobody changed it meanwhile."""
        await save_aggregate(
            self.collection, application.id, expected_version=application.version, changes=_fields(application), events=events
        )

    async def get(self, application_id: str) -> tuple[Application, frozenset[str]] | None:
        """An application."""
        document = await self.collection.find_one({"_id": application_id})
        return None if document is None else (_from_document(document), frozenset())

    async def of_person(self, person: str) -> list[Application]:
        """The applications she made or is named in as a founder (by her account), newest first: her personal data here."""
        documents = await self.collection.find(_naming(person), sort=[("submitted_at", -1), ("_id", -1)], limit=1_000)
        return [_from_document(document) for document in documents]

    async def erase(self, person: str, *, at: datetime) -> int:
        """Her account, name and phone out of every application naming her (the applications stay); how many changed."""
        changed = 0
        for document in await self.collection.find(_naming(person)):
            application = _from_document(document)
            changed += await self._rewrite(
                application_without(application, person, at=at), {**_naming(person), VERSION: application.version}
            )
        return changed

    async def anonymise_expired(self, scope: Expired, *, at: datetime) -> int:
        """The retention sweep: applications of the scope submitted before its cutoff lose every founder's data; how many."""
        changed = 0
        expired = {**scope.filter(), "submitted_at": {"$lt": scope.cutoff}, ANONYMISED_AT: None}
        for document in await self.collection.find(expired):
            application = _from_document(document)
            anonymised = application_without(application, None, at=at)
            changed += await self._rewrite(anonymised, {**expired, VERSION: application.version}, marked=at)
        return changed

    async def _rewrite(self, application: Application, guard: dict[str, Any], *, marked: datetime | None = None) -> int:
        fields = {**_fields(application), **({ANONYMISED_AT: marked} if marked is not None else {})}
        outcome = await self.collection.update_one({"_id": application.id, **guard}, {"$set": fields, "$inc": {VERSION: 1}})
        return outcome.modified

    async def list(self, community_ids: Sequence[str], *, applicant: str | None = None, statuses: Sequence[str] = ()) -> list[Application]:
        """Applications of these communities, newest first (at most 200)."""
        filter: dict[str, Any] = {"community_id": {"$in": list(community_ids)}}
        if applicant is not None:
            filter["applicant"] = applicant
        if statuses:
            filter["status"] = {"$in": list(statuses)}
        documents = await self.collection.find(filter, sort=[("submitted_at", -1), ("_id", -1)], limit=200)
        return [_from_document(document) for document in documents]


class Applications:
    """The use cases of applications."""

    def __init__(self, store: ApplicationsStore, orgs: OrgsHandlers, *, clock: Callable[[], datetime], notify: Callable[[], None]) -> None:
        self.store, self._orgs, self._clock, self._notify = store, orgs, clock, notify

    async def apply(self, principal: Principal, draft: OrganizationDraft, *, idempotency_key: str | None = None) -> Application:
        """申请成立: a resident of the community applies for a group of residents."""
        if not (principal.has_role(Role.RESIDENT) and draft.community_id in principal.communities):
            raise Forbidden("residents of the community apply to found an organization in it", field="communityId")
        if await self._orgs.district_of(draft.community_id) is None:
            raise NotFound("no such community", field="communityId")
        application_id = new_id("application", subject=principal.subject, idempotency_key=idempotency_key)
        existing = await self.store.get(application_id)
        if existing is not None:
            return existing[0]
        application, events = apply(draft, application_id=application_id, applicant=principal.subject, at=self._clock())
        await self.store.insert(application, events)
        self._notify()
        return replace(application, version=1)

    async def approve(self, principal: Principal, application_id: str) -> Application:
        """Staff approve: the organization is registered (idempotently), then the application records it."""
        current = await self._staff_load(principal, application_id)
        APPLICATION_MACHINE.target(current.status, "approve")
        organization = await self._orgs.register_organization(principal, current.draft, idempotency_key=f"application:{current.id}")
        at = self._clock()
        return await self._change(
            principal, application_id, lambda a: a.approve(organization.id, actor=principal.subject, at=at), staff=True
        )

    async def return_(self, principal: Principal, application_id: str, reason: str) -> Application:
        """Staff return it with a reason."""
        await self._staff_load(principal, application_id)
        at = self._clock()
        return await self._change(principal, application_id, lambda a: a.return_(reason, actor=principal.subject, at=at), staff=True)

    async def resubmit(self, principal: Principal, application_id: str, draft: OrganizationDraft) -> Application:
        """The applicant amends a returned application and submits it again."""
        at = self._clock()
        return await self._change(
            principal, application_id, lambda a: a.resubmit(replace(draft, community_id=a.community_id), by=principal.subject, at=at)
        )

    async def withdraw(self, principal: Principal, application_id: str) -> Application:
        """The applicant gives up."""
        at = self._clock()
        return await self._change(principal, application_id, lambda a: a.withdraw(by=principal.subject, at=at))

    async def visible(self, principal: Principal, application: Application) -> bool:
        """The applicant, and staff of its community (or its district's administrators)."""
        return principal.subject == application.applicant or access.is_staff(
            principal, application.community_id, await self._orgs.district_of(application.community_id)
        )

    async def _staff_load(self, principal: Principal, application_id: str) -> Application:
        loaded = await self.store.get(application_id)
        if loaded is None or not await self.visible(principal, loaded[0]):
            raise NotFound("no such application", field="applicationId")
        access.require_staff(principal, loaded[0].community_id, await self._orgs.district_of(loaded[0].community_id), field="applicationId")
        return loaded[0]

    async def _change(
        self,
        principal: Principal,
        application_id: str,
        decide: Callable[[Application], tuple[Application, list[Event]]],
        *,
        staff: bool = False,
    ) -> Application:
        async def load() -> tuple[Application, frozenset[str]] | None:
            loaded = await self.store.get(application_id)
            if loaded is None or not await self.visible(principal, loaded[0]):
                return None
            if staff:
                district = await self._orgs.district_of(loaded[0].community_id)
                access.require_staff(principal, loaded[0].community_id, district, field="applicationId")
            return loaded

        application, events = await change_aggregate(load=load, decide=decide, save=self.store.save, what="application")
        if events:
            self._notify()
        return application


def _naming(person: str) -> dict[str, Any]:
    return {"$or": [{"applicant": person}, {"leader.account": person}, {"members.account": person}]}


def _member(draft: MemberDraft) -> dict[str, Any]:
    return {
        "name": draft.name, "phone": draft.phone, "joined_on": optional_day_to_bson(draft.joined_on),
        "in_management_group": draft.in_management_group, "account": draft.account,
    }  # fmt: skip


def _member_from(document: Document) -> MemberDraft:
    return MemberDraft(
        document["name"],
        document["phone"],
        optional_day_from_bson(document["joined_on"]),
        document["in_management_group"],
        document["account"],
    )


def _fields(application: Application) -> dict[str, Any]:
    draft, profile = application.draft, application.draft.profile
    return {
        "community_id": draft.community_id,
        "applicant": application.applicant,
        "status": application.status.value,
        "kind": draft.kind.value,
        "name": profile.name,
        "purpose": profile.purpose.value,
        "fields": [field.value for field in profile.fields],
        "description": profile.description,
        "founded_on": day_to_bson(draft.founded_on),
        "leader": _member(draft.leader),
        "members": [_member(member) for member in draft.members],
        "submitted_at": application.submitted_at,
        "updated_at": application.updated_at,
        "history": history_to_documents(application.history),
        "return_reason": application.return_reason,
        "organization_id": application.organization_id,
    }


def _from_document(document: Document) -> Application:
    profile = Profile(
        document["name"], Purpose(document["purpose"]), tuple(ActivityField(f) for f in document["fields"]), document["description"]
    )
    draft = OrganizationDraft(
        document["community_id"], OrganizationKind(document["kind"]), day_from_bson(document["founded_on"]), profile,
        _member_from(document["leader"]), tuple(_member_from(m) for m in document["members"]), Stage.NEEDS_ASSESSMENT, FilingStatus.ACTIVE,
    )  # fmt: skip
    return Application(
        id=document["_id"],
        applicant=document["applicant"],
        draft=draft,
        status=ApplicationStatus(document["status"]),
        submitted_at=aware(document["submitted_at"]),
        updated_at=aware(document["updated_at"]),
        history=history_from_documents(document["history"], ApplicationStatus),
        return_reason=document.get("return_reason"),
        organization_id=document.get("organization_id"),
        version=document["version"],
    )
