"""Issue 15.8: district figures that answer questions — through the gateway.

Every statistic takes a period; needs are counted open, planned and closed per category; the
budgets of published items are totalled per fund source and per category; every status,
category and fund source is listed (zero included); fund sources are the input enum; and one
score scale (1–5) is used by the evaluation, the claims statistics and the track record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.community import Community, community_platform

NEED_STATS = """query($period: PeriodInput) { district(id: "d1") { needStats(period: $period) {
  total byStatus { status count } byCategory { category count open planned closed }
  plannedFen plannedBySource { fundSource amountFen } plannedByCategory { category amountFen } } } }"""
CLAIM_STATS = """query($period: PeriodInput) { district(id: "d1") { claimStats(period: $period) {
  total byStatus { status count } projectsCompleted fundsApproved { fundSource amountFen }
  fundsDisbursed { fundSource amountFen } volunteerHours averageScore } } }"""


@pytest.fixture
async def community() -> AsyncIterator[Community]:
    async with community_platform() as running:
        yield running


def _nonzero(rows: list[dict[str, Any]], key: str, value: str = "count") -> dict[str, Any]:
    return {row[key]: row[value] for row in rows if row[value]}


async def test_statistics_have_periods_zero_buckets_one_enum_and_one_scale(community: Community) -> None:
    resident = community.resident("resident-stats")
    for title in ("四点半课堂", "周末读书会"):
        await community.do("submitNeed", {"communityId": "c1", "title": title, "category": "RED_CLASSROOM"}, as_=resident)
    needs = await community.query('{ needs(filter: {text: "读书会"}) { edges { node { id } } } }')
    await community.do("rejectNeed", {"needId": needs["needs"]["edges"][0]["node"]["id"], "reason": "已有类似活动"}, as_=community.staff)
    item_id = await community.item()  # a BLUE_GUARD need, planned; 3000 yuan from the party fund
    organization_id = await community.organization("夕阳天使志愿服务队")
    leader = community.leader(organization_id)
    claim_id = await community.claim(item_id, organization_id)
    await community.approve(await community.meeting(item_id), claim_id)
    await community.implement(claim_id, as_=leader)
    line = {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 80_000}
    await community.do(
        "recordDisbursement", {"claimId": claim_id, "line": line, "on": "2026-11-23", "purpose": "物资"}, as_=community.staff
    )
    await community.finish(claim_id, as_=leader)
    evaluation = await community.evaluate(claim_id)

    needs_now = (await community.query(NEED_STATS, as_=community.admin))["district"]["needStats"]
    needs_before = (await community.query(NEED_STATS, {"period": {"to": "2025-12-31"}}, as_=community.admin))["district"]["needStats"]
    claims_all = (await community.query(CLAIM_STATS, as_=community.admin))["district"]["claimStats"]
    spent_2026 = await community.query(CLAIM_STATS, {"period": {"from": "2026-01-01", "to": "2026-12-31"}}, as_=community.admin)
    spent_2025 = await community.query(CLAIM_STATS, {"period": {"from": "2025-01-01", "to": "2025-12-31"}}, as_=community.admin)
    backwards = await community.client.post(CLAIM_STATS, {"period": {"from": "2026-02-01", "to": "2026-01-01"}}, as_=community.admin)
    record = await community.query(
        "query($id: ID!) { organization(id: $id) { trackRecord { averageScore fundsReceived { fundSource amountFen } } } }",
        {"id": organization_id},
    )

    red = next(row for row in needs_now["byCategory"] if row["category"] == "RED_CLASSROOM")
    assert red == {"category": "RED_CLASSROOM", "count": 2, "open": 1, "planned": 0, "closed": 1}
    assert (len(needs_now["byCategory"]), len(needs_now["byStatus"])) == (6, 8)
    assert _nonzero(needs_now["byStatus"], "status") == {"SUBMITTED": 1, "REJECTED": 1, "RESOLVED": 1}
    assert needs_now["plannedFen"] == 300_000
    assert needs_now["plannedBySource"] == [
        {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 300_000},
        {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 0},
        {"fundSource": "OTHER", "amountFen": 0},
    ]
    assert _nonzero(needs_now["plannedByCategory"], "category", "amountFen") == {"BLUE_GUARD": 300_000}
    assert (needs_before["total"], needs_before["plannedFen"], len(needs_before["byCategory"])) == (0, 0, 6)

    assert _nonzero(claims_all["byStatus"], "status") == {"EVALUATED": 1}
    assert len(claims_all["byStatus"]) == len({row["status"] for row in claims_all["byStatus"]}) >= 10
    disbursed_2026 = spent_2026["district"]["claimStats"]["fundsDisbursed"]
    assert disbursed_2026[0] == {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 80_000}
    assert spent_2025["district"]["claimStats"]["fundsDisbursed"][0] == {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 0}
    assert spent_2025["district"]["claimStats"]["total"] == 0
    assert backwards["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert claims_all["averageScore"] == evaluation["overallScore"] == record["organization"]["trackRecord"]["averageScore"]
    assert record["organization"]["trackRecord"]["fundsReceived"][0] == {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 80_000}
