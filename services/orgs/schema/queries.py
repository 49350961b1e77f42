"""Root queries of the orgs subgraph."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.domain import DomainError
from services.common.graphql.errors import public_error
from services.common.graphql.pagination import Connection, connection
from services.orgs.schema.applications import ApplicationQuery
from services.orgs.schema.context import OrgsContext
from services.orgs.schema.inputs import OrganizationFilter
from services.orgs.schema.lists import list_organizations
from services.orgs.schema.organization import OrganizationType
from services.orgs.schema.places import CommunityType, DistrictType, StreetType

__all__ = ["Query"]


@strawberry.type(description="Read districts, streets, communities (区 → 街道 → 社区) and organizations.")
class Query(ApplicationQuery):
    @strawberry.field(description="Districts by name.")
    async def districts(self, info: Info[OrgsContext, None], first: int = 20, after: str | None = None) -> Connection[DistrictType]:
        context = info.context
        context.require_principal()
        try:
            districts, page = await context.store.list_districts(first=first, after=after)
        except DomainError as error:
            raise public_error(error) from error
        return connection(
            [DistrictType.from_domain(d) for d in districts], page, after=after, count=lambda: context.store.districts.count_documents({})
        )

    @strawberry.field(description="One district.")
    async def district(self, info: Info[OrgsContext, None], id: strawberry.ID) -> DistrictType | None:
        info.context.require_principal()
        district = await info.context.districts.load(str(id))
        return DistrictType.from_domain(district) if district else None

    @strawberry.field(description="One street.")
    async def street(self, info: Info[OrgsContext, None], id: strawberry.ID) -> StreetType | None:
        info.context.require_principal()
        street = await info.context.streets.load(str(id))
        return StreetType.from_domain(street) if street else None

    @strawberry.field(description="One community.")
    async def community(self, info: Info[OrgsContext, None], id: strawberry.ID) -> CommunityType | None:
        info.context.require_principal()
        community = await info.context.communities.load(str(id))
        return CommunityType.from_domain(community) if community else None

    @strawberry.field(description="One organization, if you may see it.")
    async def organization(self, info: Info[OrgsContext, None], id: strawberry.ID) -> OrganizationType | None:
        organization = await info.context.visible_organization(str(id))
        return OrganizationType.from_domain(organization) if organization else None

    @strawberry.field(
        description="Organizations by community, kind, purpose, status, stage, field and name; district roles list all their communities in one call."
    )
    async def organizations(
        self, info: Info[OrgsContext, None], filter: OrganizationFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[OrganizationType]:
        return await list_organizations(info, filter, first, after)
