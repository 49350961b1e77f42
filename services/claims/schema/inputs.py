"""Input types of the claims subgraph: list filters and one input per mutation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import strawberry

from services.claims.domain import Attendee, BudgetLine, MeetingPlan, Proposal, Rubric
from services.claims.schema.enums import AttendeeRole, ClaimStatus, DecisionOutcome, FundSource
from services.common.domain import Invalid
from services.common.graphql.scalars import Fen, fen_value
from services.common.text import MULTILINE

__all__ = [
    "BudgetLineInput",
    "ClaimFilter",
    "MeetingAttendeeInput",
    "MeetingPlanInput",
    "ProposalInput",
    "RubricInput",
]


@strawberry.input(description="Filters of a claims list; all given filters must match.")
class ClaimFilter:
    community_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Communities; default: all of yours.")
    item_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Claims on these items.")
    organization_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Claims by these organizations.")
    statuses: list[ClaimStatus] | None = strawberry.field(default=None, description="Any of these statuses.")

    @staticmethod
    def scoped(given: ClaimFilter | None, community_ids: list[strawberry.ID]) -> ClaimFilter:
        """The same filter limited to the given communities."""
        return replace(given or ClaimFilter(), community_ids=community_ids)


@strawberry.input(description="Money from one fund source.")
class BudgetLineInput:
    fund_source: FundSource = strawberry.field(description="Which fund.")
    amount_fen: Fen = strawberry.field(description="Amount in fen (分), more than 0.")
    source_name: str | None = strawberry.field(default=None, description="Name of an OTHER source.")

    def to_line(self, field: str = "line") -> BudgetLine:
        """The domain's budget line (an amount that is not whole fen is refused naming ``field``.amountFen)."""
        amount = fen_value(self.amount_fen, field=f"{field}.amountFen")
        return BudgetLine(self.fund_source, amount, (self.source_name or "").strip() or None)


@strawberry.input(description="The claimant's plan.")
class ProposalInput:
    plan: str = strawberry.field(metadata=MULTILINE, description="What will be done.")
    schedule: str = strawberry.field(default="", description="When.")
    team: list[str] = strawberry.field(default_factory=list, description="Who will do it.")
    budget: list[BudgetLineInput] = strawberry.field(default_factory=list, description="Requested per fund source; never above the item's.")

    def to_proposal(self) -> Proposal:
        """The domain's proposal."""
        return Proposal(
            self.plan,
            self.schedule,
            tuple(self.team),
            tuple(line.to_line(f"proposal.budget.{index}") for index, line in enumerate(self.budget)),
        )


@strawberry.input(description="Someone at the meeting.")
class MeetingAttendeeInput:
    name: str = strawberry.field(description="Name.")
    role: AttendeeRole = strawberry.field(description="In what capacity.")
    organization_id: strawberry.ID | None = strawberry.field(default=None, description="The organization they speak for.")


@strawberry.input(description="When and where the intention meeting sits, what it decides, who comes.")
class MeetingPlanInput:
    scheduled_at: datetime = strawberry.field(description="When (with a UTC offset).")
    venue: str = strawberry.field(description="Where.")
    agenda: list[strawberry.ID] = strawberry.field(description="Published items of the community to decide.")
    attendees: list[MeetingAttendeeInput] = strawberry.field(default_factory=list, description="Who comes.")

    def to_plan(self, community_id: str) -> MeetingPlan:
        """The domain's plan."""
        if self.scheduled_at.tzinfo is None:
            raise Invalid("give the time with a UTC offset, e.g. 2026-12-01T09:00:00+08:00", field="scheduledAt")
        attendees = tuple(Attendee(a.name, a.role, str(a.organization_id) if a.organization_id else None) for a in self.attendees)
        return MeetingPlan(community_id, self.scheduled_at, self.venue, tuple(str(item) for item in self.agenda), attendees)


@strawberry.input(description="Staff's rubric, 1–5 each.")
class RubricInput:
    goal_achievement: int = strawberry.field(description="Goals achieved.")
    resident_satisfaction: int = strawberry.field(description="Residents satisfied.")
    budget_use: int = strawberry.field(description="Budget well used.")
    organizational_growth: int = strawberry.field(description="The organization grew.")
    innovation: int = strawberry.field(description="Innovation.")

    def to_rubric(self) -> Rubric:
        """The domain's rubric."""
        return Rubric(self.goal_achievement, self.resident_satisfaction, self.budget_use, self.organizational_growth, self.innovation)


@strawberry.input(description="Claim a published item.")
class SubmitClaimInput:
    item_id: strawberry.ID = strawberry.field(description="The item.")
    proposal: ProposalInput = strawberry.field(description="The plan.")
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Claim for this organization; absent: as a resident."
    )
    idempotency_key: str | None = strawberry.field(default=None, description="Retrying with the same key never claims twice.")


@strawberry.input(description="Withdraw your claim before it is decided.")
class WithdrawClaimInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")
    reason: str = strawberry.field(metadata=MULTILINE, default="", description="Why.")


@strawberry.input(description="Put a claim forward to the intention meeting.")
class ShortlistClaimInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")


@strawberry.input(description="Call an intention meeting.")
class ScheduleMeetingInput(MeetingPlanInput):
    community_id: strawberry.ID = strawberry.field(description="The community deciding.")
    idempotency_key: str | None = strawberry.field(default=None, description="Retrying with the same key never schedules twice.")


@strawberry.input(description="Change a scheduled meeting.")
class ReplanMeetingInput(MeetingPlanInput):
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")


@strawberry.input(description="The meeting's decision on one claim.")
class DecideClaimInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")
    claim_id: strawberry.ID = strawberry.field(description="A claim on an agenda item.")
    outcome: DecisionOutcome = strawberry.field(description="Approve or reject.")
    reason: str = strawberry.field(metadata=MULTILINE, default="", description="Why (required to reject).")


@strawberry.input(description="Close the meeting with its minutes.")
class ConcludeMeetingInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")
    minutes: str = strawberry.field(metadata=MULTILINE, description="Minutes (纪要).")
    public_minutes: str = strawberry.field(
        metadata=MULTILINE,
        default="",
        description="The version for the 公示, without residents' names or numbers; empty: the 公示 shows the minutes with phone "
        "numbers, ID numbers and labelled names masked.",
    )


@strawberry.input(description="Call off a meeting that decided nothing.")
class CancelMeetingInput:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting.")
    reason: str = strawberry.field(metadata=MULTILINE, description="Why.")


@strawberry.input(description="A training session (培训).")
class RecordTrainingInput:
    claim_id: strawberry.ID = strawberry.field(description="The approved claim.")
    on: date = strawberry.field(description="Day.")
    topic: str = strawberry.field(description="Topic.")
    trainer: str = strawberry.field(default="", description="Trainer.")
    attendees: list[str] = strawberry.field(default_factory=list, description="Who attended.")


@strawberry.input(description="Start the work (实施) after training.")
class StartImplementationInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")


@strawberry.input(description="A supervision visit (督导).")
class RecordSupervisionInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")
    on: date = strawberry.field(description="Day.")
    findings: str = strawberry.field(metadata=MULTILINE, description="Findings.")
    supervisor: str = strawberry.field(default="", description="Supervisor; default you.")
    rectification_required: bool = strawberry.field(default=False, description="A rectification (整改) is required.")
    rectification_deadline: date | None = strawberry.field(default=None, description="By when (required with a rectification).")


@strawberry.input(description="A required rectification was done.")
class RecordRectificationInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")
    visit_id: strawberry.ID = strawberry.field(description="The supervision visit.")
    rectified_on: date = strawberry.field(description="Day it was done.")


@strawberry.input(description="The claimant's progress report.")
class ReportProgressInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")
    percent: int = strawberry.field(description="How far, 0–100, never backwards.")
    narrative: str = strawberry.field(metadata=MULTILINE, description="What happened.")
    photo_urls: list[str] = strawberry.field(default_factory=list, description="Photos (http(s) URLs).")
    volunteer_hours: float = strawberry.field(default=0.0, description="Volunteer hours in this period.")


@strawberry.input(description="Pay out funds against the approved budget.")
class RecordDisbursementInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")
    line: BudgetLineInput = strawberry.field(description="Amount and fund source.")
    on: date = strawberry.field(description="Day.")
    purpose: str = strawberry.field(default="", description="What for.")


@strawberry.input(description="Declare the work done.")
class CompleteProjectInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")


@strawberry.input(description="总结评估 The summary evaluation.")
class EvaluateProjectInput:
    claim_id: strawberry.ID = strawberry.field(description="The completed claim.")
    rubric: RubricInput = strawberry.field(description="Staff's rubric.")
    summary: str = strawberry.field(metadata=MULTILINE, description="Summary.")


@strawberry.input(description="Rate a project that served you (one rating per resident).")
class RateProjectInput:
    claim_id: strawberry.ID = strawberry.field(description="The completed claim.")
    score: int = strawberry.field(description="1–5.")
    comment: str = strawberry.field(metadata=MULTILINE, default="", description="What you thought.")


@strawberry.input(description="Stop an approved claim's work.")
class TerminateClaimInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim.")
    reason: str = strawberry.field(metadata=MULTILINE, description="Why.")
