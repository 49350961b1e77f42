"""The organizations list shared by the root query and Community.organizations."""

from __future__ import annotations

from strawberry.types import Info

from services.common.domain import DomainError
from services.common.graphql.context import communities_in_scope
from services.common.graphql.errors import public_error
from services.common.graphql.pagination import Connection, connection
from services.orgs.schema.context import OrgsContext
from services.orgs.schema.inputs import OrganizationFilter
from services.orgs.schema.organization import OrganizationType
from services.orgs.store import OrganizationQuery

__all__ = ["list_organizations"]


async def list_organizations(
    info: Info[OrgsContext, None], filter: OrganizationFilter | None, first: int, after: str | None
) -> Connection[OrganizationType]:
    """A page of organizations of the communities asked for (each checked) or all of the caller's."""
    context = info.context
    principal = context.require_principal()
    requested = [str(cid) for cid in filter.community_ids] if filter and filter.community_ids else None

    async def of_districts(district_ids: list[str]) -> list[str]:
        return [community.id for community in await context.store.communities_of(district_ids=district_ids)]

    async def districts_of(community_ids: list[str]) -> list[str | None]:
        return [community.district_id if community else None for community in await context.communities.load_many(community_ids)]

    query = OrganizationQuery(
        community_ids=await communities_in_scope(principal, requested, of_districts, districts_of, principal.belongs_to),
        kinds=filter.kinds or () if filter else (),
        purposes=filter.purposes or () if filter else (),
        statuses=filter.statuses or () if filter else (),
        stages=filter.stages or () if filter else (),
        fields=filter.fields or () if filter else (),
        text=filter.text if filter else None,
    )
    try:
        organizations, page = await context.store.list_organizations(query, first=first, after=after)
    except DomainError as error:
        raise public_error(error) from error
    for organization in organizations:
        context.organizations.prime(organization.id, organization)
    nodes = [OrganizationType.from_domain(organization) for organization in organizations]
    return connection(nodes, page, after=after, count=lambda: context.store.count_organizations(query))
