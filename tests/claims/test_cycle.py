"""A full cycle inside the service, from needs.item.published to claims.project.evaluated."""

from __future__ import annotations

from typing import Any

from services.common.identity import Role
from tests.claims.conftest import Claims, item_published

FULL = """query($id: ID!) { claim(id: $id) {
  status history { action toStatus } trainings { topic } supervisions { id rectificationRequired rectifiedOn }
  progressReports { percent volunteerHours } disbursed { fundSource amountFen } volunteerHours
  evaluation { overallScore grade rubric { innovation } } ratingCount averageRating meeting { id decisions { outcome } }
} }"""


async def test_from_published_item_to_evaluated_project(claims: Claims) -> None:
    claim_id = await claims.claim("o1")
    await claims.mutate("shortlistClaim", {"claimId": claim_id}, as_=claims.staff)
    meeting_id = await claims.meeting("i1")
    approved = await claims.decide(meeting_id, claim_id)
    assert approved["claim"]["status"] == "APPROVED"

    leader = claims.leader("o1")
    steps: list[tuple[str, dict[str, Any], str]] = [
        (
            "recordTraining",
            {"claimId": claim_id, "on": "2026-11-20", "topic": "项目管理", "trainer": "社区督导", "attendees": ["王秀兰"]},
            claims.staff,
        ),
        ("startImplementation", {"claimId": claim_id}, leader),
        (
            "recordSupervision",
            {
                "claimId": claim_id,
                "on": "2026-11-22",
                "findings": "台账不全",
                "rectificationRequired": True,
                "rectificationDeadline": "2026-11-30",
            },
            claims.staff,
        ),
        (
            "reportProgress",
            {
                "claimId": claim_id,
                "percent": 60,
                "narrative": "已办两次活动",
                "photoUrls": ["https://example.org/a.jpg"],
                "volunteerHours": 24,
            },
            leader,
        ),
        (
            "recordDisbursement",
            {
                "claimId": claim_id,
                "line": {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 40_000},
                "on": "2026-11-23",
                "purpose": "活动物资",
            },
            claims.staff,
        ),
    ]
    for name, input, as_ in steps:
        payload = await claims.mutate(name, input, as_=as_)
        assert payload["errors"] == [], (name, payload["errors"])

    blocked = await claims.mutate("completeProject", {"claimId": claim_id}, as_=leader)
    assert blocked["errors"][0]["code"] == "RECTIFICATION_OPEN"
    visit = (await claims.client.data(FULL, {"id": claim_id}, as_=claims.staff))["claim"]["supervisions"][0]["id"]
    await claims.mutate("recordRectification", {"claimId": claim_id, "visitId": visit, "rectifiedOn": "2026-11-25"}, as_=leader)
    await claims.mutate("reportProgress", {"claimId": claim_id, "percent": 100, "narrative": "全部完成", "volunteerHours": 16}, as_=leader)
    completed = await claims.mutate("completeProject", {"claimId": claim_id}, as_=leader)
    assert completed["claim"]["status"] == "COMPLETED"
    for index, score in enumerate((5, 4, 5)):
        rated = await claims.mutate(
            "rateProject",
            {"claimId": claim_id, "score": score, "comment": "好"},
            as_=claims.token(Role.RESIDENT, "c1", subject=f"served-{index}"),
        )
        assert rated["errors"] == []
    rubric = {"goalAchievement": 5, "residentSatisfaction": 4, "budgetUse": 4, "organizationalGrowth": 5, "innovation": 3}
    evaluated = await claims.mutate("evaluateProject", {"claimId": claim_id, "rubric": rubric, "summary": "效果良好"}, as_=claims.staff)
    assert evaluated["errors"] == []

    claim = (await claims.client.data(FULL, {"id": claim_id}, as_=claims.staff))["claim"]
    assert claim["status"] == "EVALUATED"
    assert [step["action"] for step in claim["history"]] == [
        "shortlist",
        "approve",
        "start_training",
        "start_implementation",
        "complete",
        "evaluate",
    ]
    assert claim["volunteerHours"] == 40.0
    assert claim["disbursed"] == [{"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 40_000}]
    # rubric mean 4.2, residents' mean 4.667: 0.7 × 4.2 + 0.3 × 4.667 = 4.34 → GOOD
    assert claim["evaluation"] == {"overallScore": 4.34, "grade": "GOOD", "rubric": {"innovation": 3}}
    assert (claim["ratingCount"], claim["averageRating"]) == (3, 4.67)
    assert claim["meeting"] == {"id": meeting_id, "decisions": [{"outcome": "APPROVED"}]}

    await claims.settle()
    keys = [event.routing_key for event in claims.published if event.subject == claim_id]
    assert keys == [
        "claims.claim.submitted.v1",
        "claims.claim.shortlisted.v1",
        "claims.claim.approved.v1",
        "claims.project.training_recorded.v1",
        "claims.project.started.v1",
        "claims.project.supervised.v1",
        "claims.project.progress_reported.v1",
        "claims.project.funds_disbursed.v1",
        "claims.project.rectified.v1",
        "claims.project.progress_reported.v1",
        "claims.project.completed.v1",
        *["claims.project.rated.v1"] * 3,
        "claims.project.evaluated.v1",
    ]
    evaluated_event = claims.of("claims.project.evaluated.v1")[0]
    assert evaluated_event.data["score"] == 86.8
    assert evaluated_event.data["grade"] == "good"
    assert evaluated_event.data["organization_id"] == "o1"
    assert evaluated_event.data["item_id"] == "i1"
    rectified = claims.of("claims.project.rectified.v1")[0].data
    assert (rectified["visit_id"], rectified["rectified_on"], rectified["actor"]) == (visit, "2026-11-25", "leader-o1")
    disbursed = claims.of("claims.project.funds_disbursed.v1")[0].data
    assert (disbursed["amount_fen"], disbursed["fund_source"]) == (40_000, "community_welfare_fund")
    assert claims.of("claims.project.progress_reported.v1")[0].data["volunteer_hours"] == 24


async def test_a_resident_claims_as_an_individual(claims: Claims) -> None:
    resident = claims.token(Role.RESIDENT, "c1", subject="resident-9")
    payload = await claims.mutate("submitClaim", {"itemId": "i1", "proposal": {"plan": "我来组织楼道清扫"}}, as_=resident)

    assert payload["errors"] == []
    assert payload["claim"]["claimant"] == {"kind": "RESIDENT", "name": "resident-9", "organizationId": None}


async def test_meetings_and_claims_are_listed_per_community(claims: Claims) -> None:
    await claims.feed(item_published("i2", slots=2))
    first = await claims.claim("o1", "i2")
    await claims.claim("o2", "i2")
    meeting_id = await claims.meeting("i2")
    await claims.decide(meeting_id, first)
    query = """{ _entities(representations: [{__typename: "Community", id: "c1"}, {__typename: "ServiceItem", id: "i2"}, {__typename: "Organization", id: "o1"}]) {
      ... on Community { claims { totalCount } meetings { edges { node { id agenda { itemId claims { status } } } } } }
      ... on ServiceItem { itemClaims: claims { status } slotsLeft }
      ... on Organization { claims { edges { node { itemId status } } } }
    } }"""

    community, item, organization = (await claims.client.data(query, as_=claims.staff))["_entities"]

    assert community["claims"]["totalCount"] == 2
    assert community["meetings"]["edges"][0]["node"]["agenda"] == [
        {"itemId": "i2", "claims": [{"status": "APPROVED"}, {"status": "SUBMITTED"}]}
    ]
    assert item == {"itemClaims": [{"status": "APPROVED"}, {"status": "SUBMITTED"}], "slotsLeft": 1}
    assert organization["claims"]["edges"] == [{"node": {"itemId": "i2", "status": "APPROVED"}}]


async def test_concluding_a_meeting_announces_its_decisions(claims: Claims) -> None:
    claim_id = await claims.claim("o1")
    meeting_id = await claims.meeting("i1")
    await claims.decide(meeting_id, claim_id)

    concluded = await claims.mutate(
        "concludeMeeting", {"meetingId": meeting_id, "minutes": "通过夕阳天使的认领"}, "meeting { status minutes }", as_=claims.staff
    )
    again = await claims.decide(meeting_id, claim_id)

    assert concluded["meeting"] == {"status": "CONCLUDED", "minutes": "通过夕阳天使的认领"}
    assert again["errors"][0]["__typename"] in ("TransitionNotAllowedError", "InvalidInputError")
    await claims.settle()
    assert claims.of("claims.meeting.scheduled.v1")[0].data["item_ids"] == ["i1"]
    assert claims.of("claims.meeting.concluded.v1")[0].data["decisions"] == [{"claim_id": claim_id, "item_id": "i1", "outcome": "approved"}]
