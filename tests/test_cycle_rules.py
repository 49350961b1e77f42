"""Issue 15.5, 15.6 and 15.12: the rules of the cycle as a community meets them, through the gateway.

Volunteer-only activities (no money) run from draft to evaluation; an intention meeting's agenda
takes only items open for claiming (or with claims to decide); and the small rules: a claim
window closing after the activity ends, volunteer hours beyond what a team can give, supporting
one's own need, every validation error of an input at once, and a fen that is not a whole number.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.community import Community, community_platform


@pytest.fixture
async def community() -> AsyncIterator[Community]:
    async with community_platform() as running:
        yield running


@pytest.mark.parametrize("budget", [[], [{"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 0}]], ids=["no-lines", "zero-fen"])
async def test_a_volunteer_only_activity_is_drafted_and_run(community: Community, budget: list[dict[str, Any]]) -> None:
    need_id = await community.need("周末帮独居老人买菜")
    item_id = await community.item(need_ids=[need_id], kind="ACTIVITY", budget=budget)
    organization_id = await community.organization("邻里互助会")
    leader = community.leader(organization_id)
    payload = await community.do(
        "submitClaim",
        {"itemId": item_id, "organizationId": organization_id, "proposal": {"plan": "每周六上午陪同买菜", "team": ["任建华"]}},
        "claim { id }",
        as_=leader,
    )
    claim_id = payload["claim"]["id"]
    await community.approve(await community.meeting(item_id), claim_id)
    await community.implement(claim_id, as_=leader)
    await community.finish(claim_id, as_=leader)
    await community.evaluate(claim_id)

    state = await community.item_state(item_id)
    item = await community.query("query($id: ID!) { serviceItem(id: $id) { totalFen } }", {"id": item_id})
    assert (state["status"], state["needs"]) == ("EVALUATED", [{"status": "RESOLVED"}])
    assert item["serviceItem"]["totalFen"] == 0


async def test_the_agenda_takes_only_items_open_for_claiming(community: Community) -> None:
    draft = await community.item(publish=False)
    cancelled = await community.item()
    await community.do("cancelServiceItem", {"itemId": cancelled, "reason": "经费调整"}, as_=community.staff)
    filled = await community.item()
    organization_id = await community.organization("夕阳天使志愿服务队")
    await community.approve(await community.meeting(filled), await community.claim(filled, organization_id))
    open_item = await community.item()

    answers = {}
    for name, item_id in (("draft", draft), ("cancelled", cancelled), ("filled", filled)):
        payload = await community.attempt(
            "scheduleMeeting",
            {"communityId": "c1", "scheduledAt": "2026-12-05T19:00:00+08:00", "venue": "活动室", "agenda": [open_item, item_id]},
            "meeting { id }",
            as_=community.staff,
        )
        answers[name] = [(error["code"], error["field"]) for error in payload["errors"]]
    meeting_id = await community.meeting(open_item)
    replanned = await community.attempt(
        "replanMeeting",
        {"meetingId": meeting_id, "scheduledAt": "2026-12-05T19:00:00+08:00", "venue": "活动室", "agenda": [open_item, cancelled]},
        as_=community.staff,
    )

    refused = [("AGENDA_ITEM_NOT_OPEN", "agenda.1")]
    assert answers == {"draft": refused, "cancelled": refused, "filled": refused}
    assert [(error["code"], error["field"]) for error in replanned["errors"]] == refused
