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


async def test_a_claim_window_closing_after_the_activity_has_ended_is_refused(community: Community) -> None:
    need_id = await community.need()
    input = community.item_input([need_id], schedule={"startsOn": "2026-01-01", "endsOn": "2026-01-31"})
    input["claimWindow"]["opensAt"] = "2025-12-01T00:00:00+08:00"

    payload = await community.attempt("createServiceItem", input, "serviceItem { id }", as_=community.staff)

    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("INVALID_INPUT", "claimWindow.closesAt")]


async def test_volunteer_hours_are_bounded_by_the_team_and_the_days(community: Community) -> None:
    item_id = await community.item()
    organization_id = await community.organization("夕阳天使志愿服务队")
    leader = community.leader(organization_id)
    claim_id = await community.claim(item_id, organization_id)  # a team of two
    await community.approve(await community.meeting(item_id), claim_id)
    await community.implement(claim_id, as_=leader)

    def report(hours: float) -> dict[str, Any]:
        return {"claimId": claim_id, "percent": 10, "narrative": "探访", "volunteerHours": hours}

    absurd = await community.attempt("reportProgress", report(100_000), as_=leader)
    too_many = await community.attempt("reportProgress", report(48.5), as_=leader)
    a_full_day = await community.attempt("reportProgress", report(48), "claim { volunteerHours }", as_=leader)

    assert [(error["code"], error["field"]) for error in absurd["errors"]] == [("INVALID_INPUT", "volunteerHours")]
    assert [error["field"] for error in too_many["errors"]] == ["volunteerHours"]
    assert a_full_day == {"claim": {"volunteerHours": 48.0}, "errors": []}


async def test_supporting_your_own_need_is_refused(community: Community) -> None:
    need_id = await community.need(by="resident-zhou")

    own = await community.attempt("supportNeed", {"needId": need_id}, "need { supportCount }", as_=community.resident("resident-zhou"))
    neighbour = await community.attempt("supportNeed", {"needId": need_id}, "need { supportCount }", as_=community.resident("resident-wu"))

    assert [(error["code"], error["field"]) for error in own["errors"]] == [("OWN_NEED", "needId")]
    assert neighbour == {"need": {"supportCount": 1}, "errors": []}


async def test_every_validation_error_of_an_input_is_returned(community: Community) -> None:
    need_id = await community.need()
    input = community.item_input([need_id], title=" ", slots=0, schedule={"startsOn": "2026-12-31", "endsOn": "2026-12-01"})

    item = await community.attempt("createServiceItem", input, "serviceItem { id }", as_=community.staff)
    need = await community.attempt("submitNeed", {"communityId": "c1", "title": "", "location": "楼" * 201}, as_=community.resident("r"))

    assert {error["field"] for error in item["errors"]} >= {"title", "slots", "schedule.endsOn"}
    assert [error["field"] for error in need["errors"]] == ["title", "location"]


@pytest.mark.parametrize("amount", [1.5, "100", True], ids=["decimal", "string", "boolean"])
async def test_a_fen_that_is_not_a_whole_number_is_a_typed_input_error(community: Community, amount: object) -> None:
    need_id = await community.need()
    input = community.item_input([need_id], budget=[{"fundSource": "PARTY_SERVICE_FUND", "amountFen": amount}])

    body = await community.client.post(
        "mutation($input: CreateServiceItemInput!) { createServiceItem(input: $input) { serviceItem { id } errors { code field } } }",
        {"input": input},
        as_=community.staff,
    )

    assert "errors" not in body, body
    assert body["data"]["createServiceItem"] == {"serviceItem": None, "errors": [{"code": "INVALID_INPUT", "field": "budget.0.amountFen"}]}
