"""Lists (filters, sorting, cursor pagination) and need statistics rolled up for streets and districts."""

from __future__ import annotations

from services.common.identity import Role
from tests.needs.conftest import Needs


async def test_cursor_pagination_walks_every_need_once_newest_first(needs: Needs) -> None:
    created = [(await needs.submit(title=f"需求 {index}"))["need"]["id"] for index in range(23)]
    await needs.settle()  # the count follows the events
    seen: list[str] = []
    after = None
    while True:
        page = await needs.client.data(
            "query($after: String) { needs(first: 10, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor hasPreviousPage } } }",
            {"after": after},
            as_=needs.staff,
        )
        connection = page["needs"]
        assert connection["totalCount"] == 23
        assert connection["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    assert seen == list(reversed(created))


async def test_most_supported_first_and_filters(needs: Needs) -> None:
    quiet = (await needs.submit(title="绿化带修剪", category="GREEN_GUARDIANS", targetGroups=["EVERYONE"]))["need"]["id"]
    popular = (await needs.submit(title="老人助餐", category="BLUE_GUARD", targetGroups=["ELDERLY"]))["need"]["id"]
    for index in range(3):
        await needs.mutate("supportNeed", {"needId": popular}, "need { id }", as_=needs.token(Role.RESIDENT, "c1", subject=f"r{index}"))
    await needs.mutate("supportNeed", {"needId": quiet}, "need { id }", as_=needs.token(Role.RESIDENT, "c1", subject="r9"))

    sorted_ = await needs.client.data("{ needs(sort: MOST_SUPPORTED) { edges { node { id supportCount } } } }", as_=needs.staff)
    by_category = await needs.client.data("{ needs(filter: {categories: [GREEN_GUARDIANS]}) { edges { node { id } } } }", as_=needs.staff)
    by_group = await needs.client.data("{ needs(filter: {targetGroups: [ELDERLY]}) { edges { node { id } } } }", as_=needs.staff)
    by_text = await needs.client.data('{ needs(filter: {text: "助餐"}) { edges { node { id } } } }', as_=needs.staff)
    by_status = await needs.client.data("{ needs(filter: {statuses: [ACCEPTED]}) { totalCount } }", as_=needs.staff)

    assert [edge["node"] for edge in sorted_["needs"]["edges"]] == [{"id": popular, "supportCount": 3}, {"id": quiet, "supportCount": 1}]
    assert [edge["node"]["id"] for edge in by_category["needs"]["edges"]] == [quiet]
    assert [edge["node"]["id"] for edge in by_group["needs"]["edges"]] == [popular]
    assert [edge["node"]["id"] for edge in by_text["needs"]["edges"]] == [popular]
    assert by_status["needs"]["totalCount"] == 0


async def test_stats_roll_up_for_community_street_and_district_in_one_query(needs: Needs) -> None:
    await needs.submit(category="BLUE_GUARD")
    await needs.submit(category="GREEN_GUARDIANS")
    await needs.accepted_need(category="BLUE_GUARD")
    await needs.submit(communityId="c3", category="RED_CLASSROOM", as_=needs.token(Role.RESIDENT, "c3"))
    await needs.submit(communityId="c2", category="RED_CLASSROOM", as_=needs.token(Role.RESIDENT, "c2"))
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on District { id needStats { total open communities byCategory { category count } } }
      ... on Street { id needStats { total communities } }
      ... on Community { id needStats { total byStatus { status count } } }
    } }"""
    representations = [
        {"__typename": "District", "id": "d1"},
        {"__typename": "Street", "id": "s1"},
        {"__typename": "Street", "id": "s3"},
        {"__typename": "Community", "id": "c1"},
    ]
    await needs.settle()  # the statistics follow the events

    found = (await needs.client.data(query, {"r": representations}, as_=needs.district_admin))["_entities"]

    district, street1, street3, community = found
    assert district["needStats"]["total"] == 4
    assert district["needStats"]["open"] == 4
    assert district["needStats"]["communities"] == 2
    assert {row["category"]: row["count"] for row in district["needStats"]["byCategory"]} == {
        "RED_CLASSROOM": 1,
        "GREEN_GUARDIANS": 1,
        "PINK_STATION": 0,
        "ORANGE_ENVOYS": 0,
        "BLUE_GUARD": 2,
        "OTHER": 0,
    }
    assert street1["needStats"] == {"total": 3, "communities": 1}
    assert street3["needStats"] == {"total": 1, "communities": 1}
    assert {row["status"]: row["count"] for row in community["needStats"]["byStatus"] if row["count"]} == {"SUBMITTED": 2, "ACCEPTED": 1}
    assert len(community["needStats"]["byStatus"]) == 8  # every status, zero included


async def test_stats_count_only_communities_the_caller_may_read(needs: Needs) -> None:
    await needs.submit()
    await needs.submit(communityId="c3", as_=needs.token(Role.RESIDENT, "c3"))
    query = (
        'query { _entities(representations: [{__typename: "District", id: "d1"}]) { ... on District { needStats { total communities } } } }'
    )
    await needs.settle()  # the statistics follow the events

    resident_view = await needs.client.data(query, as_=needs.resident)

    assert resident_view["_entities"][0]["needStats"] == {"total": 1, "communities": 1}


async def test_community_lists_needs_and_items(needs: Needs) -> None:
    need_id = await needs.accepted_need()
    item_id = (await needs.create_item([need_id]))["serviceItem"]["id"]
    query = """{ _entities(representations: [{__typename: "Community", id: "c1"}]) { ... on Community {
        needs(filter: {statuses: [PLANNED]}) { edges { node { id serviceItem { id } } } }
        serviceItems { edges { node { id needs { id } } } }
    } } }"""

    community = (await needs.client.data(query, as_=needs.staff))["_entities"][0]

    assert community["needs"]["edges"] == [{"node": {"id": need_id, "serviceItem": {"id": item_id}}}]
    assert community["serviceItems"]["edges"] == [{"node": {"id": item_id, "needs": [{"id": need_id}]}}]
