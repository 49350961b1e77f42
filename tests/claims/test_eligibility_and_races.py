"""Every eligibility rule with its own code, and the slot and budget races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common.events import new_event
from services.common.identity import Role
from tests.claims.conftest import Claims, item_published, organization_registered, proposal


async def _submit(claims: Claims, organization_id: str | None, item_id: str = "i1", **changes: Any) -> dict[str, Any]:
    input: dict[str, Any] = {"itemId": item_id, "proposal": proposal(**changes)}
    if organization_id:
        input["organizationId"] = organization_id
    as_ = claims.leader(organization_id) if organization_id else claims.token(Role.RESIDENT, "c1", subject="resident-1")
    return await claims.mutate("submitClaim", input, as_=as_)


@pytest.mark.parametrize(
    ("setup", "organization", "code"),
    [
        ([item_published("i1", status="published")], "o1", None),
        (
            [
                new_event(
                    "needs.item.cancelled.v1",
                    service="needs",
                    community="c1",
                    data={"item_id": "i1", "community_id": "c1", "reason": "经费调整", "need_ids": []},
                )
            ],
            "o1",
            "ITEM_NOT_PUBLISHED",
        ),
        (
            [
                item_published(
                    "i1",
                    claim_window={
                        "opens_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
                        "closes_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
                    },
                )
            ],
            "o1",
            "CLAIM_WINDOW_CLOSED",
        ),
        (
            [
                item_published(
                    "i1",
                    claim_window={
                        "opens_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
                        "closes_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                    },
                )
            ],
            "o1",
            "CLAIM_WINDOW_CLOSED",
        ),
        ([item_published("i1", kinds=("resident",))], "o1", "CLAIMANT_KIND_NOT_ALLOWED"),
        ([organization_registered("o9", status="dormant")], "o9", "ORGANIZATION_NOT_ACTIVE"),
        ([organization_registered("o9", community="c2")], "o9", "ORGANIZATION_NOT_OF_COMMUNITY"),
        ([item_published("i1", kinds=("social_organization",))], None, "CLAIMANT_KIND_NOT_ALLOWED"),
        ([organization_registered("o9", community="c2", kind="partner_organization", served=("c1",))], "o9", "CLAIMANT_KIND_NOT_ALLOWED"),
    ],
    ids=[
        "eligible",
        "cancelled",
        "window-not-open",
        "window-closed",
        "kind-not-allowed",
        "dormant",
        "other-community",
        "resident-not-allowed",
        "partner-not-allowed",
    ],
)
async def test_each_eligibility_rule_has_its_own_code(claims: Claims, setup: list[Any], organization: str | None, code: str | None) -> None:
    await claims.feed(*setup)

    payload = await _submit(claims, organization)

    if code is None:
        assert payload["errors"] == []
    else:
        assert payload["claim"] is None
        assert [error["code"] for error in payload["errors"]] == [code]


async def test_partner_ngos_claim_when_the_item_allows_them(claims: Claims) -> None:
    await claims.feed(
        organization_registered("o9", community="c2", kind="partner_organization", served=("c1",)),
        item_published("i1", kinds=("partner_organization",)),
    )
    partner = claims.token(Role.PARTNER, "c2", subject="partner", organization="o9")

    payload = await claims.mutate("submitClaim", {"itemId": "i1", "organizationId": "o9", "proposal": proposal()}, as_=partner)

    assert payload["errors"] == []
    assert payload["claim"]["claimant"]["kind"] == "PARTNER_ORGANIZATION"


@pytest.mark.parametrize(
    ("budget", "field"),
    [
        ([{"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 100_001}], "proposal.budget.0.amountFen"),
        ([{"fundSource": "OTHER", "sourceName": "企业赞助", "amountFen": 10}], "proposal.budget.0.fundSource"),
        ([{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 0}], "proposal.budget.0.amountFen"),
    ],
    ids=["above-item", "source-not-in-item", "zero"],
)
async def test_the_requested_budget_stays_within_the_items(claims: Claims, budget: list[dict[str, Any]], field: str) -> None:
    payload = await _submit(claims, "o1", budget=budget)

    assert [(error["field"]) for error in payload["errors"]] == [field]


async def test_one_open_claim_per_claimant_per_item(claims: Claims) -> None:
    first = await _submit(claims, "o1")
    second = await _submit(claims, "o1")
    await claims.mutate("withdrawClaim", {"claimId": first["claim"]["id"], "reason": "人手不够"}, as_=claims.leader("o1"))
    third = await _submit(claims, "o1")

    assert second["errors"][0]["code"] == "ALREADY_CLAIMED"
    assert third["errors"] == []


async def test_racing_approvals_for_a_one_slot_item_approve_exactly_one_and_tell_the_others_why(claims: Claims) -> None:
    for index in range(3, 9):
        await claims.feed(organization_registered(f"o{index}"))
    claim_ids = [await claims.claim(f"o{index}") for index in (1, 2, 3, 4, 5, 6, 7, 8)]
    meeting_id = await claims.meeting("i1")

    results = await asyncio.gather(*(claims.decide(meeting_id, claim_id) for claim_id in claim_ids))

    approved = [r for r in results if r["claim"] and r["claim"]["status"] == "APPROVED"]
    assert len(approved) == 1
    statuses = await claims.client.data("{ claims(first: 50) { edges { node { status reason } } } }", as_=claims.staff)
    nodes = [edge["node"] for edge in statuses["claims"]["edges"]]
    assert sorted(node["status"] for node in nodes) == ["APPROVED"] + ["REJECTED"] * 7
    assert all("slot" in node["reason"] for node in nodes if node["status"] == "REJECTED")
    board = await claims.client.data(
        '{ _entities(representations: [{__typename: "ServiceItem", id: "i1"}]) { ... on ServiceItem { slotsLeft } } }', as_=claims.staff
    )
    assert board["_entities"][0]["slotsLeft"] == 0


async def test_approvals_never_commit_more_budget_than_the_item_has(claims: Claims) -> None:
    await claims.feed(item_published("i3", slots=3))
    big = [
        await claims.claim(f"o{index}", "i3", budget=[{"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 60_000}]) for index in (1, 2)
    ]
    meeting_id = await claims.meeting("i3")

    results = await asyncio.gather(*(claims.decide(meeting_id, claim_id) for claim_id in big))

    codes = sorted(error["code"] for r in results for error in r["errors"])
    assert codes == ["BUDGET_EXHAUSTED"]
    assert sum(1 for r in results if r["claim"] and r["claim"]["status"] == "APPROVED") == 1


async def test_racing_disbursements_never_exceed_the_approved_budget(claims: Claims) -> None:
    claim_id = await claims.approved()
    await claims.mutate("recordTraining", {"claimId": claim_id, "on": "2026-11-20", "topic": "财务培训"}, as_=claims.staff)
    pay = {"claimId": claim_id, "line": {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 7_000}, "on": "2026-11-21", "purpose": "物资"}

    results = await asyncio.gather(*(claims.mutate("recordDisbursement", pay, as_=claims.staff) for _ in range(12)))

    paid = sum(1 for r in results if not r["errors"])
    assert paid == 8  # 8 × 7 000 = 56 000 ≤ 60 000 approved; a ninth would exceed it
    assert {error["code"] for r in results for error in r["errors"]} == {"BUDGET_EXCEEDED"}
    claim = await claims.client.data(f'{{ claim(id: "{claim_id}") {{ disbursed {{ amountFen }} }} }}', as_=claims.staff)
    assert claim["claim"]["disbursed"] == [{"amountFen": 56_000}]


async def test_a_cancelled_item_tells_its_open_claims_why(claims: Claims) -> None:
    claim_id = await claims.claim("o1")

    await claims.feed(
        new_event(
            "needs.item.cancelled.v1",
            service="needs",
            community="c1",
            data={"item_id": "i1", "community_id": "c1", "reason": "经费调整", "need_ids": []},
        )
    )

    claim = await claims.client.data(f'{{ claim(id: "{claim_id}") {{ status reason }} }}', as_=claims.staff)
    assert claim["claim"] == {"status": "REJECTED", "reason": "the item was cancelled: 经费调整"}
