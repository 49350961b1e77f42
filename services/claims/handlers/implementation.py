"""After approval: training, implementation, supervision (督导), progress, funds, completion, evaluation."""

from __future__ import annotations

from datetime import date

from services.claims.domain import (
    BudgetLine,
    Claim,
    Disbursement,
    OrganizationCard,
    ProgressReport,
    ResidentRating,
    Rubric,
    SupervisionVisit,
    TrainingSession,
    access,
)
from services.claims.handlers.base import HandlerBase, short_id
from services.common.identity import Principal

__all__ = ["Implementation"]


class Implementation(HandlerBase):
    """Use cases of an approved claim's project."""

    async def record_training(
        self, principal: Principal, claim_id: str, *, on: date, topic: str, trainer: str, attendees: list[str]
    ) -> Claim:
        """Staff record a training session; the first one starts the training stage."""
        session = TrainingSession(
            short_id(), on, topic.strip(), trainer.strip(), tuple(a.strip() for a in attendees if a.strip()), principal.subject, self.now()
        )
        return await self.change_claim(principal, claim_id, lambda c: c.record_training(session), check=self.staff_only(principal))

    async def start_implementation(self, principal: Principal, claim_id: str) -> Claim:
        """The claimant (or staff) starts the work after training."""
        at = self.now()
        return await self.change_claim(
            principal, claim_id, lambda c: c.start_implementation(actor=principal.subject, at=at), check=self.claimant_or_staff(principal)
        )

    async def record_supervision(
        self,
        principal: Principal,
        claim_id: str,
        *,
        on: date,
        supervisor: str,
        findings: str,
        rectification_required: bool,
        rectification_deadline: date | None,
    ) -> Claim:
        """Staff record a supervision visit."""
        visit = SupervisionVisit(
            short_id(),
            on,
            supervisor.strip() or principal.subject,
            findings.strip(),
            rectification_required,
            rectification_deadline,
            None,
            principal.subject,
            self.now(),
        )
        return await self.change_claim(principal, claim_id, lambda c: c.record_supervision(visit), check=self.staff_only(principal))

    async def record_rectified(self, principal: Principal, claim_id: str, visit_id: str, rectified_on: date) -> Claim:
        """The claimant (or staff) reports a rectification done."""
        at = self.now()
        return await self.change_claim(
            principal,
            claim_id,
            lambda c: c.record_rectified(visit_id, rectified_on, at=at, actor=principal.subject),
            check=self.claimant_or_staff(principal),
        )

    async def report_progress(
        self, principal: Principal, claim_id: str, *, percent: int, narrative: str, photo_urls: list[str], volunteer_hours: float
    ) -> Claim:
        """The claimant's leader reports progress."""
        report = ProgressReport(short_id(), percent, narrative.strip(), tuple(photo_urls), volunteer_hours, principal.subject, self.now())
        return await self.change_claim(principal, claim_id, lambda c: c.report_progress(report), check=self.claimant_or_staff(principal))

    async def record_disbursement(self, principal: Principal, claim_id: str, *, line: BudgetLine, on: date, purpose: str) -> Claim:
        """Staff pay out funds; never more per source than approved, also under concurrent requests.

        When receipts are required (``DISBURSEMENT_REQUIRES_RECEIPT``) the payment is recorded as
        pending its receipt (发票), attached to the disbursement afterwards; the project cannot be
        completed until every such receipt is there.
        """
        disbursement = Disbursement(
            short_id(), line, on, purpose.strip(), principal.subject, self.now(), receipt_required=self.receipts_required
        )
        return await self.change_claim(principal, claim_id, lambda c: c.disburse(disbursement), check=self.staff_only(principal))

    async def complete_project(self, principal: Principal, claim_id: str) -> Claim:
        """The claimant (or staff) declares the work done."""
        at = self.now()
        return await self.change_claim(
            principal, claim_id, lambda c: c.complete(actor=principal.subject, at=at), check=self.claimant_or_staff(principal)
        )

    async def evaluate_project(self, principal: Principal, claim_id: str, rubric: Rubric, summary: str) -> Claim:
        """总结评估 by staff."""
        at = self.now()
        return await self.change_claim(
            principal, claim_id, lambda c: c.evaluate(rubric, summary, actor=principal.subject, at=at), check=self.staff_only(principal)
        )

    async def rate_project(self, principal: Principal, claim_id: str, score: int, comment: str) -> Claim:
        """A resident who was served rates the work (one rating each)."""
        rating = ResidentRating(principal.subject, score, comment.strip(), self.now())

        def check(claim: Claim, district: str | None, card: OrganizationCard | None) -> None:
            access.require_rater(principal, claim, card)

        return await self.change_claim(principal, claim_id, lambda c: c.rate(rating), check=check)

    async def terminate_claim(self, principal: Principal, claim_id: str, reason: str) -> Claim:
        """Staff stop an approved claim's work, with a reason; its slot and unspent budget go back to the item.

        The needs service hears ``claims.claim.terminated.v1`` and re-opens, completes or halts
        the item. Should the process stop between the two writes, the stale-reservation repair
        of the next approval gives the slot back (a terminated holder is not active).
        """
        at = self.now()
        claim = await self.change_claim(
            principal, claim_id, lambda c: c.terminate(reason, actor=principal.subject, at=at), check=self.staff_only(principal)
        )
        await self.store.release(claim.item_id, claim.id, spent=claim.disbursed)
        return claim
