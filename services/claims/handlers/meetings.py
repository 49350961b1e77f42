"""The claim intention meeting (认领意向会): schedule, decide claims per item, conclude.

Approving reserves the item's slot and budget first, with one conditional update on the item
board, then moves the claim; if the claim cannot move (withdrawn meanwhile) the reservation is
given back. So racing approvals never take more slots (or money) than the item has. When the
last slot is taken, every other open claim of the item is rejected with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Set
from dataclasses import replace
from datetime import timedelta

from services.claims.domain import (
    ACTIVE,
    OPEN,
    Claim,
    ClaimStatus,
    Decision,
    DecisionOutcome,
    IntentionMeeting,
    ItemBoard,
    MeetingPlan,
    access,
    check_agenda,
    schedule,
    totals,
)
from services.claims.handlers.claiming import Claiming
from services.common.domain import DomainError, Invalid, NotFound
from services.common.identity import Principal
from services.common.ids import new_id

__all__ = ["Meetings"]

log = logging.getLogger(__name__)
STALE_RESERVATION = timedelta(seconds=60)


class Meetings(Claiming):
    """Intention meetings and their decisions."""

    async def schedule_meeting(self, principal: Principal, plan: MeetingPlan, *, idempotency_key: str | None = None) -> IntentionMeeting:
        """Staff call a meeting on published items of their community."""
        place = await self.store.places.require(plan.community_id)
        access.require_staff(principal, plan.community_id, place.district_id)
        await self._check_agenda(plan)
        meeting_id = new_id("meeting", subject=principal.subject, idempotency_key=idempotency_key)
        existing = await self.store.meeting(meeting_id)
        if existing is not None:
            return existing[0]
        meeting, events = schedule(plan, meeting_id=meeting_id, actor=principal.subject, at=self.now())
        await self.store.insert_meeting(meeting, events)
        self.notify_if(events)
        return meeting

    async def replan_meeting(self, principal: Principal, meeting_id: str, plan: MeetingPlan) -> IntentionMeeting:
        """Change time, venue, agenda or attendees while it is scheduled; items added must be open for claiming."""
        at = self.now()
        loaded = await self.store.meeting(meeting_id)
        if loaded is not None and principal.belongs_to(loaded[0].community_id, await self.store.places.district_of(loaded[0].community_id)):
            kept = {decision.item_id for decision in loaded[0].decisions} | set(loaded[0].plan.agenda)
            await self._check_agenda(replace(plan, community_id=loaded[0].community_id), kept=kept)
        return await self.change_meeting(principal, meeting_id, lambda meeting: meeting.replan(plan, actor=principal.subject, at=at))

    async def _check_agenda(self, plan: MeetingPlan, *, kept: Set[str] = frozenset()) -> None:
        boards = await self.store.boards_by_ids(plan.agenda)
        open_claims = {claim.item_id for claim in await self.store.claims_of_items(list(plan.agenda)) if claim.status in OPEN}
        check_agenda(plan.agenda, boards, community_id=plan.community_id, with_open_claims=open_claims, kept=kept)

    async def conclude_meeting(self, principal: Principal, meeting_id: str, minutes: str, *, public_minutes: str = "") -> IntentionMeeting:
        """Close the meeting with its minutes (and their public version, if staff wrote one)."""
        at = self.now()
        return await self.change_meeting(
            principal, meeting_id, lambda meeting: meeting.conclude(minutes, actor=principal.subject, at=at, public_minutes=public_minutes)
        )

    async def cancel_meeting(self, principal: Principal, meeting_id: str, reason: str) -> IntentionMeeting:
        """Call a meeting off before it decided anything."""
        at = self.now()
        return await self.change_meeting(principal, meeting_id, lambda meeting: meeting.cancel(reason, actor=principal.subject, at=at))

    async def decide_claim(self, principal: Principal, meeting_id: str, claim_id: str, outcome: DecisionOutcome, reason: str) -> Claim:
        """The meeting approves or rejects a claim of an item on its agenda."""
        loaded = await self.store.meeting(meeting_id)
        meeting = loaded[0] if loaded else None
        if meeting is None or not principal.belongs_to(meeting.community_id, await self.store.places.district_of(meeting.community_id)):
            raise NotFound("no such intention meeting", field="meetingId")
        access.require_staff(principal, meeting.community_id, await self.store.places.district_of(meeting.community_id), field="meetingId")
        claim = await self.visible_claim(principal, claim_id)
        if claim.community_id != meeting.community_id:
            raise NotFound("no such claim in this community", field="claimId")
        at = self.now()
        decision = Decision(claim.id, claim.item_id, outcome, reason.strip(), principal.subject, at)
        meeting.decide(decision)
        if outcome is DecisionOutcome.APPROVED:
            claim = await self._approve(principal, claim, meeting)
        else:
            claim = await self.change_claim(
                None, claim.id, lambda c: c.reject(reason, meeting_id=meeting.id, actor=principal.subject, at=at)
            )
        try:
            await self.change_meeting(principal, meeting.id, lambda current: current.record_decision(decision))
        except DomainError as error:
            log.warning("decision on %s applied but not recorded in meeting %s: %s", claim.id, meeting.id, error.message)
        return claim

    async def _approve(self, principal: Principal, claim: Claim, meeting: IntentionMeeting) -> Claim:
        board = await self._reserve(claim)
        at = self.now()
        try:
            approved = await self.change_claim(None, claim.id, lambda c: c.approve(meeting_id=meeting.id, actor=principal.subject, at=at))
        except DomainError:
            await self.store.release(claim.item_id, claim.id)
            raise
        board = await self.store.board(claim.item_id) or board
        if board.slots_left == 0:
            when = meeting.plan.scheduled_at.date().isoformat()
            reason = f"all {board.slots} slot(s) of “{board.title}” were filled at the intention meeting of {when}"
            await self.reject_open_claims(claim.item_id, reason, actor=principal.subject, meeting_id=meeting.id)
        return approved

    async def _reserve(self, claim: Claim) -> ItemBoard:
        """Reserve the claim's slot and budget, repairing stale reservations once if the item looks full."""
        for attempt in range(2):
            board = await self.store.board(claim.item_id)
            if board is None:
                raise NotFound("the claim's item is no longer known", field="claimId")
            if any(reservation.claim_id == claim.id for reservation in board.reservations):
                return board
            if claim.status in (ClaimStatus.SUBMITTED, ClaimStatus.SHORTLISTED) and await self.store.reserve(
                board, claim.id, totals(claim.proposal.budget), self.now()
            ):
                return board
            if attempt == 0 and not await self._release_stale(board):
                break
        board = await self.store.board(claim.item_id)
        if board is not None and board.slots_left == 0:
            raise Invalid(f"all {board.slots} slot(s) of this item are taken", field="claimId", code="SLOTS_FILLED")
        raise Invalid("the item's budget left is less than this claim requests", field="claimId", code="BUDGET_EXHAUSTED")

    async def _release_stale(self, board: ItemBoard) -> bool:
        """Reservations whose claim never got approved (a crash between the two writes) are given back."""
        cutoff = self.now() - STALE_RESERVATION
        claims = await self.store.claims_by_ids(reservation.claim_id for reservation in board.reservations)
        released = False
        for reservation in board.reservations:
            holder = claims.get(reservation.claim_id)
            if reservation.at < cutoff and (holder is None or holder.status not in (*ACTIVE, ClaimStatus.EVALUATED)):
                await self.store.release(board.item_id, reservation.claim_id)
                released = True
        return released
