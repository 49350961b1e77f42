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
from services.common.store import DuplicateKey, VersionConflict
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
from services.orgs.domain.service_links import requested_ids
from services.orgs.store import OrgsStore

__all__ = ["OrgsHandlers"]

Decision = Callable[[Organization], tuple[Organization, list[Event]]]
Authorize = Callable[[Organization, str | None], None]


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

    async def set_retention_period(self, principal: Principal, district_id: str, days: int) -> District:
        """A district administrator sets how long residents' personal data is kept in the district."""
        access.require_district_admin(principal, district_id, field="districtId")
        at = self._clock()

        async def load() -> tuple[District, frozenset[str]] | None:
            district = (await self.store.districts_by_ids([district_id])).get(district_id)
            return None if district is None else (district, frozenset())

        def decide(district: District) -> tuple[District, list[Event]]:
            return district.set_retention(days, actor=principal.subject, at=at)

        district, events = await change_aggregate(
            load=load,
            decide=decide,
            save=lambda d, events, _handled: self.store.save_district(d, events),
            what="district",
        )
        if events:
            self._notify()
        return district

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
        await self._check_references(draft.profile, draft.community_id, served=(draft.community_id,))
        grantable = await self._grantable(principal, draft.profile.served_community_ids, district)
        organization, events = register(
            draft, organization_id=organization_id, new_member_id=_short_id, actor=principal.subject, at=self._clock(), grantable=grantable
        )
        await self._insert(self.store.insert_organization(organization, events), what="organization")
        return replace(organization, version=1)

    async def update_profile(self, principal: Principal, organization_id: str, profile: Profile) -> Organization:
        """Name, purpose, fields, description, mentors, partners; communities to serve become requests."""
        current = await self._load_visible(principal, organization_id)
        access.require_editor(principal, current, await self.district_of(current.community_id))
        await self._check_references(
            profile, current.community_id, served=current.profile.served_community_ids, known_partners=current.profile.partner_ids
        )
        grantable = await self._grantable(principal, profile.served_community_ids, await self.district_of(current.community_id))
        at = self._clock()
        return await self._change(
            principal,
            organization_id,
            lambda o: o.update_profile(profile, actor=principal.subject, at=at, grantable=grantable),
            editor=True,
        )

    async def request_service(self, principal: Principal, organization_id: str, community_id: str) -> Organization:
        """The organization's side asks to serve another community; granted at once if the caller may grant it."""
        current = await self._load_visible(principal, organization_id)
        home_district = await self.district_of(current.community_id)
        access.require_editor(principal, current, home_district)
        community_district = await self._known_community(community_id)
        grantable = access.may_grant_service(principal, community_id, community_district, home_district)
        at = self._clock()
        return await self._change(
            principal,
            organization_id,
            lambda o: o.request_service(community_id, grantable=grantable, actor=principal.subject, at=at),
            editor=True,
        )

    async def answer_service(self, principal: Principal, organization_id: str, community_id: str, action: str, reason: str) -> Organization:
        """The community reached grants or declines a request (``grant``/``decline``); either side ends a link (``end``)."""
        community_district = await self._known_community(community_id)

        def authorize(organization: Organization, home_district: str | None) -> None:
            if action == "end" and access.is_editor(principal, organization, home_district):
                return
            access.require_grantor(principal, community_id, community_district, home_district)

        at = self._clock()
        return await self._change(
            principal,
            organization_id,
            lambda o: o.answer_service(community_id, action, actor=principal.subject, at=at, reason=reason),
            authorize=authorize,
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

    async def upgrade_service_links(self) -> int:
        """At start-up: organizations stored with declared served communities keep them as requests, and consumers are told.

        Each is one version-guarded save with an ``orgs.org.updated.v1`` in its outbox, so the
        claims service's cards drop the communities never granted; one changed meanwhile was
        saved with its links already and is left alone.
        """
        upgraded = 0
        for organization in await self.store.declared_links():
            try:
                await self.store.save_organization(organization, [organization.served_as_granted(at=self._clock())])
            except VersionConflict:
                continue
            upgraded += 1
        if upgraded:
            self._notify()
        return upgraded

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

    async def _check_references(self, profile: Profile, home: str, *, served: Sequence[str], known_partners: Sequence[str] = ()) -> None:
        """Communities named exist; a new partner shares a community this organization serves (granted, never declared).

        An organization of another community, or one that does not exist, is refused alike, so
        that no one learns of another community's organizations by naming them.
        """
        wanted = list(profile.served_community_ids)
        known = await self.store.communities_by_ids(wanted)
        for index, community_id in enumerate(wanted):
            if community_id not in known:
                raise NotFound("no such community", field=f"servedCommunityIds.{index}")
        ours = {home, *served}
        partners = await self.store.organizations_by_ids(profile.partner_ids)
        for index, partner_id in enumerate(profile.partner_ids):
            partner = partners.get(partner_id)
            if partner_id in known_partners:
                continue
            if partner is None or not ours & set(partner.profile.served_community_ids):
                raise Invalid("no such partner organization in a community this organization serves", field=f"partnerIds.{index}")

    async def _grantable(self, principal: Principal, community_ids: Sequence[str], home_district: str | None) -> frozenset[str]:
        """The communities among these that the caller may grant at once."""
        communities = await self.store.communities_by_ids(community_ids)
        return frozenset(
            cid for cid, community in communities.items() if access.may_grant_service(principal, cid, community.district_id, home_district)
        )

    async def _known_community(self, community_id: str) -> str | None:
        """The community's district; NotFound naming ``communityId`` if it was never registered."""
        community = (await self.store.communities_by_ids([community_id])).get(community_id)
        if community is None:
            raise NotFound("no such community", field="communityId")
        return community.district_id

    async def _load_visible(self, principal: Principal, organization_id: str) -> Organization:
        loaded = await self.store.organization(organization_id)
        if loaded is None or not await self._visible(principal, loaded[0]):
            raise NotFound("no such organization", field="organizationId")
        return loaded[0]

    async def _visible(self, principal: Principal, organization: Organization) -> bool:
        served, requested = organization.profile.served_community_ids, requested_ids(organization.service_links)
        communities = await self.store.communities_by_ids([*served, *requested])

        def pairs(ids: Sequence[str]) -> list[tuple[str, str | None]]:
            return [(cid, communities[cid].district_id if cid in communities else None) for cid in ids]

        return access.can_see_organization(principal, pairs(served), pairs(requested))

    async def _change(
        self, principal: Principal, organization_id: str, decide: Decision, *, editor: bool = False, authorize: Authorize | None = None
    ) -> Organization:
        async def load() -> tuple[Organization, frozenset[str]] | None:
            loaded = await self.store.organization(organization_id)
            if loaded is None or not await self._visible(principal, loaded[0]):
                return None
            organization = loaded[0]
            district = await self.district_of(organization.community_id)
            if authorize is not None:
                authorize(organization, district)
            elif editor:
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
