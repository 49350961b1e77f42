"""Bad input through the gateway: refused quickly, with a clear error naming what is wrong, changing nothing.

Runs against the four services behind the gateway (the ``clients`` fixture of the identity tests).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from services.common.identity import Role
from services.common.settings import Settings
from tests.support import GraphQLClient, token
from tests.test_identity_everywhere import clients

__all__ = ["clients"]

SUBMIT = "mutation($i: SubmitNeedInput!) { submitNeed(input: $i) { need { id } errors { code field message } } }"
CREATE = "mutation($i: CreateServiceItemInput!) { createServiceItem(input: $i) { serviceItem { id } errors { code field message } } }"
COUNT = "{ needs(first: 1) { totalCount } serviceItems(first: 1) { totalCount } }"


def _item(**changes: Any) -> dict[str, Any]:
    return {
        "communityId": "c1",
        "needIds": [],
        "kind": "ACTIVITY",
        "category": "BLUE_GUARD",
        "title": "助老活动",
        "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 10_000}],
        "schedule": {"startsOn": "2027-01-01", "endsOn": "2027-03-31"},
        "claimWindow": {"opensAt": "2026-12-01T00:00:00+08:00", "closesAt": "2026-12-31T00:00:00+08:00"},
        "eligibleClaimantKinds": ["SOCIAL_ORGANIZATION"],
    } | changes


def _need(**changes: Any) -> dict[str, Any]:
    return {"communityId": "c1", "title": "路灯坏了"} | changes


# (case, operation, variables, where the error must point: a payload field, or words in a request error)
CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("unknown enum value", SUBMIT, {"i": _need(category="PURPLE")}, "PURPLE"),
    ("title too long", SUBMIT, {"i": _need(title="灯" * 100_000)}, "field:title"),
    ("description too long", SUBMIT, {"i": _need(description="x" * 50_000)}, "field:description"),
    ("huge list", SUBMIT, {"i": _need(targetGroups=["ELDERLY"] * 20_000)}, "variables.i.targetGroups has 20000 items"),
    ("unknown community id", SUBMIT, {"i": _need(communityId="c-nowhere")}, "field:communityId"),
    ("negative money", CREATE, {"i": _item(budget=[{"fundSource": "PARTY_SERVICE_FUND", "amountFen": -5}])}, "field:budget.0.amountFen"),
    (
        "non-integer money",
        CREATE,
        {"i": _item(budget=[{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 10.5}])},
        "field:budget.0.amountFen",
    ),
    (
        "money as a string",
        CREATE,
        {"i": _item(budget=[{"fundSource": "PARTY_SERVICE_FUND", "amountFen": "100"}])},
        "field:budget.0.amountFen",
    ),
    ("dates out of order", CREATE, {"i": _item(schedule={"startsOn": "2027-03-31", "endsOn": "2027-01-01"})}, "field:schedule.endsOn"),
    (
        "claim window out of order",
        CREATE,
        {"i": _item(claimWindow={"opensAt": "2026-12-31T00:00:00+08:00", "closesAt": "2026-12-01T00:00:00+08:00"})},
        "field:claimWindow.closesAt",
    ),
    ("not a date", CREATE, {"i": _item(schedule={"startsOn": "明天", "endsOn": "2027-01-01"})}, "startsOn"),
    ("a need id that is not there", CREATE, {"i": _item(needIds=["no-such-need"])}, "field:needIds.0"),
]


def _deep(levels: int) -> str:
    return "{ needs(first: 1) { edges { node { " + "serviceItem { needs { " * levels + "id" + " } }" * levels + " } } } }"


SHAPES: list[tuple[str, dict[str, Any], int, str]] = [
    ("deep nesting", {"query": _deep(30)}, 200, "depth"),
    ("alias bomb", {"query": "{ " + " ".join(f"a{n}: needs(first: 1) {{ totalCount }}" for n in range(40)) + " }"}, 200, "alias"),
    ("oversized body", {"query": "{ needs(first: 1) { totalCount } }", "variables": {"pad": "x" * 2_000_000}}, 413, "larger than"),
    ("huge variables", {"query": SUBMIT, "variables": {"i": _need(targetGroups=["ELDERLY"] * 150_000)}}, 413, "larger than"),
    ("token bomb", {"query": "{ " + "__typename " * 5_000 + "}"}, 200, "token"),
]


async def _accepted_need(gateway: GraphQLClient, settings: Settings, staff: str) -> str:
    resident = token(settings, Role.RESIDENT, communities=["c1"])
    submitted = await gateway.data(SUBMIT, {"i": _need()}, as_=resident)
    need_id: str = submitted["submitNeed"]["need"]["id"]
    accepted = await gateway.data(
        "mutation($id: ID!) { acceptNeed(input: {needId: $id}) { errors { message } } }", {"id": need_id}, as_=staff
    )
    assert accepted["acceptNeed"]["errors"] == []
    return need_id


async def _state(gateway: GraphQLClient, staff: str) -> dict[str, Any]:
    return await gateway.data(COUNT, as_=staff)


@pytest.mark.parametrize(("case", "operation", "variables", "pointer"), CASES, ids=[case[0] for case in CASES])
async def test_bad_input_gets_a_typed_error_naming_the_field_and_changes_nothing(
    clients: tuple[Settings, dict[str, GraphQLClient]], case: str, operation: str, variables: dict[str, Any], pointer: str
) -> None:
    settings, by_name = clients
    gateway = by_name["gateway"]
    staff = token(settings, Role.COMMUNITY_STAFF, communities=["c1"])
    if operation is CREATE and variables["i"]["needIds"] == []:
        variables = {"i": variables["i"] | {"needIds": [await _accepted_need(gateway, settings, staff)]}}
    before = await _state(gateway, staff)

    body = await gateway.post(operation, variables, as_=staff)

    if pointer.startswith("field:"):
        (payload,) = body["data"].values()
        assert [error["field"] for error in payload["errors"]] == [pointer.removeprefix("field:")], payload
        assert all(error["message"] and error["code"] for error in payload["errors"])
    else:
        assert body.get("data") is None, body
        assert pointer in body["errors"][0]["message"], body["errors"][0]["message"][:300]
    assert await _state(gateway, staff) == before


@pytest.mark.parametrize(("case", "request_body", "status", "words"), SHAPES, ids=[shape[0] for shape in SHAPES])
async def test_abusive_requests_are_refused_quickly_with_a_clear_error(
    clients: tuple[Settings, dict[str, GraphQLClient]], case: str, request_body: dict[str, Any], status: int, words: str
) -> None:
    settings, by_name = clients
    staff = token(settings, Role.COMMUNITY_STAFF, communities=["c1"])
    started = time.perf_counter()
    response = await by_name["gateway"].http.post("/graphql", json=request_body, headers={"authorization": f"Bearer {staff}"})
    elapsed = time.perf_counter() - started

    assert response.status_code == status
    assert words in response.json()["errors"][0]["message"].lower()
    print(f"{case}: refused in {elapsed * 1000:.0f} ms")


async def test_each_subgraph_refuses_huge_lists_itself(clients: tuple[Settings, dict[str, GraphQLClient]]) -> None:
    settings, by_name = clients
    resident = token(settings, Role.RESIDENT, communities=["c1"])
    staff = token(settings, Role.COMMUNITY_STAFF, communities=["c1"])
    before = await by_name["needs"].data("{ needs(first: 1) { totalCount } }", as_=staff)

    body = await by_name["needs"].post(SUBMIT, {"i": _need(targetGroups=["CHILDREN"] * 5_000)}, as_=resident)

    assert body["data"] is None
    assert body["errors"][0]["message"] == "the list at variables.i.targetGroups has 5000 items; at most 1000 are accepted"
    assert await by_name["needs"].data("{ needs(first: 1) { totalCount } }", as_=staff) == before


@pytest.mark.parametrize(
    ("representation", "field"),
    [('{__typename: "Nothing", id: "x"}', "representations.0.__typename"), ('{__typename: "Need"}', "representations.0")],
    ids=["unknown type", "no key"],
)
async def test_entities_with_an_unknown_type_or_no_key_get_a_clear_error(
    clients: tuple[Settings, dict[str, GraphQLClient]], representation: str, field: str
) -> None:
    settings, by_name = clients
    staff = token(settings, Role.COMMUNITY_STAFF, communities=["c1"])

    body = await by_name["needs"].post(f"{{ _entities(representations: [{representation}]) {{ __typename }} }}", as_=staff)

    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert "Internal server error" not in error["message"]
