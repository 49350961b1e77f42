"""Issue 15.2 and 15.4: one rule for who acts for a claimant, and authority that follows the person.

Through the gateway: a partner NGO that claims an item carries its claim out itself; after a
leadership handover the former leader can no longer act for the organization, while the new
leader and the members of the three-person management group (三人管理小组) can.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

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


TEAM: dict[str, Any] = {
    "leader": {"name": "王秀兰", "account": "wang"},
    "members": [
        {"name": "李建国", "account": "li", "inManagementGroup": True},
        {"name": "张桂芬", "account": "zhang", "inManagementGroup": True},
        {"name": "赵大爷", "account": "zhao", "inManagementGroup": True},
        {"name": "孙阿姨", "account": "sun"},
    ],
}


def _person(community: Community, account: str, organization_id: str) -> str:
    """The token of a person of the organization, acting as its leader would."""
    return community.token(account, Role.ORG_LEADER, organization=organization_id)


async def _rename(community: Community, organization_id: str, name: str, *, as_: str) -> dict[str, Any]:
    return await community.attempt(
        "updateOrganizationProfile",
        {"organizationId": organization_id, "name": name, "purpose": "PUBLIC_WELFARE"},
        "organization { name }",
        as_=as_,
    )


async def test_a_handover_moves_authority_to_the_new_leader_and_the_management_group(community: Community) -> None:
    organization_id = await community.organization("夕阳天使志愿服务队", **TEAM)
    item_id = await community.item()
    claim_id = await community.claim(item_id, organization_id, as_=_person(community, "wang", organization_id))
    await community.approve(await community.meeting(item_id), claim_id)
    await community.do("recordTraining", {"claimId": claim_id, "on": "2026-11-20", "topic": "安全"}, as_=community.staff)
    members = await community.query("query($id: ID!) { organization(id: $id) { members { id name } } }", {"id": organization_id})
    li = next(m["id"] for m in members["organization"]["members"] if m["name"] == "李建国")

    before = await _rename(community, organization_id, "夕阳天使志愿服务队（一）", as_=_person(community, "wang", organization_id))
    plain_member = await _rename(community, organization_id, "孙阿姨的队", as_=_person(community, "sun", organization_id))
    handed = await community.do(
        "changeOrganizationLeader",
        {"organizationId": organization_id, "memberId": li, "on": "2026-11-01", "reason": "王阿姨年事已高"},
        "organization { leader { name } }",
        as_=_person(community, "wang", organization_id),
    )
    former = _person(community, "wang", organization_id)
    after = await _rename(community, organization_id, "王阿姨的队", as_=former)
    former_starts = await community.attempt("startImplementation", {"claimId": claim_id}, as_=former)
    new_leader = await _rename(community, organization_id, "夕阳天使志愿服务队（二）", as_=_person(community, "li", organization_id))
    starts = await community.attempt(
        "startImplementation", {"claimId": claim_id}, "claim { status }", as_=_person(community, "li", organization_id)
    )
    group_member = await community.attempt(
        "reportProgress",
        {"claimId": claim_id, "percent": 30, "narrative": "第一次探访", "volunteerHours": 3},
        "claim { status }",
        as_=_person(community, "zhao", organization_id),
    )

    assert before["errors"] == []
    assert plain_member["errors"][0]["code"] == "FORBIDDEN"
    assert handed["organization"]["leader"]["name"] == "李建国"
    assert after["errors"][0]["code"] == "FORBIDDEN"
    assert former_starts["errors"][0]["code"] == "FORBIDDEN"
    assert new_leader == {"organization": {"name": "夕阳天使志愿服务队（二）"}, "errors": []}
    assert starts == {"claim": {"status": "IMPLEMENTING"}, "errors": []}
    assert group_member == {"claim": {"status": "IMPLEMENTING"}, "errors": []}
