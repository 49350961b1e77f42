"""List resolvers shared by the root queries and the federated types."""

from __future__ import annotations

from strawberry.types import Info

from services.claims.domain import access
from services.claims.schema.claim import ClaimType
from services.claims.schema.context import ClaimsContext
from services.claims.schema.inputs import ClaimFilter
from services.claims.schema.meeting import IntentionMeetingType
from services.claims.store import ClaimQuery, MeetingQuery
from services.common.domain import DomainError
from services.common.graphql.errors import public_error
from services.common.graphql.pagination import Connection, connection

__all__ = ["claim_query", "list_claims", "list_meetings"]


async def claim_query(info: Info[ClaimsContext, None], filter: ClaimFilter | None) -> ClaimQuery:
    """Claims of the communities asked for (each checked) or all of the caller's; an organization's leader sees all its own."""
    context = info.context
    principal = context.require_principal()
    organization_ids = [str(oid) for oid in filter.organization_ids] if filter and filter.organization_ids else []
    own_only = bool(organization_ids) and principal.has_role(*access.ORGANIZATION_ROLES) and organization_ids == [principal.organization]
    requested = [str(cid) for cid in filter.community_ids] if filter and filter.community_ids else None
    communities = None if own_only and requested is None else await context.places.scope(principal, requested, principal.belongs_to)
    return ClaimQuery(
        community_ids=communities,
        item_ids=[str(iid) for iid in filter.item_ids] if filter and filter.item_ids else [],
        organization_ids=organization_ids,
        statuses=filter.statuses or [] if filter else [],
    )


async def list_claims(info: Info[ClaimsContext, None], filter: ClaimFilter | None, first: int, after: str | None) -> Connection[ClaimType]:
    """A page of the claims :func:`claim_query` selects, newest first."""
    context = info.context
    query = await claim_query(info, filter)
    try:
        claims, page = await context.store.list_claims(query, first=first, after=after)
    except DomainError as error:
        raise public_error(error) from error
    for claim in claims:
        context.claims.prime(claim.id, claim)
    return connection(
        [ClaimType.from_domain(claim) for claim in claims], page, after=after, count=lambda: context.store.count_claims(query)
    )


async def list_meetings(
    info: Info[ClaimsContext, None], community_ids: list[str] | None, first: int, after: str | None
) -> Connection[IntentionMeetingType]:
    """Intention meetings of the communities asked for or all of the caller's, latest first."""
    context = info.context
    principal = context.require_principal()
    query = MeetingQuery(await context.places.scope(principal, community_ids, principal.belongs_to))
    try:
        meetings, page = await context.store.list_meetings(query, first=first, after=after)
    except DomainError as error:
        raise public_error(error) from error
    nodes = [IntentionMeetingType.from_domain(meeting) for meeting in meetings]
    return connection(nodes, page, after=after, count=lambda: context.store.count_meetings(query))
