"""Issue 15.10: residents have their own lists (needs, supports, claims, ratings), and may edit or
withdraw a need before review and take a support back — through the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.community import Community, community_platform


@pytest.fixture
async def community() -> AsyncIterator[Community]:
    async with community_platform() as running:
        yield running


NEED = "need { title status supportCount }"


async def test_a_resident_edits_and_withdraws_her_need_before_review_and_takes_support_back(community: Community) -> None:
    zhou, wu = community.resident("resident-zhou"), community.resident("resident-wu")
    submitted = await community.do("submitNeed", {"communityId": "c1", "title": "楼道灯坏了"}, "need { id }", as_=zhou)
    need_id = submitted["need"]["id"]
    other = (await community.do("submitNeed", {"communityId": "c1", "title": "健身器材生锈"}, "need { id }", as_=wu))["need"]["id"]

    by_neighbour = await community.attempt("reviseNeed", {"needId": need_id, "title": "冒名修改"}, NEED, as_=wu)
    revised = await community.do("reviseNeed", {"needId": need_id, "title": "3号楼楼道灯坏了", "location": "3号楼"}, NEED, as_=zhou)
    await community.do("supportNeed", {"needId": other}, as_=zhou)
    supports = await community.query("{ mySupports { totalCount edges { node { title } } } }", as_=zhou)
    taken_back = await community.do("withdrawSupport", {"needId": other}, NEED, as_=zhou)
    mine = await community.query("{ myNeeds { totalCount edges { node { title } } } }", as_=zhou)
    withdrawn = await community.do("withdrawNeed", {"needId": need_id, "reason": "物业已修好"}, NEED, as_=zhou)
    await community.do("startNeedReview", {"needId": other}, as_=community.staff)
    too_late = await community.attempt("withdrawNeed", {"needId": other}, NEED, as_=wu)

    assert by_neighbour["errors"][0]["code"] == "FORBIDDEN"
    assert revised["need"] == {"title": "3号楼楼道灯坏了", "status": "SUBMITTED", "supportCount": 0}
    assert supports["mySupports"] == {"totalCount": 1, "edges": [{"node": {"title": "健身器材生锈"}}]}
    assert taken_back["need"]["supportCount"] == 0
    assert mine["myNeeds"] == {"totalCount": 1, "edges": [{"node": {"title": "3号楼楼道灯坏了"}}]}
    assert withdrawn["need"]["status"] == "WITHDRAWN"
    assert too_late["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"


async def test_a_resident_lists_her_claims_and_ratings(community: Community) -> None:
    claimant, rater = community.resident("resident-claimant"), community.resident("resident-rater")
    item_id = await community.item()
    claim_id = (await community.do("submitClaim", {"itemId": item_id, "proposal": {"plan": "楼道清扫"}}, "claim { id }", as_=claimant))[
        "claim"
    ]["id"]
    await community.approve(await community.meeting(item_id), claim_id)
    await community.implement(claim_id, as_=claimant)
    await community.finish(claim_id, as_=claimant)
    await community.do("rateProject", {"claimId": claim_id, "score": 4, "comment": "干净了"}, as_=rater)

    claims = await community.query("{ myClaims { totalCount edges { node { id status } } } }", as_=claimant)
    ratings = await community.query("{ myRatings { score comment claim { id } } }", as_=rater)
    none = await community.query("{ myClaims { totalCount } myRatings { score } }", as_=community.resident("resident-nobody"))

    assert claims["myClaims"] == {"totalCount": 1, "edges": [{"node": {"id": claim_id, "status": "COMPLETED"}}]}
    assert ratings["myRatings"] == [{"score": 4, "comment": "干净了", "claim": {"id": claim_id}}]
    assert none == {"myClaims": {"totalCount": 0}, "myRatings": []}
