"""Input types of the orgs subgraph: list filters and one input per mutation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import strawberry

from services.common.graphql.scalars import Fen
from services.common.text import MULTILINE
from services.orgs.domain import MemberDraft, Mentor, OrganizationDraft, Profile
from services.orgs.schema.enums import ActivityField, FilingStatus, OrganizationKind, Purpose, Stage, StatusAction, SupportKind

__all__ = [
    "AddOrganizationMemberInput",
    "ChangeOrganizationLeaderInput",
    "ChangeOrganizationStageInput",
    "ChangeOrganizationStatusInput",
    "MemberInput",
    "MentorInput",
    "OrganizationFilter",
    "RecordOrganizationSupportInput",
    "RegisterCommunityInput",
    "RegisterDistrictInput",
    "RegisterOrganizationInput",
    "RegisterStreetInput",
    "RemoveOrganizationMemberInput",
    "SetOrganizationManagementGroupInput",
    "UpdateOrganizationProfileInput",
]


@strawberry.input(description="Filters of an organizations list; all given filters must match.")
class OrganizationFilter:
    community_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Communities (home or served); default: all of yours."
    )
    kinds: list[OrganizationKind] | None = strawberry.field(default=None, description="Any of these kinds.")
    purposes: list[Purpose] | None = strawberry.field(default=None, description="Any of these purposes.")
    statuses: list[FilingStatus] | None = strawberry.field(default=None, description="Any of these filing statuses.")
    stages: list[Stage] | None = strawberry.field(default=None, description="Any of these stages.")
    fields: list[ActivityField] | None = strawberry.field(default=None, description="Active in any of these fields.")
    text: str | None = strawberry.field(
        default=None, description="Text contained in the name or description (any substring; case-insensitive)."
    )

    @staticmethod
    def scoped(given: OrganizationFilter | None, community_ids: list[strawberry.ID]) -> OrganizationFilter:
        """The same filter limited to the given communities."""
        return replace(given or OrganizationFilter(), community_ids=community_ids)


@strawberry.input(description="Register a district (the id must be in your token's districts).")
class RegisterDistrictInput:
    id: strawberry.ID = strawberry.field(description="Readable slug, e.g. district-dongcheng.")
    name: str = strawberry.field(description="Name, e.g. 东城区.")


@strawberry.input(description="Register a street (街道) of your district.")
class RegisterStreetInput:
    district_id: strawberry.ID = strawberry.field(description="The district.")
    name: str = strawberry.field(description="Name, unique in the district.")
    id: strawberry.ID | None = strawberry.field(default=None, description="Readable slug; generated if absent.")


@strawberry.input(description="Register a community (社区) of one of your district's streets.")
class RegisterCommunityInput:
    street_id: strawberry.ID = strawberry.field(description="The street.")
    name: str = strawberry.field(description="Name, unique in the street.")
    address: str = strawberry.field(default="", description="Address.")
    id: strawberry.ID | None = strawberry.field(default=None, description="Readable slug; generated if absent.")


@strawberry.input(description="A person joining an organization.")
class MemberInput:
    name: str = strawberry.field(description="Name.")
    phone: str = strawberry.field(default="", description="Phone (staff-only contact detail).")
    joined_on: date | None = strawberry.field(default=None, description="When they joined; default the founding day.")
    in_management_group: bool = strawberry.field(
        default=False, description="At registration: one of the three-person management group (exactly three, or none yet)."
    )
    account: str | None = strawberry.field(
        default=None,
        description=(
            "The person's platform account (their token's subject). Once an organization links accounts (or hands its leadership"
            " over), only its current leader's and management group's accounts act for it."
        ),
    )

    def to_draft(self) -> MemberDraft:
        """The domain's draft."""
        return MemberDraft(self.name, self.phone, self.joined_on, self.in_management_group, self.account)


@strawberry.input(description="An outside mentor or teacher.")
class MentorInput:
    name: str = strawberry.field(description="Name.")
    expertise: str = strawberry.field(default="", description="What they teach or advise on.")
    affiliation: str = strawberry.field(default="", description="Where they come from.")


@strawberry.input(description="The profile of an organization: what it is and whom it works with.")
class OrganizationProfileInput:
    name: str = strawberry.field(description="Name, 1–60 characters.")
    purpose: Purpose = strawberry.field(description="Public-welfare, self-benefit or mutual-benefit.")
    fields: list[ActivityField] = strawberry.field(default_factory=list, description="Fields of activity.")
    description: str = strawberry.field(metadata=MULTILINE, default="", description="What it does.")
    mentors: list[MentorInput] = strawberry.field(default_factory=list, description="Outside mentors and teachers.")
    partner_ids: list[strawberry.ID] = strawberry.field(default_factory=list, description="Partner organizations (ids).")
    served_community_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Further communities served (partner NGOs only); the home community is always served."
    )

    def to_profile(self) -> Profile:
        """The domain's profile."""
        return Profile(
            name=self.name,
            purpose=self.purpose,
            fields=tuple(self.fields),
            description=self.description,
            mentors=tuple(Mentor(m.name.strip(), m.expertise.strip(), m.affiliation.strip()) for m in self.mentors),
            partner_ids=tuple(str(pid) for pid in self.partner_ids),
            served_community_ids=tuple(str(cid) for cid in self.served_community_ids),
        )


@strawberry.input(description="Register an organization of your community with its leader and members.")
class RegisterOrganizationInput(OrganizationProfileInput):
    community_id: strawberry.ID = strawberry.field(description="Home community.")
    kind: OrganizationKind = strawberry.field(description="Social organization, unit, or partner NGO.")
    founded_on: date = strawberry.field(description="Founded on (not in the future).")
    leader: MemberInput = strawberry.field(description="The leader (负责人), who becomes the first member.")
    members: list[MemberInput] = strawberry.field(default_factory=list, description="Other members.")
    stage: Stage = strawberry.field(default=Stage.NEEDS_ASSESSMENT, description="Stage reached so far.")
    status: FilingStatus = strawberry.field(default=FilingStatus.FILED, description="FILED (备案) or ACTIVE.")
    idempotency_key: str | None = strawberry.field(default=None, description="Retrying with the same key never registers twice.")

    def to_draft(self) -> OrganizationDraft:
        """The domain's draft."""
        return OrganizationDraft(
            community_id=str(self.community_id),
            kind=self.kind,
            founded_on=self.founded_on,
            profile=self.to_profile(),
            leader=self.leader.to_draft(),
            members=tuple(member.to_draft() for member in self.members),
            stage=self.stage,
            status=self.status,
        )


@strawberry.input(description="Change an organization's profile (staff, or its own leader).")
class UpdateOrganizationProfileInput(OrganizationProfileInput):
    organization_id: strawberry.ID = strawberry.field(description="The organization.")


@strawberry.input(description="Add a member.")
class AddOrganizationMemberInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    member: MemberInput = strawberry.field(description="The new member.")


@strawberry.input(description="A member leaves (change leader and management group first if they are in them).")
class RemoveOrganizationMemberInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    member_id: strawberry.ID = strawberry.field(description="The member.")


@strawberry.input(description="Leadership succession: a member takes over as leader.")
class ChangeOrganizationLeaderInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    member_id: strawberry.ID = strawberry.field(description="The new leader, a member.")
    on: date = strawberry.field(description="Effective day, not before the previous change, not in the future.")
    reason: str = strawberry.field(metadata=MULTILINE, default="", description="Why.")


@strawberry.input(description="The three-person management group (三人管理小组): exactly three distinct members.")
class SetOrganizationManagementGroupInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    member_ids: list[strawberry.ID] = strawberry.field(description="Three distinct member ids; the leader may be one.")


@strawberry.input(description="Move along the development path: one stage forward (a district administrator may correct to any).")
class ChangeOrganizationStageInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    stage: Stage = strawberry.field(description="The new stage.")
    reason: str = strawberry.field(metadata=MULTILINE, description="Why (required).")


@strawberry.input(description="Activate, suspend (dormant) or dissolve, effective on a day.")
class ChangeOrganizationStatusInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    action: StatusAction = strawberry.field(description="What happens.")
    effective_on: date = strawberry.field(description="Effective day: not before the last status change, not in the future.")
    reason: str | None = strawberry.field(metadata=MULTILINE, default=None, description="Why (required to dissolve).")


@strawberry.input(description="Record support the community gave.")
class RecordOrganizationSupportInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    kind: SupportKind = strawberry.field(description="What kind of support.")
    on: date = strawberry.field(description="When (not before founding, not in the future).")
    amount_fen: Fen | None = strawberry.field(default=None, description="Amount in fen; required for FUNDS.")
    provider: str = strawberry.field(default="", description="Who gave it (e.g. 社区党委, an outside teacher).")
    note: str = strawberry.field(metadata=MULTILINE, default="", description="Details.")
