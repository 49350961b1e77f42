"""Issue 15.2 and 15.4: one rule for who acts for a claimant, and authority that follows the person.

Through the gateway: a partner NGO that claims an item carries its claim out itself; after a
leadership handover the former leader can no longer act for the organization, while the new
leader and the members of the three-person management group (三人管理小组) can.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.common.identity import Role
from tests.community import Community, community_platform


@pytest.fixture
async def community() -> AsyncIterator[Community]:
    async with community_platform() as running:
        yield running


async def test_a_partner_ngo_carries_out_its_own_claim(community: Community) -> None:
    partner_org = await community.organization("福寿百年养老服务中心", kind="PARTNER_ORGANIZATION")
    partner = community.token("partner-fushou", Role.PARTNER, organization=partner_org, communities=())
    item_id = await community.item()
    claim_id = await community.claim(item_id, partner_org, as_=partner)
    await community.approve(await community.meeting(item_id), claim_id)

    await community.implement(claim_id, as_=partner)
    progress = await community.attempt(
        "reportProgress",
        {"claimId": claim_id, "percent": 50, "narrative": "探访一半", "volunteerHours": 4},
        "claim { status }",
        as_=partner,
    )
    completed = await community.attempt("completeProject", {"claimId": claim_id}, "claim { status }", as_=partner)
    other_partner = community.token("partner-other", Role.PARTNER, organization="org-elsewhere", communities=())
    stranger = await community.attempt(
        "reportProgress", {"claimId": claim_id, "percent": 60, "narrative": "冒充", "volunteerHours": 1}, as_=other_partner
    )

    assert progress == {"claim": {"status": "IMPLEMENTING"}, "errors": []}
    assert completed == {"claim": {"status": "COMPLETED"}, "errors": []}
    assert stranger["errors"][0]["code"] in ("FORBIDDEN", "NOT_FOUND")
