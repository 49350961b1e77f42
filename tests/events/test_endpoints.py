"""Looking after webhook endpoints, deliveries surviving a restart, and isolation of live subscriptions."""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import ExecutionResult

from services.common.bus.memory import InProcessBus
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from services.events.schema import build_schema
from tests.events.conftest import Events, Receiver, event
from tests.support import eventually, fast_settings, running, serving

ENDPOINT = "endpoint { id url status types } secret"


async def test_update_pause_resume_rotate_redeliver_and_delete(events: Events) -> None:
    partner = events.token(Role.PARTNER, "c1")
    receiver = Receiver()
    async with serving(receiver.app()) as base:
        registered = await events.client.mutation("registerWebhook", {"url": f"{base}/hook"}, ENDPOINT, as_=partner)
        endpoint_id = registered["endpoint"]["id"]
        updated = await events.client.mutation(
            "updateWebhook", {"endpointId": endpoint_id, "types": ["claims.claim.approved.v1"]}, ENDPOINT, as_=partner
        )
        paused = await events.client.mutation("pauseWebhook", {"endpointId": endpoint_id}, ENDPOINT, as_=partner)
        await events.publish(event("claims.claim.approved.v1", claim_id="k1"))
        await asyncio.sleep(0.3)
        assert receiver.received == []
        resumed = await events.client.mutation("resumeWebhook", {"endpointId": endpoint_id}, ENDPOINT, as_=partner)
        rotated = await events.client.mutation("rotateWebhookSecret", {"endpointId": endpoint_id}, ENDPOINT, as_=partner)
        await events.publish(event("claims.claim.approved.v1", claim_id="k2"), event("needs.item.published.v1", item_id="not-this-type"))
        await eventually(receiver.got_one, what="the delivery after resuming")
        log = (await events.client.data("{ webhooks { deliveries { id status } } }", as_=partner))["webhooks"][0]["deliveries"]
        redelivered = await events.client.data(
            "mutation($i: RedeliverWebhookInput!) { redeliverWebhook(input: $i) { delivery { status } errors { code } } }",
            {"i": {"deliveryId": log[0]["id"]}},
            as_=partner,
        )

        async def twice() -> bool:
            return len(receiver.received) == 2

        await eventually(twice, what="the redelivery")
        stranger = await events.client.mutation(
            "pauseWebhook", {"endpointId": endpoint_id}, ENDPOINT, as_=events.token(Role.PARTNER, "c1", subject="someone-else")
        )
        deleted = await events.client.mutation("deleteWebhook", {"endpointId": endpoint_id}, ENDPOINT, as_=partner)

    assert updated["endpoint"]["types"] == ["claims.claim.approved.v1"]
    assert (paused["endpoint"]["status"], resumed["endpoint"]["status"]) == ("PAUSED", "ACTIVE")
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != registered["secret"]
    assert updated["secret"] is None
    assert redelivered["redeliverWebhook"] == {"delivery": {"status": "PENDING"}, "errors": []}
    assert stranger["errors"][0]["code"] == "NOT_FOUND"
    assert deleted["errors"] == []
    assert (await events.client.data("{ webhooks { id } }", as_=partner))["webhooks"] == []


async def test_pending_deliveries_resume_after_a_restart() -> None:
    settings = fast_settings(webhook_allow_private=True, webhook_retry_base_s=0.05, webhook_retry_max_s=0.1, webhook_poll_s=0.05)
    memory = MemoryServer()
    receiver = Receiver(status=503)
    async with serving(receiver.app()) as base:
        bus = InProcessBus()
        app = create_app(settings, bus=bus, memory=memory)
        async with running(app) as client:
            service = Events(client, bus, settings, app)
            await service.publish(event("orgs.community.registered.v1", "c1", name="c1", street_id="s", district_id="d1"))
            partner = service.token(Role.PARTNER, "c1")
            await client.mutation("registerWebhook", {"url": f"{base}/hook"}, ENDPOINT, as_=partner)
            await service.publish(event("needs.item.published.v1", item_id="i1"))
            await eventually(receiver.got_one, what="a first, refused attempt")
        await bus.close()

        receiver.status = 200
        attempts_before = len(receiver.received)
        restarted = InProcessBus()
        async with running(create_app(settings, bus=restarted, memory=memory)) as client:

            async def delivered() -> bool:
                log = (await client.data("{ webhooks { deliveries { status } } }", as_=partner))["webhooks"][0]["deliveries"]
                return bool(log[0]["status"] == "DELIVERED")

            await eventually(delivered, what="the pending delivery after the restart")
        await restarted.close()

    assert len(receiver.received) > attempts_before
    assert {headers["webhook-id"] for _, headers in receiver.received} == {receiver.received[0][1]["webhook-id"]}


async def test_a_live_subscription_never_shows_another_communitys_events(events: Events) -> None:
    partner_b = await events.app.state.verifier.verify(events.token(Role.PARTNER, "c2", subject="partner-b"))
    context = await events.app.state.context_factory(None, None, partner_b, None)
    subscription = await build_schema(events.settings).subscribe("subscription { events { community routingKey } }", context_value=context)
    assert not isinstance(subscription, ExecutionResult)
    received: list[dict[str, Any]] = []

    async def consume() -> None:
        async for result in subscription:
            assert result.data is not None
            received.append(result.data["events"])
            return

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.1)
    await events.publish(
        event("needs.item.published.v1", "c1", item_id="a"),
        event("needs.need.submitted.v1", "c2", need_id="n"),
        event("needs.item.published.v1", "c2", item_id="b"),
    )
    async with asyncio.timeout(5):
        await task

    assert received == [{"community": "c2", "routingKey": "needs.item.published.v1"}]
