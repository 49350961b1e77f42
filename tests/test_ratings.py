"""Issue 15.3: honest ratings. Only residents of the community who are neither the claimant nor its
members rate, once each, from completion until the summary evaluation; the evaluation freezes the
score, so the claim, the evaluated event and the organization's track record tell the same figure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.common.identity import Role
from tests.community import Community, community_platform

TEAM: dict[str, Any] = {"leader": {"name": "郑卫东", "account": "zheng"}, "members": [{"name": "何静", "account": "he"}]}


@pytest.fixture
async def community() -> AsyncIterator[Community]:
    async with community_platform() as running:
        yield running


async def _rate(community: Community, claim_id: str, score: int, *, as_: str) -> dict[str, Any]:
    return await community.attempt("rateProject", {"claimId": claim_id, "score": score, "comment": "好"}, "claim { ratingCount }", as_=as_)


def _code(payload: dict[str, Any]) -> str:
    errors = payload["errors"]
    assert errors, payload
    return str(errors[0]["code"])


async def test_only_residents_who_were_served_rate_once_while_the_window_is_open(community: Community) -> None:
    organization_id = await community.organization("掌上明珠摄影队", **TEAM)
    item_id = await community.item()
    leader = community.token("zheng", Role.ORG_LEADER, organization=organization_id)
    claim_id = await community.claim(item_id, organization_id, as_=leader)
    await community.approve(await community.meeting(item_id), claim_id)
    await community.implement(claim_id, as_=leader)
    early = await _rate(community, claim_id, 5, as_=community.resident("early-bird"))
    await community.finish(claim_id, as_=leader)

    own_leader = await _rate(community, claim_id, 5, as_=community.resident("zheng"))
    own_member = await _rate(community, claim_id, 5, as_=community.resident("he"))
    outsider = await _rate(community, claim_id, 1, as_=community.token("far-away", Role.RESIDENT, communities=("c9",)))
    staff = await _rate(community, claim_id, 5, as_=community.staff)
    first = await _rate(community, claim_id, 3, as_=community.resident("served-1"))
    twice = await _rate(community, claim_id, 1, as_=community.resident("served-1"))
    second = await _rate(community, claim_id, 4, as_=community.resident("served-2"))
    evaluation = await community.evaluate(claim_id)
    late = await _rate(community, claim_id, 1, as_=community.resident("served-3"))
    after = await community.query(
        "query($id: ID!) { claim(id: $id) { ratingCount averageRating evaluation { overallScore grade } } }", {"id": claim_id}
    )
    record = await community.query("query($id: ID!) { organization(id: $id) { trackRecord { averageScore } } }", {"id": organization_id})

    assert _code(early) == "TRANSITION_NOT_ALLOWED"
    assert (_code(own_leader), _code(own_member), _code(staff)) == ("FORBIDDEN", "FORBIDDEN", "FORBIDDEN")
    assert _code(outsider) in ("FORBIDDEN", "NOT_FOUND")
    assert (first["errors"], second["errors"]) == ([], [])
    assert _code(twice) == "ALREADY_RATED"
    assert _code(late) == "RATING_CLOSED"
    # rubric mean 4.2, residents' mean 3.5: 0.7 × 4.2 + 0.3 × 3.5 = 3.99
    assert evaluation == {"overallScore": 3.99, "grade": "GOOD"}
    assert after["claim"] == {"ratingCount": 2, "averageRating": 3.5, "evaluation": evaluation}
    assert record["organization"]["trackRecord"]["averageScore"] == 3.99  # one scale everywhere (1–5)


async def test_a_resident_claimant_does_not_rate_her_own_work(community: Community) -> None:
    item_id = await community.item()
    resident = community.resident("resident-claimant")
    payload = await community.do("submitClaim", {"itemId": item_id, "proposal": {"plan": "我来组织楼道清扫"}}, "claim { id }", as_=resident)
    claim_id = payload["claim"]["id"]
    await community.approve(await community.meeting(item_id), claim_id)
    await community.implement(claim_id, as_=resident)
    await community.finish(claim_id, as_=resident)

    own = await _rate(community, claim_id, 5, as_=resident)

    assert _code(own) == "FORBIDDEN"
