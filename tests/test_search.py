"""Issue 15.9: search finds any substring of titles and descriptions (Chinese has no spaces between
words) for needs, service items and organizations, through the gateway; the stores keep the grams
an index answers (``search_grams``, indexed with ``community_id`` leading for needs and items)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.common.store.search import grams_of, text_filter
from services.needs.store import ITEM_INDEXES, NEED_INDEXES
from services.orgs.store import ORGANIZATION_INDEXES
from tests.community import Community, community_platform


@pytest.fixture
async def community() -> AsyncIterator[Community]:
    async with community_platform() as running:
        yield running


async def test_needs_items_and_organizations_are_found_by_any_part_of_their_title_or_description(community: Community) -> None:
    resident = community.resident("resident-search")
    lamp = await community.do(
        "submitNeed",
        {"communityId": "c1", "title": "楼道灯坏了", "description": "三号楼二单元晚上一片漆黑，老人下楼容易摔倒"},
        "need { id }",
        as_=resident,
    )
    await community.do("submitNeed", {"communityId": "c1", "title": "健身器材生锈"}, as_=resident)
    await community.item(need_ids=[await community.need("东门停车难")], title="东门停车调解", description="协调业主与商户的停车矛盾")
    await community.organization("橙色使者调解队", description="邻里纠纷调解，化解矛盾")

    def needs(text: str) -> str:
        return f'{{ needs(filter: {{text: "{text}"}}) {{ edges {{ node {{ title }} }} }} }}'

    in_description = await community.query(needs("漆黑"), as_=resident)
    in_the_middle = await community.query(needs("道灯"), as_=resident)
    one_character = await community.query(needs("锈"), as_=resident)
    nothing = await community.query(needs("停电"), as_=resident)
    items = await community.query('{ serviceItems(filter: {text: "停车矛盾"}) { edges { node { title } } } }')
    organizations = await community.query('{ organizations(filter: {text: "纠纷"}) { edges { node { name } } } }')

    assert in_description["needs"]["edges"] == [{"node": {"title": "楼道灯坏了"}}]
    assert in_the_middle["needs"]["edges"] == [{"node": {"title": "楼道灯坏了"}}]
    assert one_character["needs"]["edges"] == [{"node": {"title": "健身器材生锈"}}]
    assert nothing["needs"]["edges"] == []
    assert items["serviceItems"]["edges"] == [{"node": {"title": "东门停车调解"}}]
    assert organizations["organizations"]["edges"] == [{"node": {"name": "橙色使者调解队"}}]
    assert lamp["need"]["id"]


def test_the_search_condition_is_one_an_index_answers() -> None:
    grams = grams_of(("楼道灯坏了", "Night LIGHT"))
    condition = text_filter("道灯", ("title", "description"))

    assert {"道", "道灯", "灯坏", "ni", "t ", " l"} <= set(grams)
    assert condition["$and"][0] == {"search_grams": {"$all": ["道灯"]}}
    for indexes in (NEED_INDEXES, ITEM_INDEXES):
        assert any(index.keys == (("community_id", 1), ("search_grams", 1)) for index in indexes)
    assert any(index.keys == (("search_grams", 1),) for index in ORGANIZATION_INDEXES)
