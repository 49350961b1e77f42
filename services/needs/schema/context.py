"""The needs service's per-request context: the caller, the handlers, and DataLoaders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from services.common.graphql.context import RequestContext
from services.common.graphql.places import PlaceLoaders
from services.common.identity import Principal
from services.common.tracing import traced_batch
from services.needs.domain import Need, ServiceItem, access
from services.needs.handlers import NeedsHandlers
from services.needs.store import NeedsStore, Period

__all__ = ["NeedsContext"]

Counts = dict[str, dict[str, int]]


@dataclass
class NeedsContext(RequestContext):
    """Everything a resolver needs, made fresh for each request (loaders never leak across)."""

    handlers: NeedsHandlers | None = None
    need_loader: DataLoader[str, Need | None] = field(init=False)
    item_loader: DataLoader[str, ServiceItem | None] = field(init=False)
    places: PlaceLoaders = field(init=False)
    need_counts_loader: DataLoader[tuple[str, Period], Counts] = field(init=False)
    budgets_loader: DataLoader[tuple[str, Period], dict[str, int]] = field(init=False)

    def __post_init__(self) -> None:
        store = self.store

        async def needs(ids: Sequence[str]) -> list[Need | None]:
            found = await store.needs_by_ids(ids)
            return [found.get(need_id) for need_id in ids]

        async def items(ids: Sequence[str]) -> list[ServiceItem | None]:
            found = await store.items_by_ids(ids)
            return [found.get(item_id) for item_id in ids]

        async def counts(keys: Sequence[tuple[str, Period]]) -> list[Counts]:
            found = {}
            for period in dict.fromkeys(period for _, period in keys):
                ids = [community_id for community_id, asked in keys if asked == period]
                found.update({(cid, period): value for cid, value in (await store.need_counts(ids, period)).items()})
            return [found[key] for key in keys]

        async def budgets(keys: Sequence[tuple[str, Period]]) -> list[dict[str, int]]:
            found = {}
            for period in dict.fromkeys(period for _, period in keys):
                ids = [community_id for community_id, asked in keys if asked == period]
                found.update({(cid, period): value for cid, value in (await store.planned_budgets(ids, period)).items()})
            return [found[key] for key in keys]

        self.places = PlaceLoaders(store.places)
        self.need_loader = DataLoader(load_fn=traced_batch("needs", needs))
        self.item_loader = DataLoader(load_fn=traced_batch("items", items))
        self.need_counts_loader = DataLoader(load_fn=traced_batch("counts", counts))
        self.budgets_loader = DataLoader(load_fn=traced_batch("budgets", budgets))

    @property
    def store(self) -> NeedsStore:
        """The service's store."""
        assert self.handlers is not None
        return self.handlers.store

    @property
    def use_cases(self) -> NeedsHandlers:
        """The service's handlers."""
        assert self.handlers is not None
        return self.handlers

    async def district_of(self, community_id: str) -> str | None:
        """The community's district (read model), batched per request."""
        return await self.places.district_of(community_id)

    async def can_see_needs(self, principal: Principal, community_id: str) -> bool:
        """May the caller read this community's needs?"""
        return access.can_see_needs(principal, community_id, await self.district_of(community_id))

    async def visible_need(self, need_id: str) -> Need | None:
        """The need if it exists and the caller may see it."""
        need = await self.need_loader.load(need_id)
        if need is None or not await self.can_see_needs(self.require_principal(), need.community_id):
            return None
        return need

    async def visible_item(self, item_id: str) -> ServiceItem | None:
        """The item if it exists and the caller may see it (drafts: staff only)."""
        item = await self.item_loader.load(item_id)
        if item is None:
            return None
        district = await self.district_of(item.community_id)
        return item if access.can_see_item(self.require_principal(), item.community_id, district, item.status) else None

    async def belongs_to(self, principal: Principal, community_id: str) -> bool:
        """Member of the community, or administrator of its district."""
        return principal.belongs_to(community_id, await self.district_of(community_id))
