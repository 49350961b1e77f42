"""GraphQL of applications to found an organization (申请成立): residents apply, staff approve or return."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from services.common.domain import Forbidden
from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.orgs.applications import Applications
from services.orgs.domain import ActivityField, OrganizationDraft, OrganizationKind, Profile, Purpose
from services.orgs.domain.application import Application, ApplicationStatus
from services.orgs.domain.vocabulary import FilingStatus, Stage
from services.orgs.schema.context import OrgsContext
from services.orgs.schema.inputs import MemberInput

__all__ = ["ApplicationMutation", "ApplicationQuery", "OrganizationApplicationType"]

strawberry.enum(
    ApplicationStatus,
    description="Application status: SUBMITTED → APPROVED (the organization is registered) | RETURNED (with a reason) → SUBMITTED again; WITHDRAWN by the applicant.",
)


@strawberry.type(description="One step of an application's history: who did what, when, and why.")
class ApplicationStep:
    action: str = strawberry.field(description="approve, return, resubmit or withdraw.")
    from_status: ApplicationStatus = strawberry.field(description="Status before.")
    to_status: ApplicationStatus = strawberry.field(description="Status after.")
    actor: str = strawberry.field(description="Who.")
    at: datetime = strawberry.field(description="When.")
    reason: str | None = strawberry.field(description="Why (a return's reason).")


@strawberry.type(description="An application to found a community social organization (申请成立).")
class OrganizationApplicationType:
    id: strawberry.ID = strawberry.field(description="Application id.")
    community_id: strawberry.ID = strawberry.field(description="The community the organization would belong to.")
    applicant: str = strawberry.field(description="The resident who applied (the organization's leader once approved).")
    name: str = strawberry.field(description="The organization's proposed name.")
    purpose: Purpose = strawberry.field(description="公益类, 自益类 or 互益类.")
    fields: list[ActivityField] = strawberry.field(description="Fields of activity.")
    description: str = strawberry.field(description="What it will do.")
    founded_on: date = strawberry.field(description="Since when the group has met.")
    leader_name: str = strawberry.field(description="The leader's name.")
    member_names: list[str] = strawberry.field(description="The other members' names.")
    status: ApplicationStatus = strawberry.field(description="Where it stands.")
    return_reason: str | None = strawberry.field(description="Why staff last returned it.")
    organization_id: strawberry.ID | None = strawberry.field(description="The organization registered on approval.")
    submitted_at: datetime = strawberry.field(description="When it was first submitted.")
    history: list[ApplicationStep] = strawberry.field(description="Every change after submission, oldest first.")

    @classmethod
    def from_domain(cls, application: Application) -> OrganizationApplicationType:
        """From the domain application."""
        draft, profile = application.draft, application.draft.profile
        return cls(
            id=strawberry.ID(application.id), community_id=strawberry.ID(draft.community_id), applicant=application.applicant,
            name=profile.name, purpose=profile.purpose, fields=list(profile.fields), description=profile.description,
            founded_on=draft.founded_on, leader_name=draft.leader.name, member_names=[member.name for member in draft.members],
            status=application.status, return_reason=application.return_reason,
            organization_id=strawberry.ID(application.organization_id) if application.organization_id else None,
            submitted_at=application.submitted_at,
            history=[ApplicationStep(action=s.action, from_status=s.from_status, to_status=s.to_status, actor=s.actor, at=s.at,
                                     reason=s.reason) for s in application.history],
        )  # fmt: skip


@strawberry.input(description="What a group of residents applies with: the organization's name, purpose, people.")
class OrganizationApplicationContent:
    name: str = strawberry.field(description="Proposed name, 1–60 characters.")
    purpose: Purpose = strawberry.field(description="公益类, 自益类 or 互益类.")
    fields: list[ActivityField] = strawberry.field(default_factory=list, description="Fields of activity.")
    description: str = strawberry.field(default="", description="What it will do.")
    founded_on: date = strawberry.field(description="Since when the group has met (not in the future).")
    leader: MemberInput = strawberry.field(description="The leader (负责人): you, unless another account is given.")
    members: list[MemberInput] = strawberry.field(default_factory=list, description="Other members.")

    def to_draft(self, community_id: str) -> OrganizationDraft:
        """The registration the application asks for."""
        profile = Profile(self.name, self.purpose, tuple(self.fields), self.description)
        return OrganizationDraft(
            community_id, OrganizationKind.SOCIAL_ORGANIZATION, self.founded_on, profile, self.leader.to_draft(),
            tuple(member.to_draft() for member in self.members), Stage.NEEDS_ASSESSMENT, FilingStatus.ACTIVE,
        )  # fmt: skip


@strawberry.input(description="申请成立: apply to found a community social organization in your community.")
class ApplyForOrganizationInput(OrganizationApplicationContent):
    community_id: strawberry.ID = strawberry.field(description="Your community.")
    idempotency_key: str | None = strawberry.field(default=None, description="Retrying with the same key never applies twice.")


@strawberry.input(description="Amend a returned application and submit it again.")
class ResubmitOrganizationApplicationInput(OrganizationApplicationContent):
    application_id: strawberry.ID = strawberry.field(description="Your returned application.")


@strawberry.input(description="Staff: approve an application; the organization is registered.")
class ApproveOrganizationApplicationInput:
    application_id: strawberry.ID = strawberry.field(description="The application.")


@strawberry.input(description="Staff: return an application to its applicants, saying what to change.")
class ReturnOrganizationApplicationInput:
    application_id: strawberry.ID = strawberry.field(description="The application.")
    reason: str = strawberry.field(description="What to change; shown to the applicant.")


@strawberry.input(description="Withdraw your own application.")
class WithdrawOrganizationApplicationInput:
    application_id: strawberry.ID = strawberry.field(description="Your application.")


@strawberry.type(description="Result of an application mutation.")
class OrganizationApplicationPayload:
    application: OrganizationApplicationType | None = strawberry.field(
        description="The application after the change; null if nothing changed."
    )
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")

    @classmethod
    def of(cls, result: tuple[Application | None, list[UserError]]) -> OrganizationApplicationPayload:
        """From an :func:`attempt` result."""
        application, errors = result
        return cls(application=OrganizationApplicationType.from_domain(application) if application else None, errors=errors)


def _use_cases(info: Info[OrgsContext, None]) -> Applications:
    applications = info.context.applications
    if applications is None:
        raise Forbidden("applications are not served here")
    return applications


@strawberry.type(description="Applications to found organizations.")
class ApplicationQuery:
    @strawberry.field(description="Staff: applications of a community (default: every community you are staff of), newest first.")
    async def organization_applications(
        self, info: Info[OrgsContext, None], community_id: strawberry.ID | None = None, statuses: list[ApplicationStatus] | None = None
    ) -> list[OrganizationApplicationType]:
        principal = info.context.require_principal()
        applications = _use_cases(info)
        communities = [str(community_id)] if community_id else sorted(principal.communities)
        found = await applications.store.list(communities, statuses=[status.value for status in statuses or ()])
        return [OrganizationApplicationType.from_domain(a) for a in found if await applications.visible(principal, a)]

    @strawberry.field(description="The applications you submitted, newest first.")
    async def my_organization_applications(self, info: Info[OrgsContext, None]) -> list[OrganizationApplicationType]:
        principal = info.context.require_principal()
        found = await _use_cases(info).store.list(sorted(principal.communities), applicant=principal.subject)
        return [OrganizationApplicationType.from_domain(application) for application in found]


@strawberry.type(description="Apply for, approve, return, amend or withdraw applications to found organizations.")
class ApplicationMutation:
    @strawberry.mutation(description="申请成立: a resident applies to found a community social organization; staff then decide.")
    async def apply_for_organization(
        self, info: Info[OrgsContext, None], input: ApplyForOrganizationInput
    ) -> OrganizationApplicationPayload:
        principal = info.context.require_principal()
        return OrganizationApplicationPayload.of(
            await attempt(
                lambda: _use_cases(info).apply(principal, input.to_draft(str(input.community_id)), idempotency_key=input.idempotency_key)
            )
        )

    @strawberry.mutation(description="Staff: approve an application; the organization is registered (ACTIVE) with the applicant as leader.")
    async def approve_organization_application(
        self, info: Info[OrgsContext, None], input: ApproveOrganizationApplicationInput
    ) -> OrganizationApplicationPayload:
        principal = info.context.require_principal()
        return OrganizationApplicationPayload.of(await attempt(lambda: _use_cases(info).approve(principal, str(input.application_id))))

    @strawberry.mutation(description="Staff: return an application with a reason; the applicant may amend and resubmit it.")
    async def return_organization_application(
        self, info: Info[OrgsContext, None], input: ReturnOrganizationApplicationInput
    ) -> OrganizationApplicationPayload:
        principal = info.context.require_principal()
        return OrganizationApplicationPayload.of(
            await attempt(lambda: _use_cases(info).return_(principal, str(input.application_id), input.reason))
        )

    @strawberry.mutation(description="The applicant amends a returned application and submits it again.")
    async def resubmit_organization_application(
        self, info: Info[OrgsContext, None], input: ResubmitOrganizationApplicationInput
    ) -> OrganizationApplicationPayload:
        principal = info.context.require_principal()
        return OrganizationApplicationPayload.of(
            await attempt(lambda: _use_cases(info).resubmit(principal, str(input.application_id), input.to_draft("")))
        )

    @strawberry.mutation(description="The applicant withdraws an application (submitted or returned).")
    async def withdraw_organization_application(
        self, info: Info[OrgsContext, None], input: WithdrawOrganizationApplicationInput
    ) -> OrganizationApplicationPayload:
        principal = info.context.require_principal()
        return OrganizationApplicationPayload.of(await attempt(lambda: _use_cases(info).withdraw(principal, str(input.application_id))))
