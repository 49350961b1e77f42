"""The organizations list shared by the root query and Community.organizations."""

from __future__ import annotations

import asyncio

from strawberry.types import Info

from services.common.domain import DomainError
from services.common.graphql.errors import PublicError, public_error
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
    if requested is None:
        own = set(principal.communities)
        if principal.districts:
            own |= {community.id for community in await context.store.communities_of(district_ids=sorted(principal.districts))}
        candidates = sorted(own)
    else:
        candidates = list(dict.fromkeys(requested))
    allowed = await asyncio.gather(*(context.belongs_to(principal, cid) for cid in candidates))
    if requested and not all(allowed):
        raise PublicError("you may not read the organizations of some of these communities", "FORBIDDEN", "filter.communityIds")
    query = OrganizationQuery(
        community_ids=[cid for cid, ok in zip(candidates, allowed, strict=True) if ok],
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
