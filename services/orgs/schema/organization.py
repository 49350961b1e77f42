"""The Organization type and the records it carries."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from services.common.graphql.scalars import Fen
from services.common.graphql.vocabulary import FundSource
from services.orgs.domain import Member, Organization
from services.orgs.schema.context import OrgsContext
from services.orgs.schema.enums import ActivityField, FilingStatus, OrganizationKind, Purpose, Stage, SupportKind

if TYPE_CHECKING:
    from services.orgs.schema.places import CommunityType
    from services.orgs.schema.service_links import ServiceLinkType

__all__ = ["MemberType", "OrganizationType"]

CommunityRef = Annotated["CommunityType", strawberry.lazy("services.orgs.schema.places")]
ServiceLinkRef = Annotated["ServiceLinkType", strawberry.lazy("services.orgs.schema.service_links")]


@strawberry.type(name="OrganizationMember", description="A member of an organization.")
class MemberType:
    id: strawberry.ID = strawberry.field(description="Member id (within the organization).")
    name: str = strawberry.field(description="Name.")
    phone: str | None = strawberry.field(description="Phone number: personal, shown to community staff only.")
    joined_on: date | None = strawberry.field(description="When they joined.")
    is_leader: bool = strawberry.field(description="Leads the organization now.")
    in_management_group: bool = strawberry.field(description="One of the three-person management group (三人管理小组).")

    @classmethod
    def of(cls, member: Member, organization: Organization, *, staff: bool) -> MemberType:
        """From the domain member, masking contact details unless the caller is staff."""
        return cls(
            id=strawberry.ID(member.id),
            name=member.name,
            phone=member.phone if staff else None,
            joined_on=member.joined_on,
            is_leader=member.id == organization.leader_id,
            in_management_group=member.id in organization.management_group,
        )


@strawberry.type(description="An outside mentor or teacher.")
class Mentor:
    name: str = strawberry.field(description="Name.")
    expertise: str = strawberry.field(description="What they teach or advise on.")
    affiliation: str = strawberry.field(description="Where they come from.")


@strawberry.type(name="OrganizationStatusChange", description="A change of filing status, effective on a day.")
class StatusChangeType:
    action: str = strawberry.field(description="register, activate, suspend or dissolve.")
    from_status: FilingStatus | None = strawberry.field(description="Status before (null at registration).")
    to_status: FilingStatus = strawberry.field(description="Status after.")
    effective_on: date = strawberry.field(description="Effective day.")
    actor: str = strawberry.field(description="Who recorded it.")
    at: datetime = strawberry.field(description="When it was recorded.")
    reason: str | None = strawberry.field(description="Why.")


@strawberry.type(name="OrganizationStageChange", description="A move along the development path: who, when, why.")
class StageChangeType:
    from_stage: Stage | None = strawberry.field(description="Stage before (null at registration).")
    to_stage: Stage = strawberry.field(description="Stage after.")
    actor: str = strawberry.field(description="Who moved it.")
    at: datetime = strawberry.field(description="When.")
    reason: str = strawberry.field(description="Why.")
    correction: bool = strawberry.field(description="A district administrator's correction out of the one-step order.")


@strawberry.type(name="LeaderSuccession", description="One change of leader (the team outlives its leader).")
class SuccessionType:
    from_name: str | None = strawberry.field(description="The previous leader.")
    to_name: str = strawberry.field(description="The new leader.")
    to_member_id: strawberry.ID = strawberry.field(description="The new leader's member id.")
    on: date = strawberry.field(description="Effective day.")
    reason: str = strawberry.field(description="Why.")
    actor: str = strawberry.field(description="Who recorded it.")


@strawberry.type(name="OrganizationSupport", description="Support the community gave the organization.")
class SupportRecordType:
    id: strawberry.ID = strawberry.field(description="Record id.")
    kind: SupportKind = strawberry.field(description="What kind of support.")
    on: date = strawberry.field(description="When.")
    amount_fen: Fen | None = strawberry.field(description="Amount in fen, where it applies.")
    provider: str = strawberry.field(description="Who gave it.")
    note: str = strawberry.field(description="Details.")


@strawberry.type(description="Money received from one fund source, in fen.")
class FundAmount:
    fund_source: FundSource = strawberry.field(description="The fund (the same enum as in inputs).")
    amount_fen: Fen = strawberry.field(description="Amount in fen.")


@strawberry.type(name="TrackRecord", description="What the organization has done through claims (认领), from the claims service's events.")
class TrackRecordType:
    items_claimed: int = strawberry.field(description="Claims approved.")
    projects_completed: int = strawberry.field(description="Projects completed.")
    average_score: float | None = strawberry.field(
        description="Mean overall evaluation score on the one scale of the graph (1–5, as ClaimEvaluation.overallScore); null before the first."
    )
    volunteer_hours: float = strawberry.field(description="Volunteer hours reported.")
    funds_received: list[FundAmount] = strawberry.field(description="Funds received, per source.")
    funds_total_fen: Fen = strawberry.field(description="All funds received, in fen.")


@strawberry.federation.type(
    name="Organization",
    keys=["id"],
    description="社区社会组织 / 辖区单位 / partner NGO: an organization that claims service items and grows.",
)
class OrganizationType:
    id: strawberry.ID = strawberry.field(description="Organization id.")
    community_id: strawberry.ID = strawberry.field(description="Home community.")
    name: str = strawberry.field(description="Name.")
    kind: OrganizationKind = strawberry.field(description="Social organization, unit, or partner NGO.")
    purpose: Purpose = strawberry.field(description="Public-welfare, self-benefit or mutual-benefit.")
    fields: list[ActivityField] = strawberry.field(description="Fields of activity.")
    description: str = strawberry.field(description="What it does.")
    founded_on: date = strawberry.field(description="Founded on.")
    status: FilingStatus = strawberry.field(description="Filing status now.")
    status_since: date = strawberry.field(description="Since when.")
    dissolved_on: date | None = strawberry.field(description="When it was dissolved, if it was.")
    stage: Stage = strawberry.field(description="Stage on the development path.")
    member_count: int = strawberry.field(description="How many members.")
    mentors: list[Mentor] = strawberry.field(description="Outside mentors and teachers.")
    status_history: list[StatusChangeType] = strawberry.field(description="Filing status changes, oldest first.")
    stage_history: list[StageChangeType] = strawberry.field(description="Stage changes, oldest first.")
    leader_history: list[SuccessionType] = strawberry.field(description="Leadership succession, oldest first.")
    support_records: list[SupportRecordType] = strawberry.field(description="Support received, in recorded order.")
    track_record: TrackRecordType = strawberry.field(description="Claims carried out.")
    _organization: strawberry.Private[Organization]

    @classmethod
    def from_domain(cls, organization: Organization) -> OrganizationType:
        """From the domain aggregate."""
        profile, record = organization.profile, organization.track_record
        return cls(
            id=strawberry.ID(organization.id),
            community_id=strawberry.ID(organization.community_id),
            name=profile.name,
            kind=organization.kind,
            purpose=profile.purpose,
            fields=list(profile.fields),
            description=profile.description,
            founded_on=organization.founded_on,
            status=organization.status,
            status_since=organization.status_since,
            dissolved_on=organization.dissolved_on,
            stage=organization.stage,
            member_count=len(organization.members),
            mentors=[Mentor(name=m.name, expertise=m.expertise, affiliation=m.affiliation) for m in profile.mentors],
            status_history=[
                StatusChangeType(
                    action=c.action,
                    from_status=c.from_status,
                    to_status=c.to_status,
                    effective_on=c.effective_on,
                    actor=c.actor,
                    at=c.at,
                    reason=c.reason,
                )
                for c in organization.status_history
            ],
            stage_history=[
                StageChangeType(
                    from_stage=c.from_stage, to_stage=c.to_stage, actor=c.actor, at=c.at, reason=c.reason, correction=c.correction
                )
                for c in organization.stage_history
            ],
            leader_history=[
                SuccessionType(
                    from_name=s.from_name,
                    to_name=s.to_name,
                    to_member_id=strawberry.ID(s.to_member_id),
                    on=s.on,
                    reason=s.reason,
                    actor=s.actor,
                )
                for s in organization.leader_history
            ],
            support_records=[
                SupportRecordType(
                    id=strawberry.ID(r.id),
                    kind=r.kind,
                    on=r.on,
                    amount_fen=Fen(r.amount_fen) if r.amount_fen is not None else None,
                    provider=r.provider,
                    note=r.note,
                )
                for r in organization.support_records
            ],
            track_record=TrackRecordType(
                items_claimed=record.items_claimed,
                projects_completed=record.projects_completed,
                average_score=round(record.average_score / 20, 2) if record.average_score is not None else None,
                volunteer_hours=record.volunteer_hours,
                funds_received=[
                    FundAmount(fund_source=source, amount_fen=Fen(record.funds_fen.get(source.value, 0))) for source in FundSource
                ],
                funds_total_fen=Fen(record.funds_total_fen),
            ),
            _organization=organization,
        )

    @strawberry.field(description="Home community (社区).")
    async def community(self, info: Info[OrgsContext, None]) -> CommunityRef | None:
        from services.orgs.schema.places import CommunityType

        community = await info.context.communities.load(self._organization.community_id)
        return CommunityType.from_domain(community) if community else None

    @strawberry.field(description="Communities it serves: its home, and (partner NGOs) those that granted it a service link.")
    async def served_communities(self, info: Info[OrgsContext, None]) -> list[CommunityRef]:
        from services.orgs.schema.places import CommunityType

        found = await info.context.communities.load_many(list(self._organization.profile.served_community_ids))
        return [CommunityType.from_domain(community) for community in found if community is not None]

    @strawberry.field(description="The leader (负责人).")
    async def leader(self, info: Info[OrgsContext, None]) -> MemberType:
        return MemberType.of(self._organization.leader, self._organization, staff=await self._staff(info))

    @strawberry.field(description="The three-person management group (三人管理小组); empty until formed.")
    async def management_group(self, info: Info[OrgsContext, None]) -> list[MemberType]:
        staff = await self._staff(info)
        return [
            MemberType.of(self._organization.member(member_id), self._organization, staff=staff)
            for member_id in self._organization.management_group
        ]

    @strawberry.field(description="Members; phone numbers only for community staff.")
    async def members(self, info: Info[OrgsContext, None]) -> list[MemberType]:
        staff = await self._staff(info)
        return [MemberType.of(member, self._organization, staff=staff) for member in self._organization.members]

    @strawberry.field(description="Outside partner organizations (e.g. 福寿百年 for 夕阳天使), those you may see.")
    async def partners(self, info: Info[OrgsContext, None]) -> list[OrganizationType]:
        found = await asyncio.gather(*(info.context.visible_organization(pid) for pid in self._organization.profile.partner_ids))
        return [OrganizationType.from_domain(partner) for partner in found if partner is not None]

    @strawberry.field(
        description="Its links to communities other than its home: all of them for its editors, the ones of your communities otherwise."
    )
    async def service_links(self, info: Info[OrgsContext, None]) -> list[ServiceLinkRef]:
        from services.orgs.schema.service_links import visible_links

        return await visible_links(info, self._organization)

    async def _staff(self, info: Info[OrgsContext, None]) -> bool:
        return await info.context.is_staff(info.context.require_principal(), self._organization.community_id)

    @classmethod
    async def resolve_reference(cls, info: Info[OrgsContext, None], id: strawberry.ID) -> OrganizationType | None:
        """Federation entity resolution, batched through the request's DataLoader."""
        organization = await info.context.visible_organization(str(id))
        return cls.from_domain(organization) if organization else None
