"""List resolvers shared by the root queries and the Community fields."""

from __future__ import annotations

from strawberry.types import Info

from services.common.domain import DomainError
from services.common.graphql.errors import public_error
from services.common.graphql.pagination import Connection, connection
from services.needs.domain import access
from services.needs.list_counts import count_needs
from services.needs.schema.context import NeedsContext
from services.needs.schema.enums import NeedSort
from services.needs.schema.inputs import NeedFilter, ServiceItemFilter
from services.needs.schema.types import NeedType, ServiceItemType
from services.needs.store import ItemQuery, NeedQuery

__all__ = ["list_items", "list_needs", "needs_page"]


async def list_needs(
    info: Info[NeedsContext, None], filter: NeedFilter | None, sort: NeedSort, first: int, after: str | None
) -> Connection[NeedType]:
    """A page of needs across the communities asked for (each checked) or all readable ones."""
    context = info.context
    principal = context.require_principal()
    requested = [str(cid) for cid in filter.community_ids] if filter and filter.community_ids else None
    query = NeedQuery(
        community_ids=await context.places.scope(
            principal, requested, lambda cid, district: access.can_see_needs(principal, cid, district)
        ),
        categories=filter.categories or () if filter else (),
        statuses=filter.statuses or () if filter else (),
        target_groups=filter.target_groups or () if filter else (),
        text=filter.text if filter else None,
        most_supported=sort is NeedSort.MOST_SUPPORTED,
    )
    return await needs_page(context, query, first, after)


async def needs_page(context: NeedsContext, query: NeedQuery, first: int, after: str | None) -> Connection[NeedType]:
    """One page of the needs a query matches, each primed in the request's loader (a later lookup costs nothing)."""
    try:
        needs, page = await context.store.list_needs(query, first=first, after=after)
    except DomainError as error:
        raise public_error(error) from error
    for need in needs:
        context.need_loader.prime(need.id, need)
    return connection([NeedType.from_domain(need) for need in needs], page, after=after, count=lambda: count_needs(context.store, query))


async def list_items(
    info: Info[NeedsContext, None], filter: ServiceItemFilter | None, first: int, after: str | None
) -> Connection[ServiceItemType]:
    """A page of service items; drafts only where the caller is staff."""
    context = info.context
    principal = context.require_principal()
    requested = [str(cid) for cid in filter.community_ids] if filter and filter.community_ids else None
    readable = await context.places.scope(principal, requested, principal.belongs_to)
    districts = await context.places.districts_of(readable)
    not_staff = [cid for cid, district in zip(readable, districts, strict=True) if not access.is_staff(principal, cid, district)]
    query = ItemQuery(
        community_ids=readable,
        categories=filter.categories or () if filter else (),
        statuses=filter.statuses or () if filter else (),
        kinds=filter.kinds or () if filter else (),
        text=filter.text if filter else None,
        hide_drafts_in=not_staff,
    )
    try:
        items, page = await context.store.list_items(query, first=first, after=after)
    except DomainError as error:
        raise public_error(error) from error
    for item in items:
        context.item_loader.prime(item.id, item)
    return connection(
        [ServiceItemType.from_domain(item) for item in items], page, after=after, count=lambda: context.store.count_items(query)
    )
