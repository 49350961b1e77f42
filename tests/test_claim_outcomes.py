"""Issue 15.1: every way the claims of an item can end leads the item (and its needs) somewhere.

Through the gateway: a two-slot item whose two approved claims end in every combination of
completed-and-evaluated and terminated ends EVALUATED (its need RESOLVED) when at least one
claim completed, and otherwise is taken back by the community: re-opened for claiming while
the window is open, or HALTED after it closed, then reopened or cancelled by staff (its need
ACCEPTED again, ready for a new item).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from services.common.identity import Role
from tests.community import Community, community_platform


@pytest.fixture
async def community() -> AsyncIterator[Community]:
    async with community_platform() as running:
        yield running


async def _two_approved(community: Community) -> tuple[str, list[tuple[str, str]]]:
    """A two-slot item with two approved claims (of two organizations); the item and (claim, leader token) pairs."""
    item_id = await community.item(slots=2)
    organizations = [await community.organization(name) for name in ("夕阳天使志愿服务队", "橙色使者调解队")]
    claims = [(await community.claim(item_id, org), community.leader(org)) for org in organizations]
    await community.approve(await community.meeting(item_id), *(claim for claim, _ in claims))
    return item_id, claims


# Each claim of the two: terminated right after approval, terminated while implementing,
# terminated after completion, or completed (and evaluated).
ENDINGS = ("terminated_approved", "terminated_implementing", "terminated_completed", "evaluated")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("endings", list(itertools.product(ENDINGS, repeat=2)), ids="+".join)
async def test_every_combination_of_claim_endings_ends_the_item(community: Community, endings: tuple[str, str]) -> None:
    item_id, claims = await _two_approved(community)
    assert (await community.item_state(item_id))["status"] == "CLAIMED"

    for (claim_id, leader), ending in zip(claims, endings, strict=True):
        if ending != "terminated_approved":
            await community.implement(claim_id, as_=leader)
        if ending in ("terminated_completed", "evaluated"):
            await community.finish(claim_id, as_=leader)
        if ending.startswith("terminated"):
            await community.terminate(claim_id)
    for (claim_id, _), ending in zip(claims, endings, strict=True):
        if ending == "evaluated":
            await community.evaluate(claim_id)

    state = await community.item_state(item_id)
    if "evaluated" in endings:
        assert state["status"] == "EVALUATED"
        assert state["needs"] == [{"status": "RESOLVED"}]
        return
    # every approved claim terminated while the window is open: the item is open for claiming again
    assert state == {"status": "PUBLISHED", "slotsLeft": 2, "needs": [{"status": "PLANNED"}]}
    newcomer = await community.organization("绿色卫士环保队")
    fresh = await community.claim(item_id, newcomer)
    await community.approve(await community.meeting(item_id), fresh)
    await community.implement(fresh, as_=community.leader(newcomer))
    await community.finish(fresh, as_=community.leader(newcomer))
    await community.evaluate(fresh)
    state = await community.item_state(item_id)
    assert (state["status"], state["needs"]) == ("EVALUATED", [{"status": "RESOLVED"}])


async def test_a_terminated_claim_frees_its_slot_while_the_window_is_open(community: Community) -> None:
    item_id, [(first, _), _] = await _two_approved(community)

    await community.terminate(first)

    assert (await community.item_state(item_id))["status"] == "PUBLISHED"
    assert (await community.item_state(item_id))["slotsLeft"] == 1
    newcomer = await community.organization("绿色卫士环保队")
    third = await community.claim(item_id, newcomer)
    await community.approve(await community.meeting(item_id), third)
    assert (await community.item_state(item_id))["status"] == "CLAIMED"


async def _halted(community: Community) -> tuple[str, str]:
    """An item whose only claim was terminated after its claim window closed: (item id, need id)."""
    need_id = await community.need()
    item_id = await community.item(need_ids=[need_id])
    organization = await community.organization("橙色使者调解队")
    claim_id = await community.claim(item_id, organization)
    await community.approve(await community.meeting(item_id), claim_id)
    await community.implement(claim_id, as_=community.leader(organization))
    community.clock.advance(timedelta(days=20))  # the window closed six days ago
    await community.terminate(claim_id)
    return item_id, need_id


async def test_an_item_whose_claims_all_ended_after_the_window_halts_and_staff_cancel_it(community: Community) -> None:
    item_id, need_id = await _halted(community)

    assert await community.item_state(item_id) == {"status": "HALTED", "slotsLeft": 1, "needs": [{"status": "PLANNED"}]}
    cancelled = await community.do(
        "cancelServiceItem", {"itemId": item_id, "reason": "双方已和解"}, "serviceItem { status }", as_=community.staff
    )

    assert cancelled["serviceItem"]["status"] == "CANCELLED"
    need = await community.query("query($id: ID!) { need(id: $id) { status } }", {"id": need_id})
    assert need["need"]["status"] == "ACCEPTED"
    again = await community.item(need_ids=[need_id])  # a new item from the released need
    assert (await community.item_state(again))["needs"] == [{"status": "PLANNED"}]


async def test_staff_reopen_a_halted_item_with_a_new_window(community: Community) -> None:
    item_id, _ = await _halted(community)
    later = community.clock()

    too_late = await community.attempt(
        "reopenServiceItem", {"itemId": item_id, "claimWindowClosesAt": "2027-08-01T00:00:00+08:00"}, as_=community.staff
    )
    reopened = await community.do(
        "reopenServiceItem",
        {"itemId": item_id, "claimWindowClosesAt": (later + timedelta(days=10)).isoformat()},
        "serviceItem { status claimWindow { closesAt } }",
        as_=community.staff,
    )
    refused = await community.attempt(
        "reopenServiceItem",
        {"itemId": item_id, "claimWindowClosesAt": (later + timedelta(days=10)).isoformat()},
        as_=community.token("resident-x", Role.RESIDENT),
    )

    assert too_late["errors"][0]["field"] == "claimWindowClosesAt"
    assert reopened["serviceItem"]["status"] == "PUBLISHED"
    assert refused["errors"][0]["code"] in ("FORBIDDEN", "NOT_FOUND")
    newcomer = await community.organization("绿色卫士环保队")
    await community.claim(item_id, newcomer)  # the claims service took the new window


async def test_a_reopened_item_whose_window_ran_out_gets_a_new_window(community: Community) -> None:
    item_id = await community.item()
    organization = await community.organization("橙色使者调解队")
    claim_id = await community.claim(item_id, organization)
    await community.approve(await community.meeting(item_id), claim_id)
    await community.terminate(claim_id)
    assert (await community.item_state(item_id))["status"] == "PUBLISHED"
    community.clock.advance(timedelta(days=20))
    newcomer = await community.organization("邻里互助会")
    proposal = {"plan": "接手调解", "team": ["任建华"]}

    late = await community.attempt(
        "submitClaim", {"itemId": item_id, "organizationId": newcomer, "proposal": proposal}, as_=community.leader(newcomer)
    )
    await community.do(
        "reopenServiceItem",
        {"itemId": item_id, "claimWindowClosesAt": (community.clock() + timedelta(days=7)).isoformat()},
        as_=community.staff,
    )
    again = await community.attempt(
        "submitClaim",
        {"itemId": item_id, "organizationId": newcomer, "proposal": proposal},
        "claim { status }",
        as_=community.leader(newcomer),
    )

    assert late["errors"][0]["code"] == "CLAIM_WINDOW_CLOSED"
    assert again == {"claim": {"status": "SUBMITTED"}, "errors": []}
