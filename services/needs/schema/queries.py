"""Root queries of the needs subgraph."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.common.graphql.pagination import Connection
from services.needs.schema.context import NeedsContext
from services.needs.schema.enums import NeedSort
from services.needs.schema.inputs import NeedFilter, ServiceItemFilter
from services.needs.schema.lists import list_items, list_needs
from services.needs.schema.mine import OwnNeedsQuery
from services.needs.schema.types import NeedType, ServiceItemType

__all__ = ["Query"]


@strawberry.type(description="Read needs (需求) and service items (服务项目).")
class Query(OwnNeedsQuery):
    @strawberry.field(description="One need, if you may see it.")
    async def need(self, info: Info[NeedsContext, None], id: strawberry.ID) -> NeedType | None:
        need = await info.context.visible_need(str(id))
        return NeedType.from_domain(need) if need else None

    @strawberry.field(
        description="Needs by community, category, status, target group and title text; newest or most supported first. District roles list all their communities in one call."
    )
    async def needs(
        self,
        info: Info[NeedsContext, None],
        filter: NeedFilter | None = None,
        sort: NeedSort = NeedSort.NEWEST,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[NeedType]:
        return await list_needs(info, filter, sort, first, after)

    @strawberry.field(description="One service item, if you may see it (drafts: staff only).")
    async def service_item(self, info: Info[NeedsContext, None], id: strawberry.ID) -> ServiceItemType | None:
        item = await info.context.visible_item(str(id))
        return ServiceItemType.from_domain(item) if item else None

    @strawberry.field(description="Service items by community, category, status, kind and title text; newest first.")
    async def service_items(
        self, info: Info[NeedsContext, None], filter: ServiceItemFilter | None = None, first: int = 20, after: str | None = None
    ) -> Connection[ServiceItemType]:
        return await list_items(info, filter, first, after)
