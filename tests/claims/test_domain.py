"""The claims domain: every transition, the grade rule, disbursement limits, meetings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.claims.domain import (
    CLAIM_MACHINE,
    Attendee,
    AttendeeRole,
    BudgetLine,
    Claim,
    Claimant,
    ClaimantKind,
    ClaimStatus,
    Decision,
    DecisionOutcome,
    Disbursement,
    FundSource,
    Grade,
    MeetingPlan,
    MeetingStatus,
    Proposal,
    ResidentRating,
    Rubric,
    TrainingSession,
    grade_of,
    overall_score,
    schedule,
    submit,
)
from services.common.domain import Invalid, TransitionNotAllowed
from services.common.events import Event

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
S = ClaimStatus


def claim(status: ClaimStatus = S.SUBMITTED, **changes: object) -> Claim:
    proposal = Proposal("每月两次活动", budget=(BudgetLine(FundSource.COMMUNITY_WELFARE_FUND, 60_000),))
    submitted, _ = submit(
        claim_id="k1",
        item_id="i1",
        community_id="c1",
        claimant=Claimant(ClaimantKind.SOCIAL_ORGANIZATION, "leader", "o1", "夕阳天使"),
        proposal=proposal,
        at=NOW,
    )
    return replace(submitted, status=status, **changes)  # type: ignore[arg-type]


ACTIONS: dict[str, Callable[[Claim], tuple[Claim, list[Event]]]] = {
    "shortlist": lambda c: c.shortlist(actor="s", at=NOW),
    "approve": lambda c: c.approve(meeting_id="m1", actor="s", at=NOW),
    "reject": lambda c: c.reject("不符合", meeting_id="m1", actor="s", at=NOW),
    "withdraw": lambda c: c.withdraw("", actor="l", at=NOW),
    "start_implementation": lambda c: c.start_implementation(actor="l", at=NOW),
    "complete": lambda c: c.complete(actor="l", at=NOW),
    "evaluate": lambda c: c.evaluate(Rubric(4, 4, 4, 4, 4), "好", actor="s", at=NOW),
    "terminate": lambda c: c.terminate("违规", actor="s", at=NOW),
}
TRAINED = (TrainingSession("t1", date(2026, 11, 20), "培训", "督导", (), "s", NOW),)


def test_the_table_is_exactly_the_documented_one() -> None:
    table = {(action, status) for action, moves in CLAIM_MACHINE.table.items() for status in moves}
    assert table == {
        ("shortlist", S.SUBMITTED),
        *{(action, status) for action in ("approve", "reject", "withdraw") for status in (S.SUBMITTED, S.SHORTLISTED)},
        ("start_training", S.APPROVED),
        ("start_implementation", S.TRAINING),
        ("complete", S.IMPLEMENTING),
        ("evaluate", S.COMPLETED),
        *{("terminate", status) for status in (S.APPROVED, S.TRAINING, S.IMPLEMENTING, S.COMPLETED)},
    }


@pytest.mark.parametrize("status", list(ClaimStatus), ids=lambda s: s.value)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_from_every_status(action: str, status: ClaimStatus) -> None:
    before = claim(status, trainings=TRAINED)
    if not CLAIM_MACHINE.allows(status, action):
        with pytest.raises(TransitionNotAllowed):
            ACTIONS[action](before)
        return
    after, events = ACTIONS[action](before)
    assert after.status is CLAIM_MACHINE.target(status, action)
    assert after.history[-1].action == action
    assert events[0].data["claim_id"] == "k1"
    assert events[0].data["status"] == after.status.value


def test_the_first_training_starts_training_and_implementation_needs_one() -> None:
    with pytest.raises(Invalid) as untrained:
        claim(S.TRAINING).start_implementation(actor="l", at=NOW)
    assert untrained.value.code == "TRAINING_REQUIRED"
    trained, events = claim(S.APPROVED).record_training(TrainingSession("t1", date(2026, 11, 20), "项目管理", "督导", ("王",), "s", NOW))
    assert trained.status is S.TRAINING
    assert [event.routing_key for event in events] == ["claims.project.training_recorded.v1"]


def test_disbursements_stay_within_the_approved_budget_per_source() -> None:
    current = claim(S.IMPLEMENTING)

    def pay(amount: int, source: FundSource = FundSource.COMMUNITY_WELFARE_FUND) -> Disbursement:
        return Disbursement("d", BudgetLine(source, amount), date(2026, 11, 21), "物资", "s", NOW)

    current, _ = current.disburse(pay(50_000))
    with pytest.raises(Invalid) as over:
        current.disburse(pay(10_001))
    assert over.value.code == "BUDGET_EXCEEDED"
    with pytest.raises(Invalid):
        current.disburse(pay(1, FundSource.PARTY_SERVICE_FUND))
    current, _ = current.disburse(pay(10_000))
    assert current.disbursed == {"community_welfare_fund": 60_000}
    with pytest.raises(TransitionNotAllowed):
        claim(S.APPROVED).disburse(pay(1))


@pytest.mark.parametrize(
    ("rubric", "ratings", "score", "grade"),
    [
        (Rubric(5, 5, 5, 5, 5), [], 5.0, Grade.EXCELLENT),
        (Rubric(5, 5, 4, 4, 4), [5, 5], 4.58, Grade.EXCELLENT),
        (Rubric(4, 4, 3, 3, 3), [], 3.4, Grade.PASS),
        (Rubric(4, 4, 3, 3, 3), [5, 5, 5], 3.88, Grade.GOOD),
        (Rubric(2, 2, 2, 3, 2), [1], 1.84, Grade.FAIL),
    ],
)
def test_the_grade_rule(rubric: Rubric, ratings: list[int], score: float, grade: Grade) -> None:
    rated = [ResidentRating(f"r{index}", value, "", NOW) for index, value in enumerate(ratings)]
    assert overall_score(rubric, rated) == score
    assert grade_of(score) is grade


def test_rubric_scores_and_ratings_are_one_to_five_and_one_rating_each() -> None:
    with pytest.raises(Invalid) as bad:
        claim(S.COMPLETED).evaluate(Rubric(6, 4, 4, 4, 4), "x", actor="s", at=NOW)
    assert bad.value.field == "rubric.goalAchievement"
    rated, _ = claim(S.COMPLETED).rate(ResidentRating("r1", 5, "", NOW))
    with pytest.raises(Invalid) as twice:
        rated.rate(ResidentRating("r1", 4, "", NOW))
    assert twice.value.code == "ALREADY_RATED"
    with pytest.raises(Invalid):
        rated.rate(ResidentRating("r2", 0, "", NOW))
    with pytest.raises(TransitionNotAllowed):
        claim(S.IMPLEMENTING).rate(ResidentRating("r3", 5, "", NOW))


def test_progress_never_goes_backwards_and_photos_are_urls() -> None:
    from services.claims.domain import ProgressReport

    current, _ = claim(S.IMPLEMENTING).report_progress(ProgressReport("p1", 50, "过半", (), 10, "l", NOW))
    with pytest.raises(Invalid):
        current.report_progress(ProgressReport("p2", 40, "倒退", (), 0, "l", NOW))
    with pytest.raises(Invalid) as url:
        current.report_progress(ProgressReport("p2", 60, "x", ("javascript:alert(1)",), 0, "l", NOW))
    assert url.value.field == "photoUrls.0"


def test_meetings_decide_claims_of_their_agenda_once_and_conclude_with_minutes() -> None:
    plan = MeetingPlan("c1", NOW + timedelta(days=3), "活动室", ("i1",), (Attendee("居民代表", AttendeeRole.RESIDENT_REPRESENTATIVE),))
    meeting, events = schedule(plan, meeting_id="m1", actor="s", at=NOW)
    assert events[0].routing_key == "claims.meeting.scheduled.v1"
    decided = meeting.decide(Decision("k1", "i1", DecisionOutcome.APPROVED, "", "s", NOW))
    with pytest.raises(Invalid):
        decided.decide(Decision("k1", "i1", DecisionOutcome.REJECTED, "", "s", NOW))
    with pytest.raises(Invalid) as off_agenda:
        decided.decide(Decision("k2", "i9", DecisionOutcome.APPROVED, "", "s", NOW))
    assert off_agenda.value.code == "NOT_ON_AGENDA"
    with pytest.raises(Invalid):
        decided.conclude(" ", actor="s", at=NOW)
    concluded, events = decided.conclude("通过", actor="s", at=NOW)
    assert concluded.status is MeetingStatus.CONCLUDED
    assert events[0].data["decisions"] == [{"claim_id": "k1", "item_id": "i1", "outcome": "approved"}]
    with pytest.raises(TransitionNotAllowed):
        concluded.decide(Decision("k3", "i1", DecisionOutcome.APPROVED, "", "s", NOW))
    with pytest.raises(Invalid):
        decided.cancel("改期", actor="s", at=NOW)
    with pytest.raises(Invalid):
        schedule(replace(plan, agenda=()), meeting_id="m2", actor="s", at=NOW)
