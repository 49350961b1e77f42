"""Personal data requests (个人信息保护法) in the orgs service: their store and use cases.

A resident asks for a copy of her data or its erasure here (the orgs service owns the places and so the one door every
service listens at); the request is a document whose outbox carries
``orgs.subject.export_requested.v1`` or ``orgs.subject.erasure_requested.v1``. Every service holding personal data consumes it and
anonymises her records — this one too: the members linked to her account lose name and phone.
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
from services.common.store import Collection, Database, DuplicateKey, insert_aggregate
from services.orgs.domain import Organization
from services.orgs.domain.privacy import PersonalDataRequest, RequestKind, request_personal_data, without_account
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
    """Use cases: a resident's requests, and the orgs service's answer to an erasure request."""

    def __init__(self, store: PrivacyRequestsStore, orgs: OrgsStore, *, clock: Callable[[], datetime], notify: Callable[[], None]) -> None:
        self.store, self._orgs, self._clock, self._notify = store, orgs, clock, notify

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
        """Anonymise the members linked to her account in every organization; idempotent by event id."""
        at = self._clock()
        organization_ids = await self._orgs.organization_ids_with_account(person)

        def decide(organization: Organization) -> tuple[Organization, list[Event]]:
            return without_account(organization, person, at=at) or organization, []

        for organization_id in organization_ids:
            await self._change(organization_id, decide, event_id=event_id)
        return len(organization_ids)

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
