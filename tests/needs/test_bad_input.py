"""Bad input gets a typed GraphQL error naming the field, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from services.common.identity import Role
from tests.needs.conftest import CREATE_ITEM, SUBMIT, Needs, item_input

STATE = "{ needs(first: 100) { totalCount edges { node { id status supportCount } } } serviceItems(first: 100) { totalCount edges { node { id status } } } }"


async def _state(needs: Needs) -> dict[str, Any]:
    """What staff of c1 read once the events so far are handled (the counts follow the events)."""
    await needs.settle()
    return await needs.client.data(STATE, as_=needs.staff)


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"title": ""}, "title", "INVALID_INPUT"),
        ({"title": "   "}, "title", "INVALID_INPUT"),
        ({"title": "长" * 121}, "title", "INVALID_INPUT"),
        ({"communityId": "c2"}, "communityId", "FORBIDDEN"),
    ],
    ids=["empty-title", "blank-title", "long-title", "other-community"],
)
async def test_bad_need_is_refused_in_the_payload(needs: Needs, fields: dict[str, Any], field: str, code: str) -> None:
    before = await _state(needs)

    payload = await needs.submit(**fields)

    assert payload["need"] is None
    assert [(error["field"], error["code"]) for error in payload["errors"]] == [(field, code)]
    assert await _state(needs) == before


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"communityId": "c1", "title": "x", "category": "PURPLE"}, "PURPLE"),
        ({"communityId": "c1", "title": "x", "targetGroups": ["ALIENS"]}, "ALIENS"),
        ({"communityId": "c1"}, "title"),
    ],
    ids=["unknown-category", "unknown-target-group", "missing-title"],
)
async def test_input_that_breaks_the_schema_is_a_clear_graphql_error(needs: Needs, variables: dict[str, Any], message: str) -> None:
    before = await _state(needs)

    body = await needs.client.post(SUBMIT, {"input": variables}, as_=needs.resident)

    assert body.get("data") is None
    assert message in body["errors"][0]["message"]
    assert await _state(needs) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"budget": [{"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": -100}]}, "budget.0.amountFen"),
        ({"budget": [{"fundSource": "OTHER", "amountFen": 100}]}, "budget.0.sourceName"),
        ({"claimWindow": {"opensAt": "2026-12-10T09:00:00+08:00", "closesAt": "2026-12-01T09:00:00+08:00"}}, "claimWindow.closesAt"),
        ({"claimWindow": {"opensAt": "2026-12-10T09:00:00", "closesAt": "2026-12-20T09:00:00"}}, "claimWindow.opensAt"),
        ({"schedule": {"startsOn": "2026-12-31", "endsOn": "2026-12-01"}}, "schedule.endsOn"),
        ({"eligibleClaimantKinds": []}, "eligibleClaimantKinds"),
        ({"slots": 0}, "slots"),
        ({"title": ""}, "title"),
    ],
    ids=[
        "negative-budget",
        "unnamed-other",
        "window-reversed",
        "naive-times",
        "schedule-reversed",
        "no-claimants",
        "no-slots",
        "empty-title",
    ],
)
async def test_bad_item_is_refused_naming_the_field(needs: Needs, changes: dict[str, Any], field: str) -> None:
    need_id = await needs.accepted_need()
    before = await _state(needs)

    payload = await needs.create_item([need_id], **changes)

    assert payload["serviceItem"] is None
    assert [(error["__typename"], error["field"]) for error in payload["errors"]] == [("InvalidInputError", field)]
    assert await _state(needs) == before


@pytest.mark.parametrize("amount", [12.5, "100", 1e3], ids=["float", "string", "float-exponent"])
async def test_money_must_be_whole_fen(needs: Needs, amount: object) -> None:
    need_id = await needs.accepted_need()
    before = await _state(needs)
    variables = {"input": item_input([need_id], budget=[{"fundSource": "PARTY_SERVICE_FUND", "amountFen": amount}])}

    body = await needs.client.post(CREATE_ITEM, variables, as_=needs.staff)

    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("INVALID_INPUT", "budget.0.amountFen")]
    assert await _state(needs) == before


async def test_items_need_accepted_needs_of_the_same_community(needs: Needs) -> None:
    submitted = (await needs.submit())["need"]["id"]
    other = (await needs.submit(communityId="c2", as_=needs.token(Role.RESIDENT, "c2")))["need"]["id"]
    before = await _state(needs)

    not_accepted = await needs.create_item([submitted])
    foreign = await needs.create_item([other])
    unknown = await needs.create_item(["no-such-need"])

    assert not_accepted["errors"][0]["field"] == "needIds.0"
    assert "not accepted" in not_accepted["errors"][0]["message"]
    assert foreign["errors"][0]["field"] == "needIds.0"
    assert unknown["errors"][0]["field"] == "needIds.0"
    assert await _state(needs) == before


async def test_a_transition_not_allowed_names_the_current_status(needs: Needs) -> None:
    need_id = (await needs.submit())["need"]["id"]
    await needs.mutate("rejectNeed", {"needId": need_id, "reason": "不属于社区事务"}, "need { status }", as_=needs.staff)
    before = await _state(needs)

    accepted = await needs.mutate("acceptNeed", {"needId": need_id}, "need { status }", as_=needs.staff)

    assert accepted["need"] is None
    assert accepted["errors"] == [
        {
            "__typename": "TransitionNotAllowedError",
            "code": "TRANSITION_NOT_ALLOWED",
            "field": "status",
            "message": "cannot accept a need that is rejected",
            "currentStatus": "rejected",
            "action": "accept",
        }
    ]
    assert await _state(needs) == before


async def test_reject_without_reason_and_merge_into_itself_are_refused(needs: Needs) -> None:
    need_id = (await needs.submit())["need"]["id"]

    rejected = await needs.mutate("rejectNeed", {"needId": need_id, "reason": " "}, "need { status }", as_=needs.staff)
    merged = await needs.mutate("mergeNeed", {"needId": need_id, "intoNeedId": need_id}, "need { status }", as_=needs.staff)
    missing = await needs.mutate("mergeNeed", {"needId": need_id, "intoNeedId": "nope"}, "need { status }", as_=needs.staff)

    assert rejected["errors"][0]["field"] == "reason"
    assert merged["errors"][0]["field"] == "intoNeedId"
    assert (missing["errors"][0]["__typename"], missing["errors"][0]["field"]) == ("NotFoundError", "intoNeedId")


async def test_bad_cursor_and_page_size_are_clear_errors(needs: Needs) -> None:
    bad_cursor = await needs.client.post('{ needs(after: "!!not-a-cursor") { totalCount } }', as_=needs.staff)
    too_many = await needs.client.post("{ needs(first: 1000) { totalCount } }", as_=needs.staff)

    assert bad_cursor["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "after"}
    assert too_many["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "first"}
