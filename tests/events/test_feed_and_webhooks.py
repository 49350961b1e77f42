"""The feed (cursor, visibility), subscriptions that resume without gaps, and signed webhooks."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

from graphql import ExecutionResult
from standardwebhooks.webhooks import Webhook

from services.common.identity import Role
from services.events.schema import build_schema
from tests.events.conftest import EVENT, Events, Receiver, event
from tests.support import eventually, serving

FEED = f"query($after: String, $types: [String!]) {{ events(after: $after, types: $types, first: 100) {{ edges {{ node {{ {EVENT} }} }} pageInfo {{ endCursor hasNextPage }} }} }}"


async def _feed(events: Events, as_: str, **variables: Any) -> list[dict[str, Any]]:
    data = await events.client.data(FEED, variables, as_=as_)
    return [edge["node"] for edge in data["events"]["edges"]]


async def test_the_feed_is_ordered_deduplicated_and_paged_by_cursor(events: Events) -> None:
    published = [event("needs.item.published.v1", item_id=f"i{n}") for n in range(5)]
    await events.publish(*published, published[2], published[0])
    staff = events.token(Role.COMMUNITY_STAFF, "c1")

    seen = await _feed(events, staff, types=["needs.item.published.v1"])
    page = await events.client.data(
        '{ events(first: 2, types: ["needs.item.published.v1"]) { edges { node { id } } pageInfo { endCursor hasNextPage } } }', as_=staff
    )
    rest = await _feed(events, staff, after=page["events"]["pageInfo"]["endCursor"], types=["needs.item.published.v1"])

    assert [node["id"] for node in seen] == [e.id for e in published]
    assert page["events"]["pageInfo"]["hasNextPage"] is True
    assert [node["id"] for node in rest] == [e.id for e in published[2:]]
    assert seen[0]["data"] == {"community_id": "c1", "item_id": "i0"}


async def test_partners_see_public_events_of_their_communities_staff_all_admins_their_district(events: Events) -> None:
    await events.publish(
        event("needs.item.published.v1", "c1", item_id="a"),
        event("needs.need.submitted.v1", "c1", need_id="n"),
        event("needs.item.published.v1", "c2", item_id="b"),
        event("claims.claim.approved.v1", "c3", claim_id="k"),
    )
    partner_a = events.token(Role.PARTNER, "c1")
    staff_a = events.token(Role.COMMUNITY_STAFF, "c1")
    admin_d1 = events.token(Role.DISTRICT_ADMIN, districts=("d1",), subject="admin")

    def keys(nodes: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(n["routingKey"], n["community"]) for n in nodes if n["routingKey"] != "orgs.community.registered.v1"]

    assert keys(await _feed(events, partner_a)) == [("needs.item.published.v1", "c1")]
    assert keys(await _feed(events, staff_a)) == [("needs.item.published.v1", "c1"), ("needs.need.submitted.v1", "c1")]
    assert keys(await _feed(events, admin_d1)) == [
        ("needs.item.published.v1", "c1"),
        ("needs.need.submitted.v1", "c1"),
        ("needs.item.published.v1", "c2"),
    ]
    refused = await events.client.post('{ events(communities: ["c3"]) { edges { node { id } } } }', as_=partner_a)
    assert refused["data"]["events"]["edges"] == []


async def test_a_subscription_resumed_from_a_cursor_yields_exactly_the_missed_events(events: Events) -> None:
    staff = events.token(Role.COMMUNITY_STAFF, "c1")
    first = event("needs.item.published.v1", item_id="first")
    await events.publish(first)
    cursor = (await _feed(events, staff, types=["needs.item.published.v1"]))[-1]["cursor"]
    missed = [event("needs.item.published.v1", item_id=f"missed-{n}") for n in range(3)]
    await events.publish(*missed)

    make_context = events.app.state.context_factory
    context = await make_context(None, None, await events.app.state.verifier.verify(staff), None)
    subscription = await build_schema(events.settings).subscribe(
        'subscription($after: String) { events(after: $after, types: ["needs.item.published.v1"]) { id } }',
        variable_values={"after": cursor},
        context_value=context,
    )
    received: list[str] = []
    later = event("needs.item.published.v1", item_id="live")

    async def consume() -> None:
        assert not isinstance(subscription, ExecutionResult), subscription
        async for result in subscription:
            assert result.errors is None, result.errors
            assert result.data is not None
            received.append(result.data["events"]["id"])
            if len(received) == 4:
                return

    async with asyncio.timeout(10):
        task = asyncio.create_task(consume())
        await asyncio.sleep(0.1)
        await events.publish(later)
        await task

    assert received == [e.id for e in missed] + [later.id]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


REGISTER = "mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) { endpoint { id status } secret errors { code field message } } }"


async def test_webhooks_are_signed_retried_while_the_receiver_is_down_and_delivered_once(events: Events) -> None:
    partner = events.token(Role.PARTNER, "c1")
    port = _free_port()
    registered = (await events.client.data(REGISTER, {"input": {"url": f"http://127.0.0.1:{port}/hook"}}, as_=partner))["registerWebhook"]
    assert registered["errors"] == []
    secret = registered["secret"]
    published = event("needs.item.published.v1", item_id="i1")
    await events.publish(published, event("needs.need.submitted.v1", need_id="not-for-partners"))

    deliveries = "{ webhooks { deliveries { status attempts { statusCode error } } } }"

    async def failed_twice() -> bool:
        log = (await events.client.data(deliveries, as_=partner))["webhooks"][0]["deliveries"]
        return bool(log) and len(log[0]["attempts"]) >= 2

    await eventually(failed_twice, what="two failed attempts while the receiver is down")
    receiver = Receiver()
    async with serving(receiver.app(), port=port):
        await eventually(receiver.got_one, what="the delivery once the receiver is back")
        await asyncio.sleep(0.5)

    assert len(receiver.received) == 1
    body, headers = receiver.received[0]
    payload = Webhook(secret).verify(
        body,
        {
            "webhook-id": headers["webhook-id"],
            "webhook-timestamp": headers["webhook-timestamp"],
            "webhook-signature": headers["webhook-signature"],
        },
    )
    assert payload["id"] == published.id
    assert payload["type"] == "org.renling.needs.item.published.v1"
    assert headers["content-type"] == "application/cloudevents+json"
    log = await events.client.data(deliveries, as_=partner)
    (delivery,) = log["webhooks"][0]["deliveries"]
    assert delivery["status"] == "DELIVERED"
    assert delivery["attempts"][0]["statusCode"] is None
    assert delivery["attempts"][-1]["statusCode"] == 204


async def test_a_410_disables_the_endpoint_and_partners_never_get_other_communities_events(events: Events) -> None:
    receiver = Receiver(status=410)
    async with serving(receiver.app()) as base:
        partner_b = events.token(Role.PARTNER, "c2", subject="partner-b")
        registered = (await events.client.data(REGISTER, {"input": {"url": f"{base}/hook"}}, as_=partner_b))["registerWebhook"]
        outside = await events.client.data(REGISTER, {"input": {"url": f"{base}/hook", "communities": ["c1"]}}, as_=partner_b)
        await events.publish(event("needs.item.published.v1", "c1", item_id="a"), event("needs.item.published.v1", "c2", item_id="b"))
        await eventually(receiver.got_one, what="a delivery")
        await asyncio.sleep(0.3)

    assert outside["registerWebhook"]["errors"][0]["code"] == "FORBIDDEN"
    assert [json.loads(body)["data"]["item_id"] for body, _ in receiver.received] == ["b"]
    endpoint = (await events.client.data("{ webhooks { status disabledReason } }", as_=partner_b))["webhooks"][0]
    assert endpoint == {"status": "DISABLED", "disabledReason": "the receiver answered 410 Gone"}
    assert registered["endpoint"]["status"] == "ACTIVE"
