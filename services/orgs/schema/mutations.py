"""Mutations of the orgs subgraph: one per change, each with an input and a typed payload."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.graphql.errors import UserError
from services.common.graphql.mutations import attempt
from services.common.graphql.scalars import fen_value
from services.orgs.schema.applications import ApplicationMutation
from services.orgs.schema.context import OrgsContext
from services.orgs.schema.inputs import (
    AddOrganizationMemberInput,
    ChangeOrganizationLeaderInput,
    ChangeOrganizationStageInput,
    ChangeOrganizationStatusInput,
    RecordOrganizationSupportInput,
    RegisterCommunityInput,
    RegisterDistrictInput,
    RegisterOrganizationInput,
    RegisterStreetInput,
    RemoveOrganizationMemberInput,
    SetOrganizationManagementGroupInput,
    UpdateOrganizationProfileInput,
)
from services.orgs.schema.payloads import OrganizationPayload
from services.orgs.schema.places import CommunityType, DistrictType, StreetType
from services.orgs.schema.privacy import PrivacyMutation
from services.orgs.schema.service_links import ServiceLinkMutations
from services.orgs.schema.statistics import StatisticsMutation

__all__ = ["Mutation"]


@strawberry.type(description="Result of registerDistrict.")
class RegisterDistrictPayload:
    district: DistrictType | None = strawberry.field(description="The new district; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Result of registerStreet.")
class RegisterStreetPayload:
    street: StreetType | None = strawberry.field(description="The new street; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Result of registerCommunity.")
class RegisterCommunityPayload:
    community: CommunityType | None = strawberry.field(description="The new community; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.type(description="Result of registerOrganization.")
class RegisterOrganizationPayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of updateOrganizationProfile.")
class UpdateOrganizationProfilePayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of addOrganizationMember.")
class AddOrganizationMemberPayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of removeOrganizationMember.")
class RemoveOrganizationMemberPayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of changeOrganizationLeader.")
class ChangeOrganizationLeaderPayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of setOrganizationManagementGroup.")
class SetOrganizationManagementGroupPayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of changeOrganizationStage.")
class ChangeOrganizationStagePayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of changeOrganizationStatus.")
class ChangeOrganizationStatusPayload(OrganizationPayload):
    pass


@strawberry.type(description="Result of recordOrganizationSupport.")
class RecordOrganizationSupportPayload(OrganizationPayload):
    pass


@strawberry.type(
    description="Register places and organizations and look after them; every change is checked against your role and community."
)
class Mutation(ServiceLinkMutations, ApplicationMutation, PrivacyMutation, StatisticsMutation):
    @strawberry.mutation(description="District administrators: register the district named in your token.")
    async def register_district(self, info: Info[OrgsContext, None], input: RegisterDistrictInput) -> RegisterDistrictPayload:
        principal = info.context.require_principal()
        district, errors = await attempt(lambda: info.context.use_cases.register_district(principal, str(input.id), input.name))
        return RegisterDistrictPayload(district=DistrictType.from_domain(district) if district else None, errors=errors)

    @strawberry.mutation(description="District administrators: register a street (街道).")
    async def register_street(self, info: Info[OrgsContext, None], input: RegisterStreetInput) -> RegisterStreetPayload:
        principal = info.context.require_principal()
        street_id = str(input.id) if input.id else None
        street, errors = await attempt(
            lambda: info.context.use_cases.register_street(principal, street_id, str(input.district_id), input.name)
        )
        return RegisterStreetPayload(street=StreetType.from_domain(street) if street else None, errors=errors)

    @strawberry.mutation(description="District administrators: register a community (社区); every service learns where it sits.")
    async def register_community(self, info: Info[OrgsContext, None], input: RegisterCommunityInput) -> RegisterCommunityPayload:
        principal = info.context.require_principal()
        community_id = str(input.id) if input.id else None
        community, errors = await attempt(
            lambda: info.context.use_cases.register_community(principal, community_id, str(input.street_id), input.name, input.address)
        )
        return RegisterCommunityPayload(community=CommunityType.from_domain(community) if community else None, errors=errors)

    @strawberry.mutation(description="Staff: register an organization with its leader, members and (optionally) management group.")
    async def register_organization(self, info: Info[OrgsContext, None], input: RegisterOrganizationInput) -> RegisterOrganizationPayload:
        return await RegisterOrganizationPayload.run(
            info,
            lambda handlers, principal: handlers.register_organization(principal, input.to_draft(), idempotency_key=input.idempotency_key),
        )

    @strawberry.mutation(description="Staff or the organization's leader: change its profile.")
    async def update_organization_profile(
        self, info: Info[OrgsContext, None], input: UpdateOrganizationProfileInput
    ) -> UpdateOrganizationProfilePayload:
        return await UpdateOrganizationProfilePayload.run(
            info, lambda handlers, principal: handlers.update_profile(principal, str(input.organization_id), input.to_profile())
        )

    @strawberry.mutation(description="Staff or the organization's leader: add a member.")
    async def add_organization_member(
        self, info: Info[OrgsContext, None], input: AddOrganizationMemberInput
    ) -> AddOrganizationMemberPayload:
        return await AddOrganizationMemberPayload.run(
            info, lambda handlers, principal: handlers.add_member(principal, str(input.organization_id), input.member.to_draft())
        )

    @strawberry.mutation(description="Staff or the organization's leader: a member leaves.")
    async def remove_organization_member(
        self, info: Info[OrgsContext, None], input: RemoveOrganizationMemberInput
    ) -> RemoveOrganizationMemberPayload:
        return await RemoveOrganizationMemberPayload.run(
            info, lambda handlers, principal: handlers.remove_member(principal, str(input.organization_id), str(input.member_id))
        )

    @strawberry.mutation(description="Staff or the organization's leader: leadership succession.")
    async def change_organization_leader(
        self, info: Info[OrgsContext, None], input: ChangeOrganizationLeaderInput
    ) -> ChangeOrganizationLeaderPayload:
        return await ChangeOrganizationLeaderPayload.run(
            info,
            lambda handlers, principal: handlers.change_leader(
                principal, str(input.organization_id), str(input.member_id), on=input.on, reason=input.reason
            ),
        )

    @strawberry.mutation(description="Staff or the organization's leader: set the three-person management group (三人管理小组).")
    async def set_organization_management_group(
        self, info: Info[OrgsContext, None], input: SetOrganizationManagementGroupInput
    ) -> SetOrganizationManagementGroupPayload:
        return await SetOrganizationManagementGroupPayload.run(
            info,
            lambda handlers, principal: handlers.set_management_group(
                principal, str(input.organization_id), [str(m) for m in input.member_ids]
            ),
        )

    @strawberry.mutation(description="Staff: move one stage forward; district administrators may correct to any stage.")
    async def change_organization_stage(
        self, info: Info[OrgsContext, None], input: ChangeOrganizationStageInput
    ) -> ChangeOrganizationStagePayload:
        return await ChangeOrganizationStagePayload.run(
            info, lambda handlers, principal: handlers.change_stage(principal, str(input.organization_id), input.stage, input.reason)
        )

    @strawberry.mutation(description="Staff: activate, suspend or dissolve, effective on a day.")
    async def change_organization_status(
        self, info: Info[OrgsContext, None], input: ChangeOrganizationStatusInput
    ) -> ChangeOrganizationStatusPayload:
        return await ChangeOrganizationStatusPayload.run(
            info,
            lambda handlers, principal: handlers.change_status(
                principal, str(input.organization_id), input.action.value, effective_on=input.effective_on, reason=input.reason
            ),
        )

    @strawberry.mutation(
        description="Staff: record support given (funds, venue, training, publicity, outside teacher, study visit, platform)."
    )
    async def record_organization_support(
        self, info: Info[OrgsContext, None], input: RecordOrganizationSupportInput
    ) -> RecordOrganizationSupportPayload:
        return await RecordOrganizationSupportPayload.run(
            info,
            lambda handlers, principal: handlers.record_support(
                principal,
                str(input.organization_id),
                kind=input.kind,
                on=input.on,
                amount_fen=None if input.amount_fen is None else fen_value(input.amount_fen, field="amountFen"),
                provider=input.provider,
                note=input.note,
            ),
        )
