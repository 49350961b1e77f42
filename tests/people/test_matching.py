"""Matching organizations and items: who is likely to claim a published item, which open items fit an organization, each explained."""

from __future__ import annotations

from services.claims.domain.claim import Claimant, Proposal, submit
from services.claims.domain.vocabulary import ClaimantKind
from services.common.identity import Role, mint_token
from services.people.domain.claimants import ItemProfile, OrgProfile, rank
from tests.people.conftest import ITEM, People

ELDERLY_ITEM = ItemProfile("i1", "c1", "高龄老人助餐", "blue_guard", frozenset({"social_organization"}))


def test_field_track_record_and_eligibility_rank_the_fitting_organization_first() -> None:
    choir = OrgProfile("choir", "c1", "合唱团", "social_organization", "active", "activity_projects", frozenset({"culture_sports"}))
    angels = OrgProfile(
        "angels", "c1", "夕阳天使", "social_organization", "active", "service_activities", frozenset({"elderly_care"}),
        claimed_categories={"blue_guard": 2}, scores=(92.0,),
    )  # fmt: skip
    school = OrgProfile("school", "c1", "小学", "unit", "active", "needs_assessment", frozenset({"elderly_care"}))
    dormant = OrgProfile("dormant", "c1", "老年协会", "social_organization", "dormant", "activity_projects", frozenset({"elderly_care"}))
    elsewhere = OrgProfile("far", "c9", "别处", "social_organization", "active", "activity_projects", frozenset({"elderly_care"}))
    ranked = rank([(ELDERLY_ITEM, org) for org in (choir, angels, school, dormant, elsewhere)], key="org", limit=5)
    assert [suggestion.id for suggestion in ranked] == ["angels", "choir"]
    assert ranked[0].reasons[:3] == ("领域相符：养老", "曾认领同类项目 2 次", "以往评估平均 92 分")


async def _organization(people: People, name: str, fields: list[str], stage: str = "SERVICE_ACTIVITIES") -> str:
    input = {
        "communityId": "c1", "kind": "SOCIAL_ORGANIZATION", "name": name, "purpose": "PUBLIC_WELFARE", "foundedOn": "2015-01-01",
        "status": "ACTIVE", "leader": {"name": "负责人"}, "fields": fields, "stage": stage,
    }  # fmt: skip
    payload = await people.mutate("registerOrganization", input, "organization { id }", as_=people.staff)
    organization_id: str = payload["organization"]["id"]
    return organization_id


async def test_suggested_claimants_for_staff_and_suggested_items_for_an_organizations_leader(people: People) -> None:
    teachers = await _organization(people, "四点半课堂志愿者队", ["CHILDREN", "EDUCATION"])
    choir = await _organization(people, "左安浦园合唱团", ["CULTURE_SPORTS"], stage="ACTIVITY_PROJECTS")
    need = await people.mutate("submitNeed", {"communityId": "c1", "title": "垃圾分类宣传"}, "need { id }", as_=people.resident("x"))
    await people.mutate("acceptNeed", {"needId": need["need"]["id"]}, "need { id }", as_=people.staff)
    green = {**ITEM, "category": "GREEN_GUARDIANS", "title": "垃圾分类宣传周", "eligibleClaimantKinds": ["SOCIAL_ORGANIZATION"]}
    item = await people.mutate(
        "createServiceItem", {"communityId": "c1", "needIds": [need["need"]["id"]], **green}, "serviceItem { id }", as_=people.staff
    )
    await people.mutate("publishServiceItem", {"itemId": item["serviceItem"]["id"]}, "serviceItem { id }", as_=people.staff)
    claim, opened = submit(
        claim_id="k-past", item_id=people.item_id, community_id="c1",
        claimant=Claimant(ClaimantKind.SOCIAL_ORGANIZATION, "leader-t", teachers, "四点半课堂志愿者队"), proposal=Proposal("上课"), at=people.clock.now,
    )  # fmt: skip
    shortlisted, _ = claim.shortlist(actor="staff", at=people.clock.now)
    _, approved = shortlisted.approve(meeting_id="m1", actor="staff", at=people.clock.now)
    for event in (*opened, *approved):
        await people.bus.publish(event)
    await people.settle()

    query = "query($i: ID!) { suggestedClaimants(itemId: $i) { id name score reasons } }"
    for_red = (await people.client.data(query, {"i": people.item_id}, as_=people.staff))["suggestedClaimants"]
    assert [suggestion["id"] for suggestion in for_red] == [teachers, choir]
    assert for_red[0]["reasons"][:2] == ["领域相符：儿童、教育", "曾认领同类项目 1 次"]
    refused = await people.client.post(query, {"i": people.item_id}, as_=people.resident("x"))
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    items = "query($o: ID!) { suggestedItems(organizationId: $o) { id name score reasons } }"
    leader = mint_token(people.settings, subject="leader-choir", roles=[Role.ORG_LEADER], communities=["c1"], organization=choir)
    open_items = (await people.client.data(items, {"o": choir}, as_=leader))["suggestedItems"]
    assert [(suggestion["id"], suggestion["name"]) for suggestion in open_items] == [(item["serviceItem"]["id"], "垃圾分类宣传周")]
    other = await people.client.post(items, {"o": teachers}, as_=leader)
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_edited_profile_moves_the_ranking(people: People) -> None:
    """orgs.org.updated.v1's changes (the fields of activity, old → new) reach the read model matching ranks by."""
    teachers = await _organization(people, "四点半课堂志愿者队", ["CHILDREN", "EDUCATION"])
    choir = await _organization(people, "左安浦园合唱团", ["CULTURE_SPORTS"])
    await people.settle()
    query = "query($i: ID!) { suggestedClaimants(itemId: $i) { id name score reasons } }"
    before = (await people.client.data(query, {"i": people.item_id}, as_=people.staff))["suggestedClaimants"]
    assert [suggestion["id"] for suggestion in before] == [teachers, choir]

    for organization, name, fields in ((teachers, "四点半课堂志愿者队", ["CULTURE_SPORTS"]), (choir, "左安浦园合唱团", ["EDUCATION"])):
        input = {"organizationId": organization, "name": name, "purpose": "PUBLIC_WELFARE", "fields": fields}
        await people.mutate("updateOrganizationProfile", input, "organization { id }", as_=people.staff)
    await people.settle()
    after = (await people.client.data(query, {"i": people.item_id}, as_=people.staff))["suggestedClaimants"]
    assert [suggestion["id"] for suggestion in after] == [choir, teachers]
    assert after[0]["reasons"][0] == "领域相符：教育"
    assert not any(reason.startswith("领域相符") for reason in after[1]["reasons"])
