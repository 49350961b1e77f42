"""Claiming (认领): eligible claimants submit, withdraw; staff shortlist; open claims told why when closed."""

from __future__ import annotations

from services.claims.domain import (
    OPEN,
    Claim,
    Claimant,
    ClaimantKind,
    OrganizationCard,
    Proposal,
    access,
    check_eligibility,
    check_request,
    submit,
)
from services.claims.handlers.base import HandlerBase
from services.common.domain import Forbidden, Invalid, NotFound
from services.common.events import Event
from services.common.identity import Principal, Role
from services.common.ids import new_id
from services.common.store import DuplicateKey

__all__ = ["Claiming"]


class Claiming(HandlerBase):
    """Submitting, withdrawing and shortlisting claims."""

    async def submit_claim(
        self, principal: Principal, item_id: str, organization_id: str | None, proposal: Proposal, *, idempotency_key: str | None = None
    ) -> Claim:
        """An organization (through its leader, or staff at the desk) or a resident claims a published item."""
        board = await self.store.board(item_id)
        if board is None:
            raise NotFound("no such published item", field="itemId")
        district = await self.store.places.district_of(board.community_id)
        if not principal.belongs_to(board.community_id, district) and not principal.has_role(*access.ORGANIZATION_ROLES):
            raise NotFound("no such published item", field="itemId")
        card = None
        if organization_id is not None:
            card = await self.store.card(organization_id)
            if card is None:
                raise NotFound("no such organization", field="organizationId")
            if not (access.speaks_for(principal, organization_id, card) or access.is_staff(principal, board.community_id, district)):
                raise Forbidden("only the organization's leader (or the community's staff) claims for it", field="organizationId")
            claimant = Claimant(card.kind, principal.subject, organization_id, card.name)
        else:
            if not (principal.has_role(Role.RESIDENT) and board.community_id in principal.communities):
                raise Forbidden("residents claim items of their own community as individuals", field="organizationId")
            claimant = Claimant(ClaimantKind.RESIDENT, principal.subject, None, principal.name or principal.subject)
        at = self.now()
        check_eligibility(board, claimant.kind, card, at=at)
        checked = proposal.checked()
        check_request(board, checked.budget)
        claim_id = new_id("claim", subject=principal.subject, idempotency_key=idempotency_key)
        existing = await self.store.claim(claim_id)
        if existing is not None:
            return existing[0]
        claim, events = submit(
            claim_id=claim_id, item_id=item_id, community_id=board.community_id, claimant=claimant, proposal=checked, at=at
        )
        try:
            await self.store.insert_claim(claim, events)
        except DuplicateKey:
            raced = await self.store.claim(claim_id)
            if raced is not None:
                return raced[0]
            raise Invalid("this claimant already has an open claim on this item", field="itemId", code="ALREADY_CLAIMED") from None
        self.notify_if(events)
        return claim

    async def withdraw_claim(self, principal: Principal, claim_id: str, reason: str) -> Claim:
        """The claimant steps back before the decision."""
        at = self.now()

        def check(claim: Claim, district: str | None, card: OrganizationCard | None) -> None:
            if not access.is_claimant(principal, claim, card):
                raise Forbidden("only the claimant withdraws its claim", field="claimId")

        return await self.change_claim(principal, claim_id, lambda c: c.withdraw(reason, actor=principal.subject, at=at), check=check)

    async def shortlist_claim(self, principal: Principal, claim_id: str) -> Claim:
        """Staff put a claim forward to the intention meeting."""
        at = self.now()
        return await self.change_claim(
            principal, claim_id, lambda c: c.shortlist(actor=principal.subject, at=at), check=self.staff_only(principal)
        )

    async def reject_open_claims(
        self, item_id: str, reason: str, *, actor: str, meeting_id: str | None, event_id: str | None = None
    ) -> list[Claim]:
        """Close every still-open claim of an item, telling each why (slots filled, item cancelled)."""
        closed = []
        at = self.now()

        def decide(current: Claim) -> tuple[Claim, list[Event]]:
            if current.status not in OPEN:
                return current, []
            return current.reject(reason, meeting_id=meeting_id, actor=actor, at=at)

        for claim in await self.store.claims_of_items([item_id]):
            if claim.status not in OPEN:
                continue
            closed.append(await self.change_claim(None, claim.id, decide, event_id=event_id))
        return closed
