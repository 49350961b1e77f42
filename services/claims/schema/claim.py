"""The Claim type (认领) and the records of its project."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from services.claims.domain import BudgetLine, Claim, totals
from services.claims.schema.context import ClaimsContext
from services.claims.schema.enums import ClaimantKind, ClaimStatus, FundSource, Grade
from services.common.graphql.scalars import Fen

if TYPE_CHECKING:
    from services.claims.schema.extensions import CommunityType, OrganizationType, ServiceItemType
    from services.claims.schema.meeting import IntentionMeetingType

__all__ = ["ClaimBudgetLine", "ClaimType"]

ServiceItemRef = Annotated["ServiceItemType", strawberry.lazy("services.claims.schema.extensions")]
OrganizationRef = Annotated["OrganizationType", strawberry.lazy("services.claims.schema.extensions")]
CommunityRef = Annotated["CommunityType", strawberry.lazy("services.claims.schema.extensions")]
MeetingRef = Annotated["IntentionMeetingType", strawberry.lazy("services.claims.schema.meeting")]


@strawberry.type(description="Money from one fund source, in fen.")
class ClaimBudgetLine:
    fund_source: FundSource = strawberry.field(description="Which fund.")
    source_name: str | None = strawberry.field(description="Name of an OTHER source.")
    amount_fen: Fen = strawberry.field(description="Amount in fen (分).")

    @classmethod
    def of(cls, line: BudgetLine) -> ClaimBudgetLine:
        """From a domain budget line."""
        return cls(fund_source=line.fund_source, source_name=line.source_name, amount_fen=Fen(line.amount_fen))


@strawberry.type(description="Who claims: an organization, or a resident as an individual.")
class Claimant:
    kind: ClaimantKind = strawberry.field(description="Social organization, unit, partner NGO, or resident.")
    name: str = strawberry.field(description="The organization's (or resident's) name.")
    organization_id: strawberry.ID | None = strawberry.field(description="The claiming organization, if any.")


@strawberry.type(description="The claimant's plan: what, when, with whom, and the budget requested.")
class ProposalType:
    plan: str = strawberry.field(description="What will be done.")
    schedule: str = strawberry.field(description="When.")
    team: list[str] = strawberry.field(description="Who will do it.")
    budget: list[ClaimBudgetLine] = strawberry.field(description="Requested per fund source (approved as requested).")


@strawberry.type(description="One recorded move of a claim: who, when, why.")
class ClaimStatusChange:
    action: str = strawberry.field(description="e.g. approve, start_training, complete.")
    from_status: ClaimStatus = strawberry.field(description="Before.")
    to_status: ClaimStatus = strawberry.field(description="After.")
    actor: str = strawberry.field(description="Who.")
    at: datetime = strawberry.field(description="When.")
    reason: str | None = strawberry.field(description="Why, where required.")


@strawberry.type(description="A training session (培训).")
class TrainingSessionType:
    id: strawberry.ID = strawberry.field(description="Session id.")
    on: date = strawberry.field(description="Day.")
    topic: str = strawberry.field(description="Topic.")
    trainer: str = strawberry.field(description="Trainer.")
    attendees: list[str] = strawberry.field(description="Who attended.")


@strawberry.type(description="A supervision visit (督导).")
class SupervisionVisitType:
    id: strawberry.ID = strawberry.field(description="Visit id.")
    on: date = strawberry.field(description="Day.")
    supervisor: str = strawberry.field(description="Supervisor.")
    findings: str = strawberry.field(description="Findings.")
    rectification_required: bool = strawberry.field(description="A rectification (整改) was required.")
    rectification_deadline: date | None = strawberry.field(description="By when.")
    rectified_on: date | None = strawberry.field(description="When it was done.")


@strawberry.type(description="A progress report by the claimant.")
class ProgressReportType:
    id: strawberry.ID = strawberry.field(description="Report id.")
    percent: int = strawberry.field(description="How far, 0–100.")
    narrative: str = strawberry.field(description="What happened.")
    photo_urls: list[str] = strawberry.field(description="Photos.")
    volunteer_hours: float = strawberry.field(description="Volunteer hours in this period.")
    at: datetime = strawberry.field(description="Reported at.")


@strawberry.type(description="Funds paid out against the approved budget (拨付).")
class DisbursementType:
    id: strawberry.ID = strawberry.field(description="Disbursement id.")
    line: ClaimBudgetLine = strawberry.field(description="Amount and fund source.")
    on: date = strawberry.field(description="Day.")
    purpose: str = strawberry.field(description="What for.")
    receipt_required: bool = strawberry.field(description="Whether a receipt (发票) must be attached to this payment.")
    receipt_evidence_id: strawberry.ID | None = strawberry.field(description="The receipt attached (evidence id); null until then.")
    receipt_pending: bool = strawberry.field(description="A receipt is required and not attached yet (the project cannot be completed).")


@strawberry.type(description="Staff's rubric, 1–5 each.")
class RubricType:
    goal_achievement: int = strawberry.field(description="Goals achieved.")
    resident_satisfaction: int = strawberry.field(description="Residents satisfied.")
    budget_use: int = strawberry.field(description="Budget well used.")
    organizational_growth: int = strawberry.field(description="The organization grew.")
    innovation: int = strawberry.field(description="Innovation.")


@strawberry.type(description="总结评估 The summary evaluation.")
class ClaimEvaluation:
    rubric: RubricType = strawberry.field(description="Staff's rubric.")
    summary: str = strawberry.field(description="Summary.")
    evaluated_at: datetime = strawberry.field(description="When.")
    overall_score: float = strawberry.field(
        description="70 % rubric mean + 30 % residents' mean rating (rubric mean alone without ratings), 1–5."
    )
    grade: Grade = strawberry.field(description="EXCELLENT ≥ 4.5, GOOD ≥ 3.5, PASS ≥ 2.5, else FAIL.")


@strawberry.federation.type(
    name="Claim", keys=["id"], description="认领 A claimant's claim on a service item, from proposal to summary evaluation."
)
class ClaimType:
    id: strawberry.ID = strawberry.field(description="Claim id.")
    item_id: strawberry.ID = strawberry.field(description="The claimed service item.")
    community_id: strawberry.ID = strawberry.field(description="The item's community.")
    claimant: Claimant = strawberry.field(description="Who claims.")
    proposal: ProposalType = strawberry.field(description="The plan and requested budget.")
    status: ClaimStatus = strawberry.field(description="Where it stands.")
    reason: str | None = strawberry.field(description="Why it was rejected, withdrawn or terminated.")
    submitted_at: datetime = strawberry.field(description="Submitted at.")
    updated_at: datetime = strawberry.field(description="Last changed at.")
    history: list[ClaimStatusChange] = strawberry.field(description="Every status change, oldest first.")
    trainings: list[TrainingSessionType] = strawberry.field(description="Training sessions.")
    supervisions: list[SupervisionVisitType] = strawberry.field(description="Supervision visits.")
    progress_reports: list[ProgressReportType] = strawberry.field(description="Progress reports.")
    disbursements: list[DisbursementType] = strawberry.field(description="Funds paid out.")
    disbursed: list[ClaimBudgetLine] = strawberry.field(description="Funds paid out so far, per source.")
    volunteer_hours: float = strawberry.field(description="Volunteer hours reported.")
    evaluation: ClaimEvaluation | None = strawberry.field(description="The summary evaluation, once made.")
    rating_count: int = strawberry.field(description="Ratings by residents who were served.")
    average_rating: float | None = strawberry.field(description="Their mean rating, 1–5.")
    _claim: strawberry.Private[Claim]

    @classmethod
    def from_domain(cls, claim: Claim) -> ClaimType:
        """From the domain aggregate."""
        proposal, evaluation = claim.proposal, claim.evaluation
        drawn = totals(d.line for d in claim.disbursements)
        lines = {line.key: line for line in (*proposal.budget, *(d.line for d in claim.disbursements))}
        return cls(
            id=strawberry.ID(claim.id),
            item_id=strawberry.ID(claim.item_id),
            community_id=strawberry.ID(claim.community_id),
            claimant=Claimant(
                kind=claim.claimant.kind,
                name=claim.claimant.name,
                organization_id=strawberry.ID(claim.claimant.organization_id) if claim.claimant.organization_id else None,
            ),
            proposal=ProposalType(
                plan=proposal.plan,
                schedule=proposal.schedule,
                team=list(proposal.team),
                budget=[ClaimBudgetLine.of(line) for line in proposal.budget],
            ),
            status=claim.status,
            reason=claim.reason,
            submitted_at=claim.submitted_at,
            updated_at=claim.updated_at,
            history=[
                ClaimStatusChange(
                    action=s.action, from_status=s.from_status, to_status=s.to_status, actor=s.actor, at=s.at, reason=s.reason
                )
                for s in claim.history
            ],
            trainings=[
                TrainingSessionType(id=strawberry.ID(t.id), on=t.on, topic=t.topic, trainer=t.trainer, attendees=list(t.attendees))
                for t in claim.trainings
            ],
            supervisions=[
                SupervisionVisitType(
                    id=strawberry.ID(v.id),
                    on=v.on,
                    supervisor=v.supervisor,
                    findings=v.findings,
                    rectification_required=v.rectification_required,
                    rectification_deadline=v.rectification_deadline,
                    rectified_on=v.rectified_on,
                )
                for v in claim.supervisions
            ],
            progress_reports=[
                ProgressReportType(
                    id=strawberry.ID(r.id),
                    percent=r.percent,
                    narrative=r.narrative,
                    photo_urls=list(r.photo_urls),
                    volunteer_hours=r.volunteer_hours,
                    at=r.at,
                )
                for r in claim.progress_reports
            ],
            disbursements=[
                DisbursementType(
                    id=strawberry.ID(d.id),
                    line=ClaimBudgetLine.of(d.line),
                    on=d.on,
                    purpose=d.purpose,
                    receipt_required=d.receipt_required,
                    receipt_evidence_id=strawberry.ID(d.receipt_id) if d.receipt_id else None,
                    receipt_pending=d.receipt_pending,
                )
                for d in claim.disbursements
            ],
            disbursed=[
                ClaimBudgetLine(fund_source=lines[key].fund_source, source_name=lines[key].source_name, amount_fen=Fen(amount))
                for key, amount in sorted(drawn.items())
            ],
            volunteer_hours=claim.volunteer_hours,
            evaluation=None
            if evaluation is None or claim.overall_score is None or claim.grade is None
            else ClaimEvaluation(
                rubric=RubricType(
                    goal_achievement=evaluation.rubric.goal_achievement,
                    resident_satisfaction=evaluation.rubric.resident_satisfaction,
                    budget_use=evaluation.rubric.budget_use,
                    organizational_growth=evaluation.rubric.organizational_growth,
                    innovation=evaluation.rubric.innovation,
                ),
                summary=evaluation.summary,
                evaluated_at=evaluation.at,
                overall_score=claim.overall_score,
                grade=claim.grade,
            ),
            rating_count=len(claim.ratings),
            average_rating=round(sum(r.score for r in claim.ratings) / len(claim.ratings), 2) if claim.ratings else None,
            _claim=claim,
        )

    @strawberry.field(description="The claimed service item (公益服务项目), joined from the needs subgraph.")
    def item(self) -> ServiceItemRef:
        from services.claims.schema.extensions import ServiceItemType

        return ServiceItemType(id=self.item_id)

    @strawberry.field(description="The claiming organization, joined from the orgs subgraph; null for a resident.")
    def organization(self) -> OrganizationRef | None:
        from services.claims.schema.extensions import OrganizationType

        return OrganizationType(id=self.claimant.organization_id) if self.claimant.organization_id else None

    @strawberry.field(description="The community (社区).")
    def community(self) -> CommunityRef:
        from services.claims.schema.extensions import CommunityType

        return CommunityType(id=self.community_id)

    @strawberry.field(description="The intention meeting that decided it.")
    async def meeting(self, info: Info[ClaimsContext, None]) -> MeetingRef | None:
        from services.claims.schema.meeting import IntentionMeetingType

        if self._claim.meeting_id is None:
            return None
        meeting = await info.context.visible_meeting(self._claim.meeting_id)
        return IntentionMeetingType.from_domain(meeting) if meeting else None

    @strawberry.field(description="Whether you have rated it.")
    def rated_by_me(self, info: Info[ClaimsContext, None]) -> bool:
        subject = info.context.require_principal().subject
        return any(rating.resident == subject for rating in self._claim.ratings)

    @classmethod
    async def resolve_reference(cls, info: Info[ClaimsContext, None], id: strawberry.ID) -> ClaimType | None:
        """Federation entity resolution, batched through the request's DataLoader."""
        claim = await info.context.visible_claim(str(id))
        return cls.from_domain(claim) if claim else None
