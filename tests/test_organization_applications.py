"""Issue 15.11: a group of residents applies to found an organization (申请成立); staff return it with a
reason or approve it; the application keeps its history; approved, the organization exists with the
applicant as its leader (her account linked), and can claim. Through the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.common.identity import Role
from tests.community import Community, community_platform

APPLICATION = "application { id status returnReason organizationId history { action toStatus actor reason } }"
CONTENT: dict[str, Any] = {
    "name": "银发编织社", "purpose": "MUTUAL_BENEFIT", "fields": ["CULTURE_SPORTS"], "description": "每周三下午一起编织，为独居老人织围巾",
    "foundedOn": "2026-03-01", "leader": {"name": "冯淑芳"}, "members": [{"name": "邓丽娟"}, {"name": "曹敏"}],
}  # fmt: skip


@pytest.fixture
async def community() -> AsyncIterator[Community]:
    async with community_platform() as running:
        yield running


async def test_residents_apply_staff_return_then_approve_and_the_organization_exists(community: Community) -> None:
    feng = community.resident("feng")
    applied = await community.do("applyForOrganization", {"communityId": "c1", **CONTENT}, APPLICATION, as_=feng)
    application_id = applied["application"]["id"]
    by_neighbour = await community.attempt("approveOrganizationApplication", {"applicationId": application_id}, as_=community.resident("x"))
    returned = await community.do(
        "returnOrganizationApplication", {"applicationId": application_id, "reason": "请补充活动场地和负责人联系方式"}, APPLICATION,
        as_=community.staff,
    )  # fmt: skip
    mine = await community.query("{ myOrganizationApplications { status returnReason } }", as_=feng)
    amended = {**CONTENT, "leader": {"name": "冯淑芳", "phone": "13800000000"}, "description": "每周三下午在活动室编织"}
    resubmitted = await community.do("resubmitOrganizationApplication", {"applicationId": application_id, **amended}, APPLICATION, as_=feng)
    approved = await community.do("approveOrganizationApplication", {"applicationId": application_id}, APPLICATION, as_=community.staff)
    again = await community.attempt("approveOrganizationApplication", {"applicationId": application_id}, as_=community.staff)
    organization_id = approved["application"]["organizationId"]
    organization = await community.query(
        "query($id: ID!) { organization(id: $id) { name status kind leader { name } members { name } } }", {"id": organization_id}
    )
    listed = await community.query('{ organizationApplications(communityId: "c1") { status } }')
    leader = community.token("feng", Role.ORG_LEADER, organization=organization_id)
    renamed = await community.attempt(
        "updateOrganizationProfile",
        {"organizationId": organization_id, "name": "银发编织社（左安浦园）", "purpose": "MUTUAL_BENEFIT"},
        as_=leader,
    )

    assert applied["application"]["status"] == "SUBMITTED"
    assert by_neighbour["errors"][0]["code"] in ("FORBIDDEN", "NOT_FOUND")
    assert (returned["application"]["status"], returned["application"]["returnReason"]) == ("RETURNED", "请补充活动场地和负责人联系方式")
    assert mine["myOrganizationApplications"] == [{"status": "RETURNED", "returnReason": "请补充活动场地和负责人联系方式"}]
    assert resubmitted["application"]["status"] == "SUBMITTED"
    assert [step["action"] for step in approved["application"]["history"]] == ["return", "resubmit", "approve"]
    assert approved["application"]["history"][0]["reason"] == "请补充活动场地和负责人联系方式"
    assert again["errors"][0]["code"] == "TRANSITION_NOT_ALLOWED"
    assert organization["organization"] == {
        "name": "银发编织社", "status": "ACTIVE", "kind": "SOCIAL_ORGANIZATION", "leader": {"name": "冯淑芳"},
        "members": [{"name": "冯淑芳"}, {"name": "邓丽娟"}, {"name": "曹敏"}],
    }  # fmt: skip
    assert listed["organizationApplications"] == [{"status": "APPROVED"}]
    assert renamed["errors"] == []


async def test_only_residents_of_the_community_apply_and_bad_content_is_refused(community: Community) -> None:
    outsider = community.token("far", Role.RESIDENT, communities=("c9",))
    staff_applies = await community.attempt("applyForOrganization", {"communityId": "c1", **CONTENT}, as_=community.staff)
    outside = await community.attempt("applyForOrganization", {"communityId": "c1", **CONTENT}, as_=outsider)
    unnamed = await community.attempt("applyForOrganization", {"communityId": "c1", **CONTENT, "name": " "}, as_=community.resident("r"))

    assert staff_applies["errors"][0]["code"] == "FORBIDDEN"
    assert outside["errors"][0]["code"] == "FORBIDDEN"
    assert [(error["code"], error["field"]) for error in unnamed["errors"]] == [("INVALID_INPUT", "name")]
