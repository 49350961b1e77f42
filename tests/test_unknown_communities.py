"""Writes naming a community that was never registered are refused with NOT_FOUND on the field, and store nothing.

Every service learns of communities from ``orgs.community.registered.v1`` (its places read
model); a token can name any community, so a write must not trust the token for it. Covered:
submitNeed, createServiceItem (needs), scheduleMeeting (claims), registerWebhook (events),
registerOrganization (its home and its servedCommunityIds) and requestCommunityService (orgs), each
through the gateway and straight against its subgraph. (submitClaim and every other write name a
record whose community is already known.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.common.identity import Role
from services.demo import HOME
from tests.demo_graph import DemoGraph, demo_graph

GHOST = "community-never-registered"


@pytest.fixture
async def graph() -> AsyncIterator[DemoGraph]:
    async with demo_graph() as graph:
        yield graph


def _refused(payload: dict[str, object]) -> list[tuple[object, object]]:
    errors = payload["errors"]
    assert isinstance(errors, list)
    return [(error["code"], error["field"]) for error in errors]


@pytest.mark.parametrize("route", ["gateway", "subgraph"])
async def test_a_need_into_a_community_never_registered_is_refused_and_nothing_is_stored(graph: DemoGraph, route: str) -> None:
    resident = graph.token("resident-of-nowhere", roles=[Role.RESIDENT], communities=[GHOST])
    via = graph.services["needs"] if route == "subgraph" else None

    payload = await graph.mutate(
        "submitNeed", {"communityId": GHOST, "title": "幽灵社区的需求", "category": "BLUE_GUARD"}, "need { id }", as_=resident, via=via
    )
    await graph.settle()
    stored = await graph.client.data(f'{{ needs(first: 10, filter: {{communityIds: ["{GHOST}"]}}) {{ totalCount }} }}', as_=resident)

    assert payload["need"] is None
    assert _refused(payload) == [("NOT_FOUND", "communityId")]
    assert stored["needs"]["totalCount"] == 0
    assert await graph.apps["needs"].state.handlers.store.needs.count_documents({"community_id": GHOST}) == 0


@pytest.mark.parametrize("route", ["gateway", "subgraph"])
async def test_an_item_and_a_meeting_in_a_community_never_registered_are_refused(graph: DemoGraph, route: str) -> None:
    staff = graph.token("staff-of-nowhere", roles=[Role.COMMUNITY_STAFF], communities=[GHOST])
    item = {
        "communityId": GHOST, "needIds": [], "kind": "ACTIVITY", "category": "BLUE_GUARD", "title": "幽灵项目",
        "schedule": {"startsOn": "2027-01-01", "endsOn": "2027-02-01"}, "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 100}],
        "eligibleClaimantKinds": ["RESIDENT"], "claimWindow": {"opensAt": "2026-12-01T00:00:00+08:00", "closesAt": "2026-12-31T00:00:00+08:00"},
    }  # fmt: skip
    meeting = {"communityId": GHOST, "scheduledAt": "2026-12-01T19:00:00+08:00", "venue": "无处", "agenda": []}

    created = await graph.mutate(
        "createServiceItem", item, "serviceItem { id }", as_=staff, via=graph.services["needs"] if route == "subgraph" else None
    )
    scheduled = await graph.mutate(
        "scheduleMeeting", meeting, "meeting { id }", as_=staff, via=graph.services["claims"] if route == "subgraph" else None
    )

    assert created["serviceItem"] is None
    assert _refused(created) == [("NOT_FOUND", "communityId")]
    assert scheduled["meeting"] is None
    assert _refused(scheduled) == [("NOT_FOUND", "communityId")]
    assert await graph.apps["needs"].state.handlers.store.items.count_documents({"community_id": GHOST}) == 0
    assert await graph.apps["claims"].state.handlers.store.meetings.count_documents({"community_id": GHOST}) == 0


@pytest.mark.parametrize("route", ["gateway", "subgraph"])
async def test_a_webhook_over_a_community_never_registered_is_refused(graph: DemoGraph, route: str) -> None:
    partner = graph.token("partner-of-nowhere", roles=[Role.PARTNER], communities=[GHOST])
    via = graph.services["events"] if route == "subgraph" else None
    hook = "endpoint { id } secret"

    named = await graph.mutate("registerWebhook", {"url": "http://127.0.0.1:9/hook", "communities": [GHOST]}, hook, as_=partner, via=via)
    implied = await graph.mutate("registerWebhook", {"url": "http://127.0.0.1:9/hook"}, hook, as_=partner, via=via)
    endpoints = await graph.client.data("{ webhooks { id } }", as_=partner)

    assert named["endpoint"] is None
    assert _refused(named) == [("NOT_FOUND", "communities.0")]
    assert implied["endpoint"] is None
    assert _refused(implied) == [("NOT_FOUND", "communities")]
    assert endpoints["webhooks"] == []


@pytest.mark.parametrize("route", ["gateway", "subgraph"])
async def test_an_organization_in_or_serving_a_community_never_registered_is_refused(graph: DemoGraph, route: str) -> None:
    via = graph.services["orgs"] if route == "subgraph" else None
    staff = graph.token("staff-home", roles=[Role.COMMUNITY_STAFF], communities=[HOME, GHOST])
    draft = {
        "communityId": HOME, "kind": "PARTNER_ORGANIZATION", "name": "幽灵服务社", "purpose": "PUBLIC_WELFARE",
        "foundedOn": "2020-01-01", "leader": {"name": "某人"},
    }  # fmt: skip
    selection = "organization { id }"

    at_home = await graph.mutate("registerOrganization", {**draft, "communityId": GHOST}, selection, as_=staff, via=via)
    serving = await graph.mutate("registerOrganization", {**draft, "servedCommunityIds": [GHOST]}, selection, as_=staff, via=via)
    registered = await graph.mutate("registerOrganization", draft, selection, as_=staff, via=via)
    asked = await graph.mutate(
        "requestCommunityService", {"organizationId": registered["organization"]["id"], "communityId": GHOST}, selection, as_=staff, via=via
    )

    assert (at_home["organization"], _refused(at_home)) == (None, [("NOT_FOUND", "communityId")])
    assert (serving["organization"], _refused(serving)) == (None, [("NOT_FOUND", "servedCommunityIds.0")])
    assert (asked["organization"], _refused(asked)) == (None, [("NOT_FOUND", "communityId")])
