"""The pure domain of the claims service: claims, intention meetings, eligibility, evaluation."""

from services.claims.domain.budget import BudgetLine, totals
from services.claims.domain.claim import ACTIVE, CLAIM_MACHINE, OPEN, Claim, Claimant, Evaluation, Proposal, submit
from services.claims.domain.eligibility import (
    ItemBoard,
    OrganizationCard,
    Reservation,
    check_agenda,
    check_eligibility,
    check_request,
)
from services.claims.domain.evaluation import ResidentRating, Rubric, grade_of, overall_score
from services.claims.domain.implementation import Disbursement, ProgressReport, SupervisionVisit, TrainingSession
from services.claims.domain.meeting import MEETING_MACHINE, Attendee, Decision, IntentionMeeting, MeetingPlan, schedule
from services.claims.domain.statistics import WITH_OUTCOMES, ClaimFigures, combined, figures_from, figures_in_period, figures_of
from services.claims.domain.vocabulary import AttendeeRole, ClaimantKind, ClaimStatus, DecisionOutcome, FundSource, Grade, MeetingStatus

__all__ = [
    "ACTIVE",
    "CLAIM_MACHINE",
    "MEETING_MACHINE",
    "OPEN",
    "WITH_OUTCOMES",
    "Attendee",
    "AttendeeRole",
    "BudgetLine",
    "Claim",
    "ClaimFigures",
    "ClaimStatus",
    "Claimant",
    "ClaimantKind",
    "Decision",
    "DecisionOutcome",
    "Disbursement",
    "Evaluation",
    "FundSource",
    "Grade",
    "IntentionMeeting",
    "ItemBoard",
    "MeetingPlan",
    "MeetingStatus",
    "OrganizationCard",
    "ProgressReport",
    "Proposal",
    "Reservation",
    "ResidentRating",
    "Rubric",
    "SupervisionVisit",
    "TrainingSession",
    "check_agenda",
    "check_eligibility",
    "check_request",
    "combined",
    "figures_from",
    "figures_in_period",
    "figures_of",
    "grade_of",
    "overall_score",
    "schedule",
    "submit",
    "totals",
]
