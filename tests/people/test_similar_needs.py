"""Similar needs: on hand-made Chinese needs, the true duplicate ranks first, and each suggestion says why."""

from __future__ import annotations

import pytest

from services.people.domain import bigrams, rank_similar
from tests.people.conftest import People

NEEDS = {
    "lamp": "3号楼楼道灯坏了，晚上看不见路",
    "lift": "5号楼电梯经常故障，老人上下楼困难",
    "meal": "希望社区开老年餐桌，解决独居老人吃饭问题",
    "homework": "双职工家庭孩子放学后没人看管，希望有四点半课堂",
    "bins": "垃圾分类桶不够用，垃圾经常满出来",
    "parking": "小区电动车乱停乱放，堵塞消防通道",
    "dance": "广场舞音响太吵，影响休息",
    "trees": "楼前绿地杂草丛生，需要修剪绿化",
    "clinic": "希望社区卫生站能上门为失能老人测血压",
    "dog": "有人遛狗不拴绳，孩子害怕",
}
TYPED = [
    ("楼道里的灯不亮了，晚上走路很黑", "lamp"),
    ("电梯老是坏，老年人上楼不方便", "lift"),
    ("独居老人吃饭难，能不能办个老年餐桌", "meal"),
    ("孩子放学没人管，想要四点半课堂", "homework"),
    ("垃圾桶太少了，每天都满", "bins"),
    ("电动车停得乱七八糟，消防通道被堵", "parking"),
    ("跳广场舞的音响声音太大", "dance"),
    ("遛狗不牵绳，小孩很害怕", "dog"),
    ("失能老人需要上门量血压", "clinic"),
    ("绿地里草太多了，该修剪了", "trees"),
]


def test_bigrams_of_chinese_and_latin() -> None:
    assert bigrams("楼道灯") == {"楼道", "道灯"}
    assert bigrams("3号楼 WiFi") == {"3号", "号楼", "wifi"}


@pytest.mark.parametrize(("typed", "duplicate"), TYPED)
def test_the_true_duplicate_ranks_first(typed: str, duplicate: str) -> None:
    matches = rank_similar(typed, list(NEEDS.items()))
    assert matches[0].id == duplicate
    assert matches[0].shared


async def test_similar_open_needs_of_the_community_through_the_gateway(people: People) -> None:
    ids = {}
    for key, title in NEEDS.items():
        payload = await people.mutate("submitNeed", {"communityId": "c1", "title": title}, "need { id }", as_=people.resident(f"r-{key}"))
        ids[payload["need"]["id"]] = key
    rejected = next(need_id for need_id, key in ids.items() if key == "dance")
    await people.mutate("rejectNeed", {"needId": rejected, "reason": "已协调"}, "need { id }", as_=people.staff)
    await people.mutate("submitNeed", {"communityId": "c2", "title": "楼道灯坏了"}, "need { id }", as_=people.resident("far", "c2"))
    await people.settle()
    query = 'query($t: String!) { similarNeeds(communityId: "c1", text: $t, first: 3) { needId title score shared why } }'
    found = (await people.client.data(query, {"t": "楼道里的灯不亮了"}, as_=people.resident("new")))["similarNeeds"]
    assert ids[found[0]["needId"]] == "lamp"
    assert "楼道" in found[0]["shared"]
    assert "楼道" in found[0]["why"]
    assert all(match["needId"] in ids for match in found)  # only c1's needs
    dance = (await people.client.data(query, {"t": "广场舞音响太吵"}, as_=people.resident("new")))["similarNeeds"]
    assert all(ids[match["needId"]] != "dance" for match in dance)  # a rejected need is not open
    outsider = await people.client.post(query, {"t": "楼道灯"}, as_=people.resident("far", "c2"))
    assert outsider["errors"][0]["extensions"]["code"] == "FORBIDDEN"
