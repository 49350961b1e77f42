"""Role checks (staff decide and supervise, the claimant reports, residents rate) and statistics."""

from __future__ import annotations

from services.claims.domain import ClaimStatus
from services.common.identity import Role
from services.common.vocabulary import FundSource
from tests.claims.conftest import Claims, item_published, organization_registered, place

ALL_STATUSES = [status.name for status in ClaimStatus]


def _sources(**amounts: int) -> list[dict[str, object]]:
    """Every fund source in enum order, zero where nothing was counted."""
    return [{"fundSource": source.name, "amountFen": amounts.get(source.name, 0)} for source in FundSource]


async def test_only_staff_decide_and_supervise_and_only_the_claimant_reports(claims: Claims) -> None:
    claim_id = await claims.claim("o1")
    meeting_id = await claims.meeting("i1")
    resident = claims.token(Role.RESIDENT, "c1")
    other_leader = claims.leader("o2")

    by_resident = await claims.mutate("decideClaim", {"meetingId": meeting_id, "claimId": claim_id, "outcome": "APPROVED"}, as_=resident)
    withdrawn_by_other = await claims.mutate("withdrawClaim", {"claimId": claim_id}, as_=other_leader)
    assert by_resident["errors"][0]["__typename"] == "ForbiddenError"
    assert withdrawn_by_other["errors"][0]["__typename"] == "ForbiddenError"

    await claims.decide(meeting_id, claim_id)
    training = await claims.mutate("recordTraining", {"claimId": claim_id, "on": "2026-11-20", "topic": "培训"}, as_=claims.leader("o1"))
    assert training["errors"][0]["__typename"] == "ForbiddenError"
    await claims.mutate("recordTraining", {"claimId": claim_id, "on": "2026-11-20", "topic": "培训"}, as_=claims.staff)
    await claims.mutate("startImplementation", {"claimId": claim_id}, as_=claims.leader("o1"))
    progress_by_other = await claims.mutate("reportProgress", {"claimId": claim_id, "percent": 10, "narrative": "x"}, as_=other_leader)
    rating_by_staff = await claims.mutate("rateProject", {"claimId": claim_id, "score": 5}, as_=claims.staff)

    assert progress_by_other["errors"][0]["__typename"] == "ForbiddenError"
    assert rating_by_staff["errors"][0]["__typename"] == "ForbiddenError"


async def test_another_communitys_staff_cannot_see_or_touch_claims(claims: Claims) -> None:
    claim_id = await claims.claim("o1")
    outsider = claims.token(Role.COMMUNITY_STAFF, "c2")

    seen = await claims.client.data(f'{{ claim(id: "{claim_id}") {{ id }} claims {{ totalCount }} }}', as_=outsider)
    shortlisted = await claims.mutate("shortlistClaim", {"claimId": claim_id}, as_=outsider)
    scheduled = await claims.mutate(
        "scheduleMeeting",
        {"communityId": "c1", "scheduledAt": "2026-12-05T19:00:00+08:00", "venue": "x", "agenda": ["i1"]},
        "meeting { id }",
        as_=outsider,
    )
    forbidden_list = await claims.client.post('{ claims(filter: {communityIds: ["c1"]}) { totalCount } }', as_=outsider)

    assert seen == {"claim": None, "claims": {"totalCount": 0}}
    assert shortlisted["errors"][0]["__typename"] == "NotFoundError"
    assert scheduled["errors"][0]["__typename"] == "ForbiddenError"
    assert forbidden_list["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_statistics_per_community_street_and_district_match_hand_counts(claims: Claims) -> None:
    await claims.feed(
        place("c3", "s1", "d1"),
        item_published("i3", community="c3"),
        organization_registered("o3", community="c3"),
        item_published("i2", slots=2),
    )
    first = await claims.approved("o1", "i1")
    await claims.claim("o2", "i2")
    staff3 = claims.token(Role.COMMUNITY_STAFF, "c3")
    leader3 = claims.token(Role.ORG_LEADER, "c3", organization="o3")
    submitted = await claims.mutate(
        "submitClaim",
        {
            "itemId": "i3",
            "organizationId": "o3",
            "proposal": {"plan": "x", "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 20_000}]},
        },
        as_=leader3,
    )
    third = submitted["claim"]["id"]
    meeting = await claims.mutate(
        "scheduleMeeting",
        {"communityId": "c3", "scheduledAt": "2026-12-05T19:00:00+08:00", "venue": "x", "agenda": ["i3"]},
        "meeting { id }",
        as_=staff3,
    )
    await claims.mutate("decideClaim", {"meetingId": meeting["meeting"]["id"], "claimId": third, "outcome": "APPROVED"}, as_=staff3)
    await claims.mutate("recordTraining", {"claimId": first, "on": "2026-11-20", "topic": "培训"}, as_=claims.staff)
    await claims.mutate("startImplementation", {"claimId": first}, as_=claims.leader("o1"))
    await claims.mutate(
        "reportProgress", {"claimId": first, "percent": 100, "narrative": "完成", "volunteerHours": 30}, as_=claims.leader("o1")
    )
    await claims.mutate(
        "recordDisbursement",
        {"claimId": first, "line": {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 25_000}, "on": "2026-11-21"},
        as_=claims.staff,
    )
    await claims.mutate("completeProject", {"claimId": first}, as_=claims.leader("o1"))
    await claims.mutate(
        "evaluateProject",
        {
            "claimId": first,
            "rubric": {"goalAchievement": 5, "residentSatisfaction": 4, "budgetUse": 4, "organizationalGrowth": 4, "innovation": 3},
            "summary": "好",
        },
        as_=claims.staff,
    )
    stats = "claimStats { communities total byStatus { status count } projectsCompleted fundsApproved { fundSource amountFen } fundsDisbursed { fundSource amountFen } volunteerHours averageScore }"
    query = f"""{{ _entities(representations: [{{__typename: "Community", id: "c1"}}, {{__typename: "Street", id: "s1"}}, {{__typename: "District", id: "d1"}}]) {{
      ... on Community {{ {stats} }} ... on Street {{ {stats} }} ... on District {{ {stats} }} }} }}"""
    admin = claims.token(Role.DISTRICT_ADMIN, districts=("d1",))
    await claims.settle()  # the statistics follow the events

    community, street, district = [row["claimStats"] for row in (await claims.client.data(query, as_=admin))["_entities"]]

    assert community == {
        "communities": 1,
        "total": 2,
        "byStatus": [{"status": status, "count": {"SUBMITTED": 1, "EVALUATED": 1}.get(status, 0)} for status in ALL_STATUSES],
        "projectsCompleted": 1,
        "fundsApproved": _sources(COMMUNITY_WELFARE_FUND=60_000),
        "fundsDisbursed": _sources(COMMUNITY_WELFARE_FUND=25_000),
        "volunteerHours": 30.0,
        "averageScore": 4.0,
    }
    assert street["communities"] == 2
    assert street["total"] == 3
    assert street["fundsApproved"] == _sources(COMMUNITY_WELFARE_FUND=60_000, PARTY_SERVICE_FUND=20_000)
    assert district == {**street, "communities": 3}
