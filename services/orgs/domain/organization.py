"""The Organization aggregate: a community social organization, unit or partner NGO.

It carries its profile, members and the three-person management group (三人管理小组), its
leader and the succession of leaders, its filing status with dates, its stage on the
development path (forward one step at a time; a district administrator may correct it), the
support the community gave it, and its track record from the claims it carried out.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from datetime import date, datetime
from enum import Enum
from typing import Any

from services.common.domain import Invalid, StateMachine, TransitionNotAllowed, check_past_date
from services.common.events import Event, new_event
from services.orgs.domain.people import Member, MemberDraft, Succession, check_team
from services.orgs.domain.records import OrganizationDraft, Profile, StageChange, StatusChange, SupportRecord
from services.orgs.domain.service_links import ServiceLink, check_reachable, granted_ids, planned_links
from services.orgs.domain.service_links import ServiceLinkStatus as LinkStatus
from services.orgs.domain.track_record import TrackRecord
from services.orgs.domain.vocabulary import FilingStatus, OrganizationKind, Stage, SupportKind

__all__ = [
    "STATUS_MACHINE",
    "Organization",
    "OrganizationDraft",
    "Profile",
    "StageChange",
    "StatusChange",
    "SupportRecord",
    "register",
]

SERVICE = "orgs"
LINK_EVENTS = {
    "request": "orgs.org.service_requested.v1",
    "grant": "orgs.org.service_granted.v1",
    "decline": "orgs.org.service_declined.v1",
    "end": "orgs.org.service_ended.v1",
}
F = FilingStatus
STATUS_MACHINE: StateMachine[FilingStatus] = StateMachine(
    "organization",
    {
        "activate": {F.FILED: F.ACTIVE, F.DORMANT: F.ACTIVE},
        "suspend": {F.FILED: F.DORMANT, F.ACTIVE: F.DORMANT},
        "dissolve": {F.FILED: F.DISSOLVED, F.ACTIVE: F.DISSOLVED, F.DORMANT: F.DISSOLVED},
    },
)


@dataclass(frozen=True, slots=True)
class Organization:
    """One organization of one (home) community."""

    id: str
    community_id: str
    kind: OrganizationKind
    founded_on: date
    profile: Profile
    status: FilingStatus
    status_since: date
    members: tuple[Member, ...]
    leader_id: str
    stage: Stage
    registered_by: str
    registered_at: datetime
    updated_at: datetime
    management_group: tuple[str, ...] = ()
    status_history: tuple[StatusChange, ...] = ()
    stage_history: tuple[StageChange, ...] = ()
    leader_history: tuple[Succession, ...] = ()
    support_records: tuple[SupportRecord, ...] = ()
    track_record: TrackRecord = field(default_factory=TrackRecord)
    service_links: tuple[ServiceLink, ...] = ()
    version: int = 0

    @property
    def leader(self) -> Member:
        """The current leader."""
        return self.member(self.leader_id)

    @property
    def dissolved_on(self) -> date | None:
        """When it was dissolved, if it was."""
        return self.status_since if self.status is FilingStatus.DISSOLVED else None

    def member(self, member_id: str) -> Member:
        """A member by id; :class:`Invalid` naming ``memberId`` if there is none."""
        for member in self.members:
            if member.id == member_id:
                return member
        raise Invalid("no such member of this organization", field="memberId")

    @property
    def accounts_linked(self) -> bool:
        """Authority is checked per person: a member's account is linked, or the leadership was handed over."""
        return bool(self.leader_history) or any(member.account for member in self.members)

    @property
    def acting_accounts(self) -> frozenset[str]:
        """The accounts that act for the organization now: its leader's and its management group's (三人管理小组)."""
        people = {self.leader_id, *self.management_group}
        return frozenset(member.account for member in self.members if member.id in people and member.account)

    @property
    def member_accounts(self) -> frozenset[str]:
        """Every linked account of its members."""
        return frozenset(member.account for member in self.members if member.account)

    def may_act(self, subject: str, token_organization: str | None) -> bool:
        """Whether a leader's token (naming ``token_organization``) held by ``subject`` acts for the organization now.

        The token must name the organization; once accounts are linked (or a leader was handed
        over), the holder must also be its current leader or in its management group, so a
        handover moves authority to the new leader the moment it is recorded.
        """
        if token_organization != self.id:
            return False
        return subject in self.acting_accounts if self.accounts_linked else True

    def snapshot(self) -> dict[str, Any]:
        """What every orgs.org.* event carries, so consumers keep read models without calling back.

        ``version`` is the record's version once the change is saved, so a read model applies an
        organization's events in version order whatever order they arrive in.
        """
        return {
            "organization_id": self.id,
            "community_id": self.community_id,
            "served_community_ids": list(self.profile.served_community_ids),
            "name": self.profile.name,
            "kind": self.kind.value,
            "purpose": self.profile.purpose.value,
            "status": self.status.value,
            "stage": self.stage.value,
            "founded_on": self.founded_on.isoformat(),
            "status_since": self.status_since.isoformat(),
            "version": self.version + 1,
            "accounts_linked": self.accounts_linked,
            "acting_accounts": sorted(self.acting_accounts),
            "member_accounts": sorted(self.member_accounts),
        }

    def update_profile(
        self, profile: Profile, *, actor: str, at: datetime, grantable: Set[str] = frozenset()
    ) -> tuple[Organization, list[Event]]:
        """Name, purpose, fields, description, mentors, partners; communities to serve become requests (see :meth:`request_service`)."""
        self._require_not_dissolved("update")
        checked = profile.checked(kind=self.kind, community_id=self.community_id, own_id=self.id)
        links, moves = planned_links(
            self.service_links, checked.served_community_ids, home=self.community_id, grantable=grantable, actor=actor, at=at
        )
        checked = replace(checked, served_community_ids=(self.community_id, *granted_ids(links)))
        changed = [name for name in Profile.__dataclass_fields__ if getattr(checked, name) != getattr(self.profile, name)]
        if not changed and not moves:
            return self, []
        organization = replace(self, profile=checked, service_links=links, updated_at=at)
        changes = {name: {"old": _plain(getattr(self.profile, name)), "new": _plain(getattr(checked, name))} for name in changed}
        events = [organization._event("orgs.org.updated.v1", at, changed=changed, changes=changes, actor=actor)] if changed else []
        return organization, [*events, *organization._link_events(self.service_links, moves, at)]

    def served_as_granted(self, *, at: datetime) -> Event:
        """Tells consumers what it serves now (home and granted links), for one stored when served communities were declared."""
        return self._event("orgs.org.updated.v1", at, changed=["served_community_ids"], actor="orgs")

    def service_link(self, community_id: str) -> ServiceLink | None:
        """The link to one community, if it was ever asked for."""
        return next((link for link in self.service_links if link.community_id == community_id), None)

    def request_service(self, community_id: str, *, grantable: bool, actor: str, at: datetime) -> tuple[Organization, list[Event]]:
        """Ask to serve another community; granted at once when the caller may grant it (its staff, a district administrator over both)."""
        self._require_not_dissolved("change the communities served by")
        check_reachable(community_id, home=self.community_id)
        if self.kind is not OrganizationKind.PARTNER_ORGANIZATION:
            raise Invalid("only partner organizations serve several communities", field="communityId")
        existing = self.service_link(community_id)
        link = existing.moved("request", actor=actor, at=at) if existing else ServiceLink(community_id, LinkStatus.REQUESTED, actor, at)
        moves = [("request", link)]
        if grantable:
            link = link.moved("grant", actor=actor, at=at)
            moves.append(("grant", link))
        return self._with_link(link, moves, at)

    def answer_service(
        self, community_id: str, action: str, *, actor: str, at: datetime, reason: str = ""
    ) -> tuple[Organization, list[Event]]:
        """``grant`` or ``decline`` a request (the community reached), or ``end`` a link (either side)."""
        check_reachable(community_id, home=self.community_id)
        if action != "end":
            self._require_not_dissolved(f"{action} a service link of")
        link = self.service_link(community_id)
        if link is None:
            raise Invalid("this organization never asked to serve this community", field="communityId")
        if action == "decline" and not reason.strip():
            raise Invalid("say why the request is declined", field="reason")
        moved = link.moved(action, actor=actor, at=at, reason=reason)
        return self._with_link(moved, [(action, moved)], at)

    def _with_link(self, link: ServiceLink, moves: list[tuple[str, ServiceLink]], at: datetime) -> tuple[Organization, list[Event]]:
        others = [other for other in self.service_links if other.community_id != link.community_id]
        links = tuple(link if other.community_id == link.community_id else other for other in self.service_links)
        links = links if len(others) < len(self.service_links) else (*links, link)
        served = (self.community_id, *granted_ids(links))
        organization = replace(self, profile=replace(self.profile, served_community_ids=served), service_links=links, updated_at=at)
        return organization, organization._link_events(self.service_links, moves, at)

    def _link_events(self, before: tuple[ServiceLink, ...], moves: list[tuple[str, ServiceLink]], at: datetime) -> list[Event]:
        """One event per move, each with the link's status before and after it."""
        last: dict[str, str | None] = {link.community_id: link.status.value for link in before}
        events = []
        for action, link in moves:
            events.append(self._link_event(action, link, at, previous=last.get(link.community_id)))
            last[link.community_id] = link.status.value
        return events

    def _link_event(self, action: str, link: ServiceLink, at: datetime, *, previous: str | None) -> Event:
        actor = link.requested_by if action == "request" else link.decided_by or ""
        changes = {f"service_links.{link.community_id}.status": {"old": previous, "new": link.status.value}}
        return self._event(
            LINK_EVENTS[action], at, service_community_id=link.community_id, link_status=link.status.value, reason=link.reason, actor=actor,
            changes=changes,
        )  # fmt: skip

    def add_member(self, draft: MemberDraft, member_id: str, *, actor: str, at: datetime) -> tuple[Organization, list[Event]]:
        """A new member."""
        self._require_not_dissolved("add a member to")
        checked = draft.checked("member")
        if checked.joined_on is not None:
            check_past_date(checked.joined_on, at=at, field="member.joinedOn")
        member = Member(member_id, checked.name, checked.phone, checked.joined_on, checked.account)
        organization = replace(self, members=(*self.members, member), updated_at=at)
        changes = {f"members.{member_id}": {"old": None, "new": _plain(member)}}
        return organization, [
            organization._event("orgs.org.updated.v1", at, changed=["members"], actor=actor, member_id=member_id, changes=changes)
        ]

    def remove_member(self, member_id: str, *, actor: str, at: datetime) -> tuple[Organization, list[Event]]:
        """A member leaves; the leader and the management group must be changed first."""
        self._require_not_dissolved("remove a member from")
        leaving = self.member(member_id)
        if member_id == self.leader_id:
            raise Invalid("change the leader before the leader leaves", field="memberId")
        if member_id in self.management_group:
            raise Invalid("change the management group before one of its members leaves", field="memberId")
        members = tuple(member for member in self.members if member.id != member_id)
        organization = replace(self, members=members, updated_at=at)
        changes = {f"members.{member_id}": {"old": _plain(leaving), "new": None}}
        return organization, [
            organization._event("orgs.org.updated.v1", at, changed=["members"], actor=actor, member_id=member_id, changes=changes)
        ]

    def change_leader(self, member_id: str, *, on: date, reason: str, actor: str, at: datetime) -> tuple[Organization, list[Event]]:
        """Leadership succession: a member takes over, recorded so the team outlives its leader."""
        self._require_not_dissolved("change the leader of")
        successor = self.member(member_id)
        if member_id == self.leader_id:
            raise Invalid("this member already leads the organization", field="memberId")
        last = self.leader_history[-1].on if self.leader_history else self.founded_on
        check_past_date(on, at=at, field="on", not_before=last, after_what="the previous change of leader")
        previous = self.leader
        succession = Succession(previous.id, previous.name, successor.id, successor.name, on, reason.strip(), actor, at)
        organization = replace(self, leader_id=member_id, leader_history=(*self.leader_history, succession), updated_at=at)
        event = organization._event(
            "orgs.org.leader_changed.v1",
            at,
            leader_member_id=member_id,
            previous_leader_member_id=previous.id,
            on=on.isoformat(),
            actor=actor,
        )
        return organization, [event]

    def set_management_group(self, member_ids: tuple[str, ...], *, actor: str, at: datetime) -> tuple[Organization, list[Event]]:
        """The three-person management group (三人管理小组)."""
        self._require_not_dissolved("change the team of")
        team = check_team(member_ids, self.members, field="memberIds")
        organization = replace(self, management_group=team, updated_at=at)
        changes = {"management_group": {"old": list(self.management_group), "new": list(team)}}
        return organization, [
            organization._event("orgs.org.team_changed.v1", at, management_group=list(team), actor=actor, changes=changes)
        ]

    def change_stage(self, stage: Stage, *, reason: str, actor: str, at: datetime, may_correct: bool) -> tuple[Organization, list[Event]]:
        """Forward one step at a time; a district administrator may correct it to any stage."""
        self._require_not_dissolved("change the stage of")
        reason = reason.strip()
        if not reason:
            raise Invalid("say why the stage changes", field="reason")
        if stage is self.stage:
            raise Invalid(f"the organization is already at {stage.value}", field="stage")
        one_step = stage.rank == self.stage.rank + 1
        if not one_step and not may_correct:
            raise Invalid(
                "the development path moves forward one stage at a time; only a district administrator corrects it", field="stage"
            )
        change = StageChange(self.stage, stage, actor, at, reason, correction=not one_step)
        organization = replace(self, stage=stage, stage_history=(*self.stage_history, change), updated_at=at)
        event = organization._event(
            "orgs.org.stage_changed.v1", at, previous_stage=self.stage.value, reason=reason, correction=change.correction, actor=actor
        )
        return organization, [event]

    def change_status(
        self, action: str, *, effective_on: date, reason: str | None, actor: str, at: datetime
    ) -> tuple[Organization, list[Event]]:
        """Activate, suspend (dormant) or dissolve, effective on a day not before the last change."""
        target = STATUS_MACHINE.target(self.status, action)
        check_past_date(effective_on, at=at, field="effectiveOn", not_before=self.status_since, after_what="the last status change")
        if action == "dissolve" and not (reason or "").strip():
            raise Invalid("say why the organization is dissolved", field="reason")
        change = StatusChange(action, self.status, target, effective_on, actor, at, (reason or "").strip() or None)
        organization = replace(self, status=target, status_since=effective_on, status_history=(*self.status_history, change), updated_at=at)
        event = organization._event(
            "orgs.org.status_changed.v1", at, previous_status=self.status.value, effective_on=effective_on.isoformat(),
            reason=change.reason, actor=actor,
        )  # fmt: skip
        return organization, [event]

    def record_support(self, record: SupportRecord, *, at: datetime) -> tuple[Organization, list[Event]]:
        """Support given by the community; funds need an amount in fen, others may have one."""
        self._require_not_dissolved("record support for")
        if record.kind is SupportKind.FUNDS and record.amount_fen is None:
            raise Invalid("funds need an amount in fen", field="amountFen")
        if record.amount_fen is not None and record.amount_fen <= 0:
            raise Invalid("an amount must be more than 0 fen", field="amountFen")
        check_past_date(record.on, at=at, field="on", not_before=self.founded_on, after_what="the organization was founded")
        if len(record.note) > 1_000:
            raise Invalid("the note is longer than 1000 characters", field="note")
        organization = replace(self, support_records=(*self.support_records, record), updated_at=at)
        event = organization._event(
            "orgs.org.support_recorded.v1", at, support_id=record.id, support_kind=record.kind.value, amount_fen=record.amount_fen,
            on=record.on.isoformat(), actor=record.recorded_by,
        )  # fmt: skip
        return organization, [event]

    def with_track_record(self, update: Callable[[TrackRecord], TrackRecord], *, at: datetime) -> Organization:
        """Apply a claims-driven change to the track record (no event: it mirrors claims' own)."""
        record = update(self.track_record)
        return self if record == self.track_record else replace(self, track_record=record, updated_at=at)

    def _require_not_dissolved(self, action: str) -> None:
        if self.status is FilingStatus.DISSOLVED:
            raise TransitionNotAllowed("organization", self.status, action)

    def _event(self, routing_key: str, at: datetime, **data: Any) -> Event:
        return new_event(
            routing_key, service=SERVICE, community=self.community_id, subject=self.id, time=at, data={**self.snapshot(), **data}
        )


def register(
    draft: OrganizationDraft,
    *,
    organization_id: str,
    new_member_id: Callable[[], str],
    actor: str,
    at: datetime,
    grantable: Set[str] = frozenset(),
) -> tuple[Organization, list[Event]]:
    """A new organization with its leader, members and (if flagged) management group.

    Further communities named in its profile become service requests; those in ``grantable``
    (the caller may grant them) are granted at once.
    """
    if draft.status not in (FilingStatus.FILED, FilingStatus.ACTIVE):
        raise Invalid("a new organization is filed or active", field="status")
    check_past_date(draft.founded_on, at=at, field="foundedOn")
    profile = draft.profile.checked(kind=draft.kind, community_id=draft.community_id, own_id=None)
    links, moves = planned_links((), profile.served_community_ids, home=draft.community_id, grantable=grantable, actor=actor, at=at)
    profile = replace(profile, served_community_ids=(draft.community_id, *granted_ids(links)))
    people = [draft.leader.checked("leader"), *(member.checked(f"members.{index}") for index, member in enumerate(draft.members))]
    accounts = [person.account for person in people if person.account]
    if len(set(accounts)) != len(accounts):
        raise Invalid("an account belongs to one member only", field="members")
    members = tuple(
        Member(new_member_id(), person.name, person.phone, person.joined_on or draft.founded_on, person.account) for person in people
    )
    flagged = tuple(member.id for member, person in zip(members, people, strict=True) if person.in_management_group)
    team = check_team(flagged, members, field="members") if flagged else ()
    organization = Organization(
        id=organization_id,
        community_id=draft.community_id,
        kind=draft.kind,
        founded_on=draft.founded_on,
        profile=profile,
        status=draft.status,
        status_since=draft.founded_on,
        members=members,
        leader_id=members[0].id,
        stage=draft.stage,
        registered_by=actor,
        registered_at=at,
        updated_at=at,
        management_group=team,
        status_history=(StatusChange("register", None, draft.status, draft.founded_on, actor, at),),
        stage_history=(StageChange(None, draft.stage, actor, at, "registered"),),
        service_links=links,
    )
    event = organization._event(
        "orgs.org.registered.v1", at, fields=[f.value for f in profile.fields], founded_on=draft.founded_on.isoformat(), actor=actor
    )
    return organization, [event, *organization._link_events((), moves, at)]


def _plain(value: Any) -> Any:
    """A profile value as event data (old and new values for the audit trail): enums, tuples and dataclasses made plain."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(part) for part in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(part) for name, part in asdict(value).items()}
    return value
