"""What every claims use case shares: the store, the clock, the outbox nudge, access-checked loading."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from services.claims.domain import Claim, IntentionMeeting, OrganizationCard, access
from services.claims.store import ClaimsStore
from services.common.domain import NotFound
from services.common.events import Event
from services.common.handling import change_aggregate
from services.common.identity import Principal

__all__ = ["ClaimDecision", "HandlerBase", "MeetingDecision", "short_id"]

ClaimDecision = Callable[[Claim], tuple[Claim, list[Event]]]
MeetingDecision = Callable[[IntentionMeeting], tuple[IntentionMeeting, list[Event]]]
Check = Callable[[Claim, str | None, OrganizationCard | None], None]


def short_id() -> str:
    """An id for a record inside an aggregate."""
    return uuid.uuid4().hex[:12]


class HandlerBase:
    """Shared plumbing of the claims handlers."""

    def __init__(
        self, store: ClaimsStore, *, clock: Callable[[], datetime], notify: Callable[[], None], receipts_required: bool = False
    ) -> None:
        self.store = store
        self._clock = clock
        self._notify = notify
        self.receipts_required = receipts_required

    async def visible_claim(self, principal: Principal, claim_id: str) -> Claim:
        """The claim, or NotFound if it does not exist or the caller may not see it."""
        loaded = await self.store.claim(claim_id)
        if loaded is None or not access.can_see_claim(principal, loaded[0], await self.store.places.district_of(loaded[0].community_id)):
            raise NotFound("no such claim", field="claimId")
        return loaded[0]

    async def change_claim(
        self, principal: Principal | None, claim_id: str, decide: ClaimDecision, *, check: Check | None = None, event_id: str | None = None
    ) -> Claim:
        """Load (checking visibility and ``check``), decide, save conditionally; retried on conflicts."""

        async def load() -> tuple[Claim, frozenset[str]] | None:
            loaded = await self.store.claim(claim_id)
            if loaded is None:
                return None
            district = await self.store.places.district_of(loaded[0].community_id)
            if principal is not None:
                if not access.can_see_claim(principal, loaded[0], district):
                    return None
                if check is not None:
                    organization_id = loaded[0].claimant.organization_id
                    card = await self.store.card(organization_id) if organization_id else None
                    check(loaded[0], district, card)
            return loaded

        async def save(claim: Claim, events: Sequence[Event], handled_event: str | None) -> None:
            await self.store.save_claim(claim, events, handled_event=handled_event)

        claim, events = await change_aggregate(load=load, decide=decide, save=save, handled_event=event_id, what="claim")
        self.notify_if(events)
        return claim

    async def change_meeting(self, principal: Principal, meeting_id: str, decide: MeetingDecision) -> IntentionMeeting:
        """Load a meeting of a community the caller is staff of, decide, save conditionally."""

        async def load() -> tuple[IntentionMeeting, frozenset[str]] | None:
            loaded = await self.store.meeting(meeting_id)
            if loaded is None:
                return None
            district = await self.store.places.district_of(loaded[0].community_id)
            if not principal.belongs_to(loaded[0].community_id, district):
                return None
            access.require_staff(principal, loaded[0].community_id, district, field="meetingId")
            return loaded

        meeting, events = await change_aggregate(load=load, decide=decide, save=self._save_meeting, what="intention meeting")
        self.notify_if(events)
        return meeting

    def staff_only(self, principal: Principal) -> Check:
        """A check: the caller is staff of the claim's community."""
        return lambda claim, district, card: access.require_staff(principal, claim.community_id, district, field="claimId")

    def claimant_or_staff(self, principal: Principal) -> Check:
        """A check: the claimant (or staff acting for it)."""
        return lambda claim, district, card: access.require_claimant(principal, claim, district, card)

    def notify_if(self, events: Sequence[Event]) -> None:
        """Nudge the outbox relay when events were stored."""
        if events:
            self._notify()

    def now(self) -> datetime:
        """The clock."""
        return self._clock()

    async def _save_meeting(self, meeting: IntentionMeeting, events: Sequence[Event], handled_event: str | None) -> None:
        await self.store.save_meeting(meeting, events)
