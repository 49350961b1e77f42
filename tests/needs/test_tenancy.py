"""Nobody reads or changes another community's data unless their role allows it."""

from __future__ import annotations

from services.common.identity import Role
from tests.needs.conftest import Needs

NEED = "query($id: ID!) { need(id: $id) { id submitterId anonymous } }"


async def test_other_communities_cannot_read_or_change_a_need(needs: Needs) -> None:
    need_id = (await needs.submit())["need"]["id"]
    outsider = needs.token(Role.RESIDENT, "c2")
    other_staff = needs.token(Role.COMMUNITY_STAFF, "c2")

    assert (await needs.client.data(NEED, {"id": need_id}, as_=outsider))["need"] is None
    listed = await needs.client.post('{ needs(filter: {communityIds: ["c1"]}) { totalCount } }', as_=outsider)
    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    own_list = await needs.client.data("{ needs { totalCount } }", as_=outsider)
    assert own_list["needs"]["totalCount"] == 0

    for name, input in [
        ("acceptNeed", {"needId": need_id}),
        ("supportNeed", {"needId": need_id}),
        ("rejectNeed", {"needId": need_id, "reason": "x"}),
    ]:
        payload = await needs.mutate(name, input, "need { id }", as_=other_staff)
        assert payload["need"] is None
        assert payload["errors"][0]["__typename"] == "NotFoundError"
    status = await needs.client.data("query($id: ID!) { need(id: $id) { status supportCount } }", {"id": need_id}, as_=needs.staff)
    assert status["need"] == {"status": "SUBMITTED", "supportCount": 0}


async def test_residents_cannot_do_staff_work_and_staff_cannot_support(needs: Needs) -> None:
    need_id = (await needs.submit())["need"]["id"]

    accepted = await needs.mutate("acceptNeed", {"needId": need_id}, "need { status }", as_=needs.resident)
    supported = await needs.mutate("supportNeed", {"needId": need_id}, "need { supportCount }", as_=needs.staff)
    item = await needs.create_item([need_id], as_=needs.resident)

    assert accepted["errors"][0]["__typename"] == "ForbiddenError"
    assert supported["errors"][0]["__typename"] == "ForbiddenError"
    assert item["errors"][0]["__typename"] == "ForbiddenError"


async def test_anonymous_submitters_are_hidden_from_the_public_not_from_staff(needs: Needs) -> None:
    need_id = (await needs.submit(anonymous=True))["need"]["id"]
    neighbour = needs.token(Role.RESIDENT, "c1", subject="neighbour")

    public = await needs.client.data(NEED, {"id": need_id}, as_=neighbour)
    staff = await needs.client.data(NEED, {"id": need_id}, as_=needs.staff)
    own = await needs.client.data(NEED, {"id": need_id}, as_=needs.resident)

    assert public["need"] == {"id": need_id, "submitterId": None, "anonymous": True}
    assert staff["need"]["submitterId"] == "resident-1"
    assert own["need"]["submitterId"] == "resident-1"


async def test_drafts_are_for_staff_and_partners_see_items_not_needs(needs: Needs) -> None:
    need_id = await needs.accepted_need()
    draft_id = (await needs.create_item([need_id]))["serviceItem"]["id"]
    partner = needs.token(Role.PARTNER, "c1")
    query = "query($id: ID!) { serviceItem(id: $id) { id status } serviceItems { totalCount } }"

    assert (await needs.client.data(query, {"id": draft_id}, as_=needs.resident)) == {
        "serviceItem": None,
        "serviceItems": {"totalCount": 0},
    }
    assert (await needs.client.data(query, {"id": draft_id}, as_=needs.staff))["serviceItem"]["status"] == "DRAFT"

    await needs.mutate("publishServiceItem", {"itemId": draft_id}, "serviceItem { status }", as_=needs.staff)
    seen_by_partner = await needs.client.data(query, {"id": draft_id}, as_=partner)
    assert seen_by_partner == {"serviceItem": {"id": draft_id, "status": "PUBLISHED"}, "serviceItems": {"totalCount": 1}}
    assert (await needs.client.data(NEED, {"id": need_id}, as_=partner))["need"] is None


async def test_district_admin_reads_every_community_of_the_district_in_one_call(needs: Needs) -> None:
    await needs.submit()
    await needs.submit(communityId="c2", as_=needs.token(Role.RESIDENT, "c2"))
    await needs.submit(communityId="c3", as_=needs.token(Role.RESIDENT, "c3"))

    listed = await needs.client.data("{ needs { totalCount edges { node { communityId } } } }", as_=needs.district_admin)
    refused = await needs.client.post('{ needs(filter: {communityIds: ["c2"]}) { totalCount } }', as_=needs.district_admin)

    assert sorted(edge["node"]["communityId"] for edge in listed["needs"]["edges"]) == ["c1", "c3"]
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_entities_are_checked_like_root_fields(needs: Needs) -> None:
    need_id = (await needs.submit())["need"]["id"]
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Need { id title } } }"
    representations = {"r": [{"__typename": "Need", "id": need_id}]}

    assert (await needs.client.data(query, representations, as_=needs.token(Role.RESIDENT, "c2")))["_entities"] == [None]
    assert (await needs.client.data(query, representations, as_=needs.staff))["_entities"] == [{"id": need_id, "title": "楼道灯坏了"}]


async def test_no_token_or_a_bad_token_gets_unauthenticated(needs: Needs) -> None:
    anonymous = await needs.client.post("{ needs { totalCount } }")
    forged = await needs.client.post("{ needs { totalCount } }", as_="forged.token.value")

    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert forged["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "invalid token" in forged["errors"][0]["message"]
