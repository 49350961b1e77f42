"""Issue 15.8: district figures that answer questions — through the gateway.

Every statistic takes a period; needs are counted open, planned and closed per category; the
budgets of published items (planned) and of claims (approved, disbursed) are totalled per fund
source and per category; every status,
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
  fundsDisbursed { fundSource amountFen } fundsApprovedByCategory { category amountFen }
  fundsDisbursedByCategory { category amountFen } volunteerHours averageScore } } }"""


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

    own = await community.query(
        "query($id: ID!) { organization(id: $id) { claimStats { fundsDisbursedByCategory { category amountFen } } } }",
        {"id": organization_id},
        as_=community.admin,
    )
    own_by_category = own["organization"]["claimStats"]["fundsDisbursedByCategory"]
    assert _nonzero(own_by_category, "category", "amountFen") == {"BLUE_GUARD": 80_000}  # the organization's own record too
    notice = await community.query(
        '{ publicNotice(communityId: "c1") { items { category claims { score } } totals { fundSource disbursedFen } } }'
    )
    (disclosed,) = [item for item in notice["publicNotice"]["items"] if item["claims"]]
    assert disclosed["category"] == "BLUE_GUARD"
    assert disclosed["claims"][0]["score"] == evaluation["overallScore"]  # the public notice speaks the same 1–5 scale
    assert {"fundSource": "PARTY_SERVICE_FUND", "disbursedFen": 80_000} in notice["publicNotice"]["totals"]

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
    approved_total = sum(row["amountFen"] for row in claims_all["fundsApproved"])
    assert approved_total > 0
    assert len(claims_all["fundsApprovedByCategory"]) == len(claims_all["fundsDisbursedByCategory"]) == 6  # every category
    assert _nonzero(claims_all["fundsApprovedByCategory"], "category", "amountFen") == {"BLUE_GUARD": approved_total}
    by_category_2026 = spent_2026["district"]["claimStats"]["fundsDisbursedByCategory"]
    assert _nonzero(by_category_2026, "category", "amountFen") == {"BLUE_GUARD": 80_000}
    assert not _nonzero(spent_2025["district"]["claimStats"]["fundsDisbursedByCategory"], "category", "amountFen")
    assert backwards["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert claims_all["averageScore"] == evaluation["overallScore"] == record["organization"]["trackRecord"]["averageScore"]
    assert record["organization"]["trackRecord"]["fundsReceived"][0] == {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 80_000}


SCHEMA = """{ __schema { types { name fields { name description type { ...named } } inputFields { name description type { ...named } } } } }
fragment named on __Type { name ofType { name ofType { name ofType { name } } } }"""
NOT_EVALUATIONS = {"SimilarNeed.score", "MatchSuggestion.score"}
"""Scores that rank search results, not a project's evaluation (similarity 0–1, a match's fit)."""


def _named(type_: dict[str, Any]) -> str:
    while type_.get("ofType"):
        type_ = type_["ofType"]
    return str(type_["name"])


async def test_one_fund_source_enum_one_category_enum_and_one_score_scale_across_the_graph(community: Community) -> None:
    schema = (await community.query(SCHEMA, as_=community.admin))["__schema"]
    fields = [
        (f"{type_['name']}.{field['name']}", _named(field["type"]), field["description"] or "")
        for type_ in schema["types"]
        if not type_["name"].startswith("__")
        for field in (type_["fields"] or []) + (type_["inputFields"] or [])
    ]
    funds = {name: named for name, named, _ in fields if name.endswith(".fundSource")}
    categories = {name: named for name, named, _ in fields if name.split(".")[1] in ("category", "categories")}
    scores = {name for name, _, _ in fields if "score" in name.split(".")[1].lower()} - NOT_EVALUATIONS
    described = {name: description for name, _, description in fields}

    assert {"PublicAmount.fundSource", "PublicFundTotals.fundSource", "FundTotal.fundSource", "BudgetLineInput.fundSource"} <= set(funds)
    assert set(funds.values()) == {"FundSource"}
    assert {"PublicServiceItem.category", "CategoryTotal.category", "SubmitNeedInput.category"} <= set(categories)
    assert set(categories.values()) == {"Category"}
    assert {"PublicClaim.score", "ClaimStats.averageScore", "TrackRecord.averageScore", "ClaimEvaluation.overallScore"} <= scores
    assert all("1–5" in described[name] for name in scores), {name: described[name] for name in scores}
    assert not [name for name, _, description in fields if "score" in description.lower() and "0–100" in description]
