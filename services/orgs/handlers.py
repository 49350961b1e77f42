"""Commands of the orgs service: check access, let the domain decide, save with the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import date, datetime

from services.common.domain import Conflict, Invalid, NotFound
from services.common.events import Event
from services.common.handling import change_aggregate
from services.common.identity import Principal
from services.common.ids import new_id
from services.common.store import DuplicateKey
from services.orgs.domain import (
    Community,
    District,
    MemberDraft,
    Organization,
    OrganizationDraft,
    Profile,
    Stage,
    Street,
    SupportKind,
    SupportRecord,
    TrackRecord,
    access,
    register,
    register_community,
    register_district,
    register_street,
)
from services.orgs.store import OrgsStore

__all__ = ["OrgsHandlers"]

Decision = Callable[[Organization], tuple[Organization, list[Event]]]


def _short_id() -> str:
    return uuid.uuid4().hex[:12]


class OrgsHandlers:
    """The orgs service's use cases."""

    def __init__(self, store: OrgsStore, *, clock: Callable[[], datetime], notify: Callable[[], None]) -> None:
        self.store = store
        self._clock = clock
        self._notify = notify

    async def district_of(self, community_id: str) -> str | None:
        """The community's district, or None if there is no such community."""
        community = (await self.store.communities_by_ids([community_id])).get(community_id)
        return community.district_id if community else None

    async def register_district(self, principal: Principal, district_id: str, name: str) -> District:
        """A district administrator registers the district their token names."""
        access.require_district_admin(principal, district_id, field="id")
        if await self.store.districts_by_ids([district_id]):
            raise Conflict("this district is already registered", field="id")
        district, events = register_district(district_id, name, actor=principal.subject, at=self._clock())
        await self._insert(self.store.insert_district(district, events), what="district")
        return replace(district, version=1)

    async def register_street(self, principal: Principal, street_id: str | None, district_id: str, name: str) -> Street:
        """A district administrator registers a street of their district."""
        district = (await self.store.districts_by_ids([district_id])).get(district_id)
        if district is None:
            raise NotFound("no such district", field="districtId")
        access.require_district_admin(principal, district_id)
        if street_id and await self.store.streets_by_ids([street_id]):
            raise Conflict("this street id is already registered", field="id")
        street, events = register_street(street_id or f"street-{_short_id()}", district, name, actor=principal.subject, at=self._clock())
        await self._insert(self.store.insert_street(street, events), what="street")
        return replace(street, version=1)

    async def register_community(
        self, principal: Principal, community_id: str | None, street_id: str, name: str, address: str
    ) -> Community:
        """A district administrator registers a community of one of their streets."""
        street = (await self.store.streets_by_ids([street_id])).get(street_id)
        if street is None:
            raise NotFound("no such street", field="streetId")
        access.require_district_admin(principal, street.district_id, field="streetId")
        if community_id and await self.store.communities_by_ids([community_id]):
            raise Conflict("this community id is already registered", field="id")
        community, events = register_community(
            community_id or f"community-{_short_id()}", street, name, address, actor=principal.subject, at=self._clock()
        )
        await self._insert(self.store.insert_community(community, events), what="community")
        return replace(community, version=1)

    async def register_organization(
        self, principal: Principal, draft: OrganizationDraft, *, idempotency_key: str | None = None
    ) -> Organization:
        """Staff register an organization of their community, with its leader and members."""
        district = await self.district_of(draft.community_id)
        if district is None:
            raise NotFound("no such community", field="communityId")
        access.require_staff(principal, draft.community_id, district)
        organization_id = new_id("organization", subject=principal.subject, idempotency_key=idempotency_key)
        existing = await self.store.organization(organization_id)
        if existing is not None:
            return existing[0]
        await self._check_references(draft.profile)
        organization, events = register(
            draft, organization_id=organization_id, new_member_id=_short_id, actor=principal.subject, at=self._clock()
        )
        await self._insert(self.store.insert_organization(organization, events), what="organization")
        return replace(organization, version=1)

    async def update_profile(self, principal: Principal, organization_id: str, profile: Profile) -> Organization:
        """Name, purpose, fields, description, mentors, partners, served communities."""
        await self._check_references(profile)
        at = self._clock()
        return await self._change(
            principal, organization_id, lambda o: o.update_profile(profile, actor=principal.subject, at=at), editor=True
        )

    async def add_member(self, principal: Principal, organization_id: str, member: MemberDraft) -> Organization:
        """A new member."""
        at, member_id = self._clock(), _short_id()
        return await self._change(
            principal, organization_id, lambda o: o.add_member(member, member_id, actor=principal.subject, at=at), editor=True
        )

    async def remove_member(self, principal: Principal, organization_id: str, member_id: str) -> Organization:
        """A member leaves."""
        at = self._clock()
        return await self._change(
            principal, organization_id, lambda o: o.remove_member(member_id, actor=principal.subject, at=at), editor=True
        )

    async def change_leader(self, principal: Principal, organization_id: str, member_id: str, *, on: date, reason: str) -> Organization:
        """Leadership succession."""
        at = self._clock()
        return await self._change(
            principal,
            organization_id,
            lambda o: o.change_leader(member_id, on=on, reason=reason, actor=principal.subject, at=at),
            editor=True,
        )

    async def set_management_group(self, principal: Principal, organization_id: str, member_ids: Sequence[str]) -> Organization:
        """The three-person management group."""
        at = self._clock()
        return await self._change(
            principal, organization_id, lambda o: o.set_management_group(tuple(member_ids), actor=principal.subject, at=at), editor=True
        )

    async def change_stage(self, principal: Principal, organization_id: str, stage: Stage, reason: str) -> Organization:
        """Forward one stage; a district administrator may correct to any stage."""
        at = self._clock()
        organization = await self._load_visible(principal, organization_id)
        district_admin = principal.is_district_admin_of(await self.district_of(organization.community_id))
        return await self._change(
            principal,
            organization_id,
            lambda o: o.change_stage(stage, reason=reason, actor=principal.subject, at=at, may_correct=district_admin),
        )

    async def change_status(
        self, principal: Principal, organization_id: str, action: str, *, effective_on: date, reason: str | None
    ) -> Organization:
        """Activate, suspend or dissolve."""
        at = self._clock()
        return await self._change(
            principal,
            organization_id,
            lambda o: o.change_status(action, effective_on=effective_on, reason=reason, actor=principal.subject, at=at),
        )

    async def record_support(
        self, principal: Principal, organization_id: str, *, kind: SupportKind, on: date, amount_fen: int | None, provider: str, note: str
    ) -> Organization:
        """Support the community gave."""
        at = self._clock()
        record = SupportRecord(_short_id(), kind, on, amount_fen, provider.strip(), note.strip(), principal.subject, at)
        return await self._change(principal, organization_id, lambda o: o.record_support(record, at=at))

    async def track(self, organization_id: str, update: Callable[[TrackRecord], TrackRecord], *, event_id: str) -> None:
        """A claims event changes the track record, once per event."""
        at = self._clock()
        await change_aggregate(
            load=lambda: self.store.organization(organization_id),
            decide=lambda organization: (organization.with_track_record(update, at=at), []),
            save=self._save,
            handled_event=event_id,
            what="organization",
        )

    async def _check_references(self, profile: Profile) -> None:
        served = list(profile.served_community_ids)
        known = await self.store.communities_by_ids(served)
        for index, community_id in enumerate(served):
            if community_id not in known:
                raise Invalid("no such community", field=f"servedCommunityIds.{index}")
        partners = await self.store.organizations_by_ids(profile.partner_ids)
        for index, partner_id in enumerate(profile.partner_ids):
            if partner_id not in partners:
                raise Invalid("no such partner organization", field=f"partnerIds.{index}")

    async def _load_visible(self, principal: Principal, organization_id: str) -> Organization:
        loaded = await self.store.organization(organization_id)
        if loaded is None or not await self._visible(principal, loaded[0]):
            raise NotFound("no such organization", field="organizationId")
        return loaded[0]

    async def _visible(self, principal: Principal, organization: Organization) -> bool:
        communities = await self.store.communities_by_ids(organization.profile.served_community_ids)
        pairs = [(cid, communities[cid].district_id if cid in communities else None) for cid in organization.profile.served_community_ids]
        return access.can_see_organization(principal, pairs)

    async def _change(self, principal: Principal, organization_id: str, decide: Decision, *, editor: bool = False) -> Organization:
        async def load() -> tuple[Organization, frozenset[str]] | None:
            loaded = await self.store.organization(organization_id)
            if loaded is None or not await self._visible(principal, loaded[0]):
                return None
            organization = loaded[0]
            district = await self.district_of(organization.community_id)
            if editor:
                access.require_editor(principal, organization, district)
            else:
                access.require_staff(principal, organization.community_id, district, field="organizationId")
            return loaded

        organization, events = await change_aggregate(load=load, decide=decide, save=self._save, what="organization")
        if events:
            self._notify()
        return organization

    async def _save(self, organization: Organization, events: Sequence[Event], handled_event: str | None) -> None:
        await self.store.save_organization(organization, events, handled_event=handled_event)

    async def _insert(self, insert: Awaitable[None], *, what: str) -> None:
        try:
            await insert
        except DuplicateKey as error:
            raise Conflict(f"a {what} of this name (or id) is already registered here", field="name") from error
        self._notify()
