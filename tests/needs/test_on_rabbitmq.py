"""The needs service on the real RabbitMQ: events out through the outbox, events in exactly once."""

from __future__ import annotations

import asyncio

from services.common.bus import PublishError
from services.common.bus.rabbit import RabbitBus
from services.common.events import Event, new_event
from services.common.identity import Role
from services.common.settings import Settings
from services.needs.app import create_app
from tests.broker import DELAYS, Broker, broker
from tests.needs.conftest import SUBMIT, item_input, knowing
from tests.support import AMQP_URL, GraphQLClient, eventually, running, token

__all__ = ["broker"]


class FlakyRabbitBus(RabbitBus):
    """A broker connection whose first ``failures`` publishes are not confirmed."""

    failures = 0

    async def publish(self, event: Event) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise PublishError("simulated: broker did not confirm")
        await super().publish(event)


async def test_a_submitted_need_is_observed_as_a_cloudevent_on_rabbitmq(broker: Broker) -> None:
    resident = token(broker.settings, Role.RESIDENT, communities=["c1"], subject="resident-1")
    async with running(create_app(broker.settings, memory=knowing("c1"))) as client:
        payload = await client.data(SUBMIT, {"input": {"communityId": "c1", "title": "楼道灯坏了", "category": "BLUE_GUARD"}}, as_=resident)
        need_id = payload["submitNeed"]["need"]["id"]

        async def observed() -> bool:
            return len(broker.seen_of("needs.need.submitted.v1")) == 1

        await eventually(observed, what="needs.need.submitted.v1 on RabbitMQ")

    event = broker.seen_of("needs.need.submitted.v1")[0]
    assert event.type == "org.renling.needs.need.submitted.v1"
    assert event.source == "/communities/c1/needs"
    assert event.community == "c1"
    assert event.subject == need_id
    assert event.data["need_id"] == need_id
    assert event.data["category"] == "blue_guard"


async def test_an_event_whose_publish_failed_after_the_write_arrives_once_through_the_relay(broker: Broker) -> None:
    bus = FlakyRabbitBus(AMQP_URL, namespace=broker.settings.events_exchange, retry_delays_ms=DELAYS)
    bus.failures = 1
    await bus.start()
    memory = knowing("c1")
    resident = token(broker.settings, Role.RESIDENT, communities=["c1"], subject="resident-1")
    settings = broker.settings.model_copy(update={"outbox_interval_s": 0.3})
    try:
        async with running(create_app(settings, bus=bus, memory=memory)) as client:
            payload = await client.data(SUBMIT, {"input": {"communityId": "c1", "title": "加装扶手"}}, as_=resident)
            need_id = payload["submitNeed"]["need"]["id"]
            stored = memory.client["renling_needs"]["needs"].find_one({"_id": need_id})
            assert stored["status"] == "submitted"

            async def attempted() -> bool:
                return bus.failures == 0

            await eventually(attempted, what="the publish attempt right after the write (which fails)")

            async def published() -> bool:
                return len(broker.seen_of("needs.need.submitted.v1")) >= 1

            await eventually(published, what="the relay to publish the kept event")
            await asyncio.sleep(0.8)
            assert memory.client["renling_needs"]["needs"].find_one({"_id": need_id})["outbox"] == []
    finally:
        await bus.close()

    assert [event.data["need_id"] for event in broker.seen_of("needs.need.submitted.v1")] == [need_id]


async def test_a_claims_event_delivered_twice_by_rabbitmq_changes_the_item_once(broker: Broker) -> None:
    memory = knowing("c1")
    staff = token(broker.settings, Role.COMMUNITY_STAFF, communities=["c1"], subject="staff-1")
    async with running(create_app(broker.settings, memory=memory)) as client:
        need_id = await _accepted_need(client, broker.settings)
        created = await client.data(
            "mutation($i: CreateServiceItemInput!) { createServiceItem(input: $i) { serviceItem { id } errors { message } } }",
            {"i": item_input([need_id])},
            as_=staff,
        )
        item_id = created["createServiceItem"]["serviceItem"]["id"]
        await client.data(f'mutation {{ publishServiceItem(input: {{itemId: "{item_id}"}}) {{ errors {{ message }} }} }}', as_=staff)
        approved = new_event(
            "claims.claim.approved.v1", service="claims", community="c1", data={"item_id": item_id, "claim_id": "k1", "community_id": "c1"}
        )

        await broker.observer.publish(approved)
        await broker.observer.publish(approved)
        items = memory.client["renling_needs"]["items"]

        async def handled() -> bool:
            return bool(items.find_one({"_id": item_id})["status"] == "claimed")

        await eventually(handled, what="the item to be claimed")
        await asyncio.sleep(0.5)
        document = items.find_one({"_id": item_id})

    assert document["handled_events"] == [approved.id]
    assert [step["action"] for step in document["history"]] == ["publish", "fill"]
    status_changes = [event for event in broker.seen_of("needs.item.status_changed.v1") if event.data["item_id"] == item_id]
    assert [event.data["status"] for event in status_changes] == ["claimed"]


async def _accepted_need(client: GraphQLClient, settings: Settings) -> str:
    resident = token(settings, Role.RESIDENT, communities=["c1"])
    staff = token(settings, Role.COMMUNITY_STAFF, communities=["c1"])
    payload = await client.data(SUBMIT, {"input": {"communityId": "c1", "title": "楼道灯坏了"}}, as_=resident)
    need_id: str = payload["submitNeed"]["need"]["id"]
    await client.data(f'mutation {{ acceptNeed(input: {{needId: "{need_id}"}}) {{ errors {{ message }} }} }}', as_=staff)
    return need_id
