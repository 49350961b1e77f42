"""The Claim aggregate (认领): from a proposal to a summary evaluation.

States: submitted → shortlisted → approved | rejected (reason) | withdrawn; after approval:
training → implementing → completed → evaluated; terminated (reason) at any point after
approval and before evaluation. Funds drawn per source never exceed the approved budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from services.claims.domain.budget import BudgetLine, check_lines, totals
from services.claims.domain.evaluation import ResidentRating, Rubric, grade_of, overall_score
from services.claims.domain.implementation import Disbursement, ProgressReport, SupervisionVisit, TrainingSession, report_problems
from services.claims.domain.vocabulary import ClaimStatus, Grade
from services.common.changes import plain
from services.common.domain import Invalid, StateMachine, Transition, TransitionNotAllowed, check_past_date, local_date, raise_all
from services.common.events import Event, new_event
from services.common.vocabulary import ClaimantKind

__all__ = ["ACTIVE", "CLAIM_MACHINE", "OPEN", "Claim", "Claimant", "Evaluation", "Proposal", "submit"]

SERVICE = "claims"
S = ClaimStatus
OPEN = frozenset({S.SUBMITTED, S.SHORTLISTED})
ACTIVE = frozenset({S.APPROVED, S.TRAINING, S.IMPLEMENTING, S.COMPLETED})
CLAIM_MACHINE: StateMachine[ClaimStatus] = StateMachine(
    "claim",
    {
        "shortlist": {S.SUBMITTED: S.SHORTLISTED},
        "approve": {S.SUBMITTED: S.APPROVED, S.SHORTLISTED: S.APPROVED},
        "reject": {S.SUBMITTED: S.REJECTED, S.SHORTLISTED: S.REJECTED},
        "withdraw": {S.SUBMITTED: S.WITHDRAWN, S.SHORTLISTED: S.WITHDRAWN},
        "start_training": {S.APPROVED: S.TRAINING},
        "start_implementation": {S.TRAINING: S.IMPLEMENTING},
        "complete": {S.IMPLEMENTING: S.COMPLETED},
        "evaluate": {S.COMPLETED: S.EVALUATED},
        "terminate": {S.APPROVED: S.TERMINATED, S.TRAINING: S.TERMINATED, S.IMPLEMENTING: S.TERMINATED, S.COMPLETED: S.TERMINATED},
    },
)
ROUTING = {
    "shortlist": "claims.claim.shortlisted.v1",
    "approve": "claims.claim.approved.v1",
    "reject": "claims.claim.rejected.v1",
    "withdraw": "claims.claim.withdrawn.v1",
    "start_implementation": "claims.project.started.v1",
    "complete": "claims.project.completed.v1",
    "evaluate": "claims.project.evaluated.v1",
    "terminate": "claims.claim.terminated.v1",
}


@dataclass(frozen=True, slots=True)
class Claimant:
    """An organization (through its leader or staff), or a resident claiming as an individual."""

    kind: ClaimantKind
    subject: str
    organization_id: str | None = None
    name: str = ""

    @property
    def key(self) -> str:
        """Who, for "one open claim per claimant per item"."""
        return f"org:{self.organization_id}" if self.organization_id else f"resident:{self.subject}"


@dataclass(frozen=True, slots=True)
class Proposal:
    """The plan: what, when, with whom, and the budget requested per fund source."""

    plan: str
    schedule: str = ""
    team: tuple[str, ...] = ()
    budget: tuple[BudgetLine, ...] = ()

    def checked(self) -> Proposal:
        """A plan, a team of names, a sound budget."""
        plan = self.plan.strip()
        if not plan:
            raise Invalid("describe the plan", field="proposal.plan")
        if len(plan) > 8_000:
            raise Invalid("the plan is longer than 8000 characters", field="proposal.plan")
        if any(not name.strip() or len(name) > 40 for name in self.team):
            raise Invalid("team members are named, at most 40 characters each", field="proposal.team")
        return replace(
            self,
            plan=plan,
            schedule=self.schedule.strip(),
            team=tuple(name.strip() for name in self.team),
            budget=check_lines(self.budget, field="proposal.budget"),
        )


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Staff's summary evaluation, with the overall score (1–5) frozen when it was made."""

    rubric: Rubric
    summary: str
    evaluated_by: str
    at: datetime
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """One claimant's claim on one item."""

    id: str
    item_id: str
    community_id: str
    claimant: Claimant
    proposal: Proposal
    status: ClaimStatus
    submitted_at: datetime
    updated_at: datetime
    history: tuple[Transition[ClaimStatus], ...] = ()
    reason: str | None = None
    meeting_id: str | None = None
    trainings: tuple[TrainingSession, ...] = ()
    supervisions: tuple[SupervisionVisit, ...] = ()
    progress_reports: tuple[ProgressReport, ...] = ()
    disbursements: tuple[Disbursement, ...] = ()
    evaluation: Evaluation | None = None
    ratings: tuple[ResidentRating, ...] = field(default=())
    version: int = 0

    @property
    def is_open(self) -> bool:
        """Still counts as the claimant's open claim on the item."""
        return self.status not in (S.REJECTED, S.WITHDRAWN, S.TERMINATED)

    @property
    def volunteer_hours(self) -> float:
        """Hours reported."""
        return sum(report.volunteer_hours for report in self.progress_reports)

    @property
    def disbursed(self) -> dict[str, int]:
        """Fen drawn per source key."""
        return totals(disbursement.line for disbursement in self.disbursements)

    @property
    def overall_score(self) -> float | None:
        """The evaluation's overall score (1–5), once evaluated; frozen at the evaluation."""
        if self.evaluation is None:
            return None
        return self.evaluation.score if self.evaluation.score is not None else overall_score(self.evaluation.rubric, self.ratings)

    @property
    def grade(self) -> Grade | None:
        """The overall grade, once evaluated."""
        score = self.overall_score
        return grade_of(score) if score is not None else None

    def shortlist(self, *, actor: str, at: datetime) -> tuple[Claim, list[Event]]:
        """Put forward to the intention meeting."""
        return self._move("shortlist", actor=actor, at=at)

    def approve(self, *, meeting_id: str | None, actor: str, at: datetime) -> tuple[Claim, list[Event]]:
        """Approved at the intention meeting; its slot and budget are already reserved."""
        claim, events = self._move(
            "approve", actor=actor, at=at, budget=[line.to_data() for line in self.proposal.budget], meeting_id=meeting_id
        )
        return replace(claim, meeting_id=meeting_id), events

    def reject(self, reason: str, *, meeting_id: str | None, actor: str, at: datetime) -> tuple[Claim, list[Event]]:
        """Not approved, and told why."""
        claim, events = self._move(
            "reject", actor=actor, at=at, reason=_required(reason, "reason"), meeting_id=meeting_id or self.meeting_id
        )
        return replace(claim, meeting_id=meeting_id or self.meeting_id), events

    def withdraw(self, reason: str, *, actor: str, at: datetime) -> tuple[Claim, list[Event]]:
        """The claimant steps back."""
        return self._move("withdraw", actor=actor, at=at, reason=reason.strip() or None)

    def terminate(self, reason: str, *, actor: str, at: datetime) -> tuple[Claim, list[Event]]:
        """Stopped after approval (the reason is required)."""
        return self._move("terminate", actor=actor, at=at, reason=_required(reason, "reason"))

    def record_training(self, session: TrainingSession) -> tuple[Claim, list[Event]]:
        """培训: the first session starts the training stage."""
        if self.status not in (S.APPROVED, S.TRAINING, S.IMPLEMENTING):
            raise _not_now(self, "record training for")
        _required(session.topic, "topic")
        check_past_date(session.on, at=session.at, field="on")
        claim, events = (
            (self, []) if self.status is not S.APPROVED else self._move("start_training", actor=session.recorded_by, at=session.at)
        )
        claim = replace(claim, trainings=(*claim.trainings, session), updated_at=session.at)
        part = f"trainings.{session.id}"
        changes = {
            f"{part}.{name}": {"old": None, "new": value}
            for name, value in (
                ("on", session.on.isoformat()), ("topic", session.topic), ("trainer", session.trainer), ("attendees", list(session.attendees))
            )
        }  # fmt: skip
        if claim.status is not self.status:
            changes["status"] = {"old": self.status.value, "new": claim.status.value}
        return claim, [
            *events,
            claim._event(
                "claims.project.training_recorded.v1",
                session.at,
                training_started=self.status is S.APPROVED,
                session_id=session.id,
                topic=session.topic,
                on=session.on.isoformat(),
                actor=session.recorded_by,
                changes=changes,
            ),
        ]

    def start_implementation(self, *, actor: str, at: datetime) -> tuple[Claim, list[Event]]:
        """实施: after at least one training session."""
        if self.status is S.TRAINING and not self.trainings:
            raise Invalid("record a training session first", field="claimId", code="TRAINING_REQUIRED")
        return self._move("start_implementation", actor=actor, at=at)

    def record_supervision(self, visit: SupervisionVisit) -> tuple[Claim, list[Event]]:
        """督导: findings, and a rectification with a deadline if required."""
        if self.status not in (S.TRAINING, S.IMPLEMENTING, S.COMPLETED):
            raise _not_now(self, "supervise")
        _required(visit.findings, "findings")
        check_past_date(visit.on, at=visit.at, field="on")
        if visit.rectification_required and (visit.rectification_deadline is None or visit.rectification_deadline < visit.on):
            raise Invalid("a rectification needs a deadline on or after the visit", field="rectificationDeadline")
        claim = replace(self, supervisions=(*self.supervisions, visit), updated_at=visit.at)
        event = claim._event(
            "claims.project.supervised.v1", visit.at, visit_id=visit.id, rectification_required=visit.rectification_required,
            rectification_deadline=visit.rectification_deadline.isoformat() if visit.rectification_deadline else None, actor=visit.recorded_by,
            changes=_added(f"supervisions.{visit.id}", on=visit.on, supervisor=visit.supervisor, findings=visit.findings,
                           rectification_required=visit.rectification_required, rectification_deadline=visit.rectification_deadline),
        )  # fmt: skip
        return claim, [event]

    def record_rectified(self, visit_id: str, rectified_on: date, *, at: datetime, actor: str = "claims") -> tuple[Claim, list[Event]]:
        """The required rectification was done: ``claims.project.rectified.v1`` (reminders of its deadline stop)."""
        visits = list(self.supervisions)
        index = next((i for i, visit in enumerate(visits) if visit.id == visit_id), None)
        if index is None:
            raise Invalid("no such supervision visit", field="visitId")
        visit = visits[index]
        if not visit.open_rectification:
            raise Invalid("this visit has no open rectification", field="visitId")
        check_past_date(rectified_on, at=at, field="rectifiedOn", not_before=visit.on, after_what="the visit")
        visits[index] = replace(visit, rectified_on=rectified_on)
        claim = replace(self, supervisions=tuple(visits), updated_at=at)
        changes = {f"supervisions.{visit_id}.rectified_on": {"old": None, "new": rectified_on.isoformat()}}
        event = claim._event(
            "claims.project.rectified.v1", at, visit_id=visit_id, rectified_on=rectified_on.isoformat(), actor=actor, changes=changes
        )
        return claim, [event]

    def report_progress(self, report: ProgressReport) -> tuple[Claim, list[Event]]:
        """The claimant reports how far it got, with photos and volunteer hours."""
        if self.status is not S.IMPLEMENTING:
            raise _not_now(self, "report progress on")
        raise_all(report_problems(report, self.progress_reports, started_at=self._started_at(), team_size=self.team_size))
        claim = replace(self, progress_reports=(*self.progress_reports, report), updated_at=report.at)
        event = claim._event(
            "claims.project.progress_reported.v1", report.at, report_id=report.id, percent=report.percent,
            volunteer_hours=report.volunteer_hours, actor=report.reported_by,
            changes=_added(f"progress_reports.{report.id}", percent=report.percent, narrative=report.narrative,
                           photo_urls=report.photo_urls, volunteer_hours=report.volunteer_hours),
        )  # fmt: skip
        return claim, [event]

    @property
    def team_size(self) -> int:
        """People named on the proposal's team (at least the claimant)."""
        return max(len(self.proposal.team), 1)

    def _started_at(self) -> datetime | None:
        return next((step.at for step in reversed(self.history) if step.action == "start_implementation"), None)

    def disburse(self, disbursement: Disbursement) -> tuple[Claim, list[Event]]:
        """Funds drawn; the total per source never exceeds the approved budget."""
        if self.status not in (S.TRAINING, S.IMPLEMENTING, S.COMPLETED):
            raise _not_now(self, "disburse funds to")
        line = check_lines([disbursement.line], field="disbursement")[0]
        check_past_date(disbursement.on, at=disbursement.at, field="on")
        approved = totals(self.proposal.budget).get(line.key, 0)
        drawn = self.disbursed.get(line.key, 0)
        if drawn + line.amount_fen > approved:
            raise Invalid(
                f"only {approved - drawn} fen of the approved budget is left from this source", field="amountFen", code="BUDGET_EXCEEDED"
            )
        claim = replace(self, disbursements=(*self.disbursements, disbursement), updated_at=disbursement.at)
        event = claim._event(
            "claims.project.funds_disbursed.v1", disbursement.at, disbursement_id=disbursement.id, amount_fen=line.amount_fen,
            fund_source=line.fund_source.value, source_name=line.source_name, on=disbursement.on.isoformat(), actor=disbursement.recorded_by,
            receipt_required=disbursement.receipt_required,
            changes=_added(f"disbursements.{disbursement.id}", fund_source=line.fund_source, source_name=line.source_name,
                           amount_fen=line.amount_fen, on=disbursement.on, purpose=disbursement.purpose,
                           receipt_required=disbursement.receipt_required),
        )  # fmt: skip
        return claim, [event]

    def receipt_attached(self, disbursement_id: str, evidence_id: str, *, at: datetime) -> Claim:
        """A receipt (发票) was attached to one of its disbursements: the first one attached settles it; the claim if nothing changed."""
        if not any(d.id == disbursement_id and d.receipt_id is None for d in self.disbursements):
            return self
        disbursements = tuple(replace(d, receipt_id=evidence_id) if d.id == disbursement_id else d for d in self.disbursements)
        return replace(self, disbursements=disbursements, updated_at=at)

    def complete(self, *, actor: str, at: datetime) -> tuple[Claim, list[Event]]:
        """The work is done; open rectifications must be closed and every required receipt attached first (结项票据齐全)."""
        if any(visit.open_rectification for visit in self.supervisions):
            raise Invalid("a supervision visit's rectification is still open", field="claimId", code="RECTIFICATION_OPEN")
        pending = [d.id for d in self.disbursements if d.receipt_pending]
        if pending:
            raise Invalid(
                f"{len(pending)} disbursement(s) still lack their receipt (发票); attach them first",
                field="claimId",
                code="RECEIPT_MISSING",
            )
        return self._move("complete", actor=actor, at=at, volunteer_hours=self.volunteer_hours)

    def evaluate(self, rubric: Rubric, summary: str, *, actor: str, at: datetime) -> tuple[Claim, list[Event]]:
        """总结评估: the rubric and a summary; the grade follows the documented rule."""
        checked = rubric.checked()
        score = overall_score(checked, self.ratings)
        evaluation = Evaluation(checked, _required(summary, "summary"), actor, at, score)
        changes = {
            **{f"evaluation.rubric.{name}": {"old": None, "new": value} for name, value in plain(checked).items()},
            "evaluation.summary": {"old": None, "new": evaluation.summary},
            "evaluation.score": {"old": None, "new": round(score * 20, 1)},
            "evaluation.grade": {"old": None, "new": grade_of(score).value},
        }  # beside the status and previous_status every transition carries
        claim, events = self._move(
            "evaluate", actor=actor, at=at, score=round(score * 20, 1), grade=grade_of(score).value, overall_score=score, changes=changes
        )
        return replace(claim, evaluation=evaluation), events

    def rate(self, rating: ResidentRating) -> tuple[Claim, list[Event]]:
        """A served resident's rating (one each) while the rating window is open: from completion until the evaluation.

        The evaluation takes the ratings into its overall score and freezes it, so a rating after
        it would change nothing anyone was told; it is refused (``RATING_CLOSED``).
        """
        if self.status is S.EVALUATED:
            raise Invalid("ratings closed with the summary evaluation", field="claimId", code="RATING_CLOSED")
        if self.status is not S.COMPLETED:
            raise _not_now(self, "rate")
        if not 1 <= rating.score <= 5:
            raise Invalid("ratings are from 1 to 5", field="score")
        if len(rating.comment) > 1_000:
            raise Invalid("the comment is longer than 1000 characters", field="comment")
        if any(existing.resident == rating.resident for existing in self.ratings):
            raise Invalid("you have rated this project already", field="claimId", code="ALREADY_RATED")
        claim = replace(self, ratings=(*self.ratings, rating), updated_at=rating.at)
        changes = {
            "rating_count": {"old": len(self.ratings), "new": len(claim.ratings)},
            "rating_score": {"old": None, "new": rating.score},
            "rating_comment": {"old": None, "new": rating.comment},
        }
        event = claim._event(
            "claims.project.rated.v1", rating.at, rating_score=rating.score, rating_count=len(claim.ratings), actor=rating.resident, changes=changes
        )  # fmt: skip
        return claim, [event]

    def snapshot(self) -> dict[str, Any]:
        """What every claims event carries (the contract needs and orgs consume)."""
        return {
            "claim_id": self.id,
            "item_id": self.item_id,
            "community_id": self.community_id,
            "organization_id": self.claimant.organization_id,
            "claimant_kind": self.claimant.kind.value,
            "status": self.status.value,
            "submitted_on": local_date(self.submitted_at).isoformat(),
        }

    def _move(self, action: str, *, actor: str, at: datetime, reason: str | None = None, **data: Any) -> tuple[Claim, list[Event]]:
        transition = CLAIM_MACHINE.move(self.status, action, actor=actor, at=at, reason=reason)
        claim = replace(
            self, status=transition.to_status, updated_at=at, history=(*self.history, transition), reason=reason if reason else self.reason
        )
        routing_key = ROUTING.get(action)
        if routing_key is None:
            return claim, []
        return claim, [claim._event(routing_key, at, **transition.to_data(), **data)]

    def _event(self, routing_key: str, at: datetime, **data: Any) -> Event:
        return new_event(
            routing_key, service=SERVICE, community=self.community_id, subject=self.id, time=at, data={**self.snapshot(), **data}
        )


def submit(
    *, claim_id: str, item_id: str, community_id: str, claimant: Claimant, proposal: Proposal, at: datetime
) -> tuple[Claim, list[Event]]:
    """A new claim (eligibility was checked against the item board and the organization card)."""
    claim = Claim(claim_id, item_id, community_id, claimant, proposal.checked(), S.SUBMITTED, at, at)
    event = claim._event("claims.claim.submitted.v1", at, budget=[line.to_data() for line in claim.proposal.budget], actor=claimant.subject)
    return claim, [event]


def _added(part: str, **values: Any) -> dict[str, dict[str, Any]]:
    """The changes of a part added to the claim (a visit, a report, a payment): each of its fields, new."""
    return {f"{part}.{name}": {"old": None, "new": plain(value)} for name, value in values.items()}


def _required(text: str, field_name: str) -> str:
    stripped = text.strip()
    if not stripped:
        raise Invalid(f"{field_name} must not be empty", field=field_name)
    if len(stripped) > 8_000:
        raise Invalid(f"{field_name} is longer than 8000 characters", field=field_name)
    return stripped


def _not_now(claim: Claim, action: str) -> Exception:
    return TransitionNotAllowed("claim", claim.status, action)
