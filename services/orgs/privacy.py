"""Personal data requests (个人信息保护法) in the orgs service: their store and use cases.

A resident asks for a copy of her data or its erasure here (the orgs service owns the places and so the one door every
service listens at); the request is a document whose outbox carries
``orgs.subject.export_requested.v1`` or ``orgs.subject.erasure_requested.v1``. Every service holding personal data consumes it and
anonymises her records — this one too: the members linked to her account lose name and phone, and the
applications to found an organization she made or is named in lose her account, name and phone. Its retention
sweep anonymises applications past the period and the members of organizations dissolved longer ago than it.
The audit service chains the request into her community's trail like any event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from services.common.events import Event
from services.common.handling import change_aggregate
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.outbox import OUTBOX_INDEX
from services.common.privacy import ANONYMISED_AT, retention_cutoff
from services.common.retention import Expired
from services.common.store import Collection, Database, DuplicateKey, insert_aggregate
from services.common.store.aggregate import VERSION
from services.orgs.applications import ApplicationsStore
from services.orgs.documents import organization_fields, organization_from_document
from services.orgs.domain import Organization
from services.orgs.domain.privacy import PersonalDataRequest, RequestKind, request_personal_data, without_account, without_members
from services.orgs.domain.vocabulary import FilingStatus
from services.orgs.store import OrgsStore

__all__ = ["PrivacyRequests", "PrivacyRequestsStore"]


class PrivacyRequestsStore:
    """The ``privacy_requests`` collection: one document per request, with its outbox."""

    def __init__(self, database: Database) -> None:
        self.collection: Collection = database.collection("privacy_requests")

    async def create_indexes(self) -> None:
        """Declared indexes."""
        await self.collection.create_indexes([OUTBOX_INDEX])

    async def insert(self, request: PersonalDataRequest, events: Sequence[Event]) -> bool:
        """A new request; False if this id was stored before (a retried request)."""
        fields = {"kind": request.kind.value, "community_id": request.community_id, "person": request.person}
        try:
            await insert_aggregate(self.collection, {"_id": request.id, **fields, "requested_at": request.requested_at}, events)
        except DuplicateKey:
            return False
        return True


class PrivacyRequests:
    """Use cases: a resident's requests, the orgs service's answer to an erasure request, and its retention sweep."""

    def __init__(
        self,
        store: PrivacyRequestsStore,
        orgs: OrgsStore,
        applications: ApplicationsStore,
        *,
        clock: Callable[[], datetime],
        notify: Callable[[], None],
        default_days: int = 0,
    ) -> None:
        self.store, self._orgs, self._applications, self._clock, self._notify = store, orgs, applications, clock, notify
        self._default_days = default_days

    async def request(
        self, principal: Principal, kind: RequestKind, community_id: str, *, idempotency_key: str | None = None
    ) -> PersonalDataRequest:
        """The caller asks for a copy of her personal data or its erasure everywhere; a retried request is not doubled."""
        request_id = new_id(f"personal-data-{kind.value}", subject=principal.subject, idempotency_key=idempotency_key)
        request, events = request_personal_data(principal, kind, community_id, request_id=request_id, at=self._clock())
        if await self.store.insert(request, events):
            self._notify()
        return request

    async def erase_person(self, person: str, *, event_id: str) -> int:
        """Anonymise the members linked to her account in every organization, and her in every application; idempotent."""
        at = self._clock()
        organization_ids = await self._orgs.organization_ids_with_account(person)

        def decide(organization: Organization) -> tuple[Organization, list[Event]]:
            return without_account(organization, person, at=at) or organization, []

        for organization_id in organization_ids:
            await self._change(organization_id, decide, event_id=event_id)
        return len(organization_ids) + await self._applications.erase(person, at=at)

    async def anonymise_expired(self) -> int:
        """The retention sweep of the orgs service; how many records it anonymised now.

        Applications count from when they were submitted. An organization's member list is kept while the
        organization exists — it is the register its filing and its management group rest on — and its period counts
        from the day the organization was dissolved: once that is past, every member is anonymised.
        """
        now, changed = self._clock(), 0
        for scope in await self.expired(now):
            changed += await self._applications.anonymise_expired(scope, at=now)
            changed += await self._anonymise_dissolved(scope, at=now)
        return changed

    async def expired(self, now: datetime) -> list[Expired]:
        """Each district's scope past its period (this service owns the places: its districts' own settings)."""
        scopes: list[Expired] = []
        for district in await self._orgs.districts.find({}, projection={"_id": 1, "retention_days": 1}):
            days = district.get("retention_days")
            cutoff = retention_cutoff(self._default_days if days is None else int(days), now)
            communities = await self._orgs.communities.find({"district_id": district["_id"]}, projection={"_id": 1})
            if cutoff is not None and communities:
                scopes.append(Expired(cutoff, community_ids=[community["_id"] for community in communities]))
        return scopes

    async def _anonymise_dissolved(self, scope: Expired, *, at: datetime) -> int:
        changed = 0
        dissolved = {**scope.filter(), "status": FilingStatus.DISSOLVED.value, "status_since": {"$lt": scope.cutoff}, ANONYMISED_AT: None}
        for document in await self._orgs.organizations.find(dissolved):
            organization = organization_from_document(document)
            fields = organization_fields(without_members(organization, at=at))
            outcome = await self._orgs.organizations.update_one(
                {"_id": organization.id, VERSION: organization.version, ANONYMISED_AT: None},
                {"$set": {**fields, ANONYMISED_AT: at}, "$inc": {VERSION: 1}},
            )
            changed += outcome.modified
        return changed

    async def _change(
        self, organization_id: str, decide: Callable[[Organization], tuple[Organization, list[Event]]], *, event_id: str
    ) -> None:
        await change_aggregate(
            load=lambda: self._orgs.organization(organization_id),
            decide=decide,
            save=lambda organization, events, handled: self._orgs.save_organization(organization, events, handled_event=handled),
            handled_event=event_id,
            what="organization",
        )
