"""GraphQL of personal data requests (个人信息保护法): a resident asks for a copy of her data, or for its erasure.

The copy is the ``PersonalData`` entity (keyed by her account): this subgraph answers her
memberships of organizations, and every other service holding personal data adds its own
fields to the same entity, so the gateway composes one export from every service. Each field
answers only the caller's own account.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from services.common.domain import Forbidden
from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.common.privacy import own_only
from services.orgs.domain.privacy import PersonalDataRequest, RequestKind
from services.orgs.privacy import PrivacyRequests
from services.orgs.schema.applications import OrganizationApplicationType
from services.orgs.schema.context import OrgsContext
from services.orgs.schema.places import DistrictType

__all__ = ["PersonalApplication", "PersonalDataType", "PrivacyMutation"]


@strawberry.type(name="PersonalDataRequest", description="A resident's request about her personal data (a copy, or its erasure).")
class RequestType:
    id: strawberry.ID = strawberry.field(description="The request's id (its audit trail's record id).")
    community_id: strawberry.ID = strawberry.field(description="The community it was made in (its audit trail records it).")
    requested_at: datetime = strawberry.field(description="When it was made.")

    @classmethod
    def from_domain(cls, request: PersonalDataRequest) -> RequestType:
        """The GraphQL view of a request."""
        return cls(id=strawberry.ID(request.id), community_id=strawberry.ID(request.community_id), requested_at=request.requested_at)


@strawberry.type(description="You as a member of an organization, as its register keeps you.")
class PersonalMembership:
    organization_id: strawberry.ID = strawberry.field(description="The organization.")
    organization_name: str = strawberry.field(description="Its name.")
    name: str = strawberry.field(description="Your name in its member list.")
    phone: str = strawberry.field(description="Your phone in its member list (empty if none).")


@strawberry.type(description="You in an application to found an organization: as its applicant, or named among its founders.")
class PersonalApplication:
    application: OrganizationApplicationType = strawberry.field(description="The application, as its applicant sees it.")
    applicant: bool = strawberry.field(description="Whether you made it.")
    entries: list[PersonalMembership] = strawberry.field(description="The founders' entries linked to your account (name and phone).")


@strawberry.federation.type(
    name="PersonalData", keys=["person"], description="What the platform holds about one person, composed from every service."
)
class PersonalDataType:
    person: strawberry.ID = strawberry.field(description="The person's account (token subject).")

    @strawberry.field(description="Organizations whose member list names you (linked to your account).")
    async def memberships(self, info: Info[OrgsContext, None]) -> list[PersonalMembership]:
        own_only(info.context.require_principal().subject, str(self.person))
        handlers = info.context.use_cases
        organizations = await handlers.store.organizations_by_ids(await handlers.store.organization_ids_with_account(str(self.person)))
        return [
            PersonalMembership(
                organization_id=strawberry.ID(organization.id),
                organization_name=organization.profile.name,
                name=member.name,
                phone=member.phone,
            )
            for organization in organizations.values()
            for member in organization.members
            if member.account == self.person
        ]

    @strawberry.field(description="Applications to found an organization you made, or that name you among its founders.")
    async def organization_applications(self, info: Info[OrgsContext, None]) -> list[PersonalApplication]:
        person = str(self.person)
        own_only(info.context.require_principal().subject, person)
        assert info.context.applications is not None
        return [
            PersonalApplication(
                application=OrganizationApplicationType.from_domain(application),
                applicant=application.applicant == person,
                entries=[
                    PersonalMembership(
                        organization_id=strawberry.ID(application.organization_id or application.id),
                        organization_name=application.draft.profile.name,
                        name=entry.name,
                        phone=entry.phone,
                    )
                    for entry in (application.draft.leader, *application.draft.members)
                    if entry.account == person
                ],
            )
            for application in await info.context.applications.store.of_person(person)
        ]

    @classmethod
    def resolve_reference(cls, person: strawberry.ID) -> PersonalDataType:
        """Any person resolves; every field answers only that person herself."""
        return cls(person=person)


@strawberry.input(description="Ask that your personal data be erased (anonymised) in every service.")
class RequestPersonalDataErasureInput:
    community_id: strawberry.ID = strawberry.field(description="Your community (one your account belongs to; its audit trail records it).")
    idempotency_key: str | None = strawberry.field(default=None, description="Retry with the same key and the request is not doubled.")


@strawberry.input(description="Ask for a copy of what the platform holds about you.")
class ExportMyPersonalDataInput:
    community_id: strawberry.ID = strawberry.field(description="Your community (one your account belongs to; its audit trail records it).")
    idempotency_key: str | None = strawberry.field(default=None, description="Retry with the same key and the request is not doubled.")


PersonalDataRequestInput = RequestPersonalDataErasureInput | ExportMyPersonalDataInput


@strawberry.input(description="How long residents' personal data is kept in your district (个人信息保存期限).")
class SetRetentionPeriodInput:
    district_id: strawberry.ID = strawberry.field(description="Your district.")
    days: int = strawberry.field(description="Days after a record is made that its personal data is anonymised; 0 keeps it until erased.")


@strawberry.type(description="Result of setRetentionPeriod.")
class SetRetentionPeriodPayload:
    district: DistrictType | None = strawberry.field(description="The district with its retention period; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Result of requestPersonalDataErasure.")
class RequestPersonalDataErasurePayload:
    request: RequestType | None = strawberry.field(description="The request; null if it was refused.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type(description="Result of exportMyPersonalData.")
class ExportMyPersonalDataPayload:
    request: RequestType | None = strawberry.field(description="The request (audited); null if it was refused.")
    data: PersonalDataType | None = strawberry.field(description="What the platform holds about you, from every service; null if refused.")
    errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


def _use_cases(info: Info[OrgsContext, None]) -> PrivacyRequests:
    privacy = info.context.privacy
    if privacy is None:
        raise Forbidden("personal data requests are not served here")
    return privacy


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description="District administrators: how long residents' personal data is kept; every service anonymises what is older."
    )
    async def set_retention_period(self, info: Info[OrgsContext, None], input: SetRetentionPeriodInput) -> SetRetentionPeriodPayload:
        principal = info.context.require_principal()
        district, errors = await attempt(lambda: info.context.use_cases.set_retention_period(principal, str(input.district_id), input.days))
        return SetRetentionPeriodPayload(district=DistrictType.from_domain(district) if district else None, errors=errors)

    @strawberry.mutation(
        description=(
            "个人信息删除: erase your personal data everywhere — your name and phone in organizations and the volunteer register,"
            " your contacts, your needs' addresses and your account on them; the records and every figure stay. Audited."
        )
    )
    async def request_personal_data_erasure(
        self, info: Info[OrgsContext, None], input: RequestPersonalDataErasureInput
    ) -> RequestPersonalDataErasurePayload:
        request, errors = await _request(info, RequestKind.ERASURE, input)
        return RequestPersonalDataErasurePayload(request=RequestType.from_domain(request) if request else None, errors=errors)

    @strawberry.mutation(
        description="个人信息查阅: a copy of what the platform holds about you, from every service (the request is audited)."
    )
    async def export_my_personal_data(self, info: Info[OrgsContext, None], input: ExportMyPersonalDataInput) -> ExportMyPersonalDataPayload:
        request, errors = await _request(info, RequestKind.EXPORT, input)
        if request is None:
            return ExportMyPersonalDataPayload(request=None, data=None, errors=errors)
        data = PersonalDataType(person=strawberry.ID(request.person))
        return ExportMyPersonalDataPayload(request=RequestType.from_domain(request), data=data, errors=errors)


async def _request(
    info: Info[OrgsContext, None], kind: RequestKind, input: PersonalDataRequestInput
) -> tuple[PersonalDataRequest | None, list[UserError]]:
    principal = info.context.require_principal()
    return await attempt(lambda: _use_cases(info).request(principal, kind, str(input.community_id), idempotency_key=input.idempotency_key))
