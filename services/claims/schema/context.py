"""The claims service's per-request context: the caller, the handlers, and DataLoaders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from services.claims.domain import Claim, IntentionMeeting, ItemBoard, access
from services.claims.handlers import ClaimsHandlers
from services.claims.store import ClaimsStore
from services.common.graphql.context import RequestContext
from services.common.graphql.places import PlaceLoaders
from services.common.grouping import grouped
from services.common.identity import Principal
from services.common.tracing import traced_batch

__all__ = ["ClaimsContext"]


@dataclass
class ClaimsContext(RequestContext):
    """Everything a resolver needs, made fresh for each request."""

    handlers: ClaimsHandlers | None = None
    claims: DataLoader[str, Claim | None] = field(init=False)
    meetings: DataLoader[str, IntentionMeeting | None] = field(init=False)
    boards: DataLoader[str, ItemBoard | None] = field(init=False)
    claims_of_item: DataLoader[str, list[Claim]] = field(init=False)
    claims_of_community: DataLoader[str, list[Claim]] = field(init=False)
    places: PlaceLoaders = field(init=False)

    def __post_init__(self) -> None:
        store = self.store

        async def claims(ids: Sequence[str]) -> list[Claim | None]:
            found = await store.claims_by_ids(ids)
            return [found.get(key) for key in ids]

        async def meetings(ids: Sequence[str]) -> list[IntentionMeeting | None]:
            found = await store.meetings_by_ids(ids)
            return [found.get(key) for key in ids]

        async def boards(ids: Sequence[str]) -> list[ItemBoard | None]:
            found = await store.boards_by_ids(ids)
            return [found.get(key) for key in ids]

        async def claims_of_item(ids: Sequence[str]) -> list[list[Claim]]:
            return grouped(await store.claims_of_items(ids), ids, lambda claim: claim.item_id)

        self.claims = DataLoader(load_fn=traced_batch("claims", claims))
        self.meetings = DataLoader(load_fn=traced_batch("meetings", meetings))
        self.boards = DataLoader(load_fn=traced_batch("boards", boards))
        self.claims_of_item = DataLoader(load_fn=traced_batch("claims of item", claims_of_item))
        self.places = PlaceLoaders(store.places)

    @property
    def store(self) -> ClaimsStore:
        """The service's store."""
        assert self.handlers is not None
        return self.handlers.store

    @property
    def use_cases(self) -> ClaimsHandlers:
        """The service's handlers."""
        assert self.handlers is not None
        return self.handlers

    async def belongs_to(self, principal: Principal, community_id: str) -> bool:
        """Member of the community, or administrator of its district."""
        return principal.belongs_to(community_id, await self.places.district_of(community_id))

    async def is_staff(self, principal: Principal, community_id: str) -> bool:
        """Staff of the community, or administrator of its district."""
        return access.is_staff(principal, community_id, await self.places.district_of(community_id))

    async def visible_claim(self, claim_id: str) -> Claim | None:
        """The claim if it exists and the caller may see it."""
        claim = await self.claims.load(claim_id)
        if claim is None:
            return None
        principal = self.require_principal()
        return claim if access.can_see_claim(principal, claim, await self.places.district_of(claim.community_id)) else None

    async def visible_meeting(self, meeting_id: str) -> IntentionMeeting | None:
        """The meeting if it exists and the caller belongs to its community."""
        meeting = await self.meetings.load(meeting_id)
        if meeting is None or not await self.belongs_to(self.require_principal(), meeting.community_id):
            return None
        return meeting
