"""A mutation in a service reaches a partner through the gateway: a subscription frame and a signed webhook."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import websockets
from standardwebhooks.webhooks import Webhook
from websockets.typing import Subprotocol

from gateway.app import create_gateway_app
from gateway.settings import GatewaySettings
from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.store.memory import MemoryServer
from services.events.app import create_app as create_events_app
from services.needs.app import create_app as create_needs_app
from services.orgs.app import create_app as create_orgs_app
from tests.events.conftest import Receiver
from tests.support import eventually, fast_settings, serving

PROTOCOL = Subprotocol("graphql-transport-ws")


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers={"authorization": f"Bearer {token}"})
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@pytest.mark.timeout(60)
async def test_publishing_an_item_reaches_the_partner_live_and_by_webhook_and_not_another_partner() -> None:
    settings = fast_settings(webhook_allow_private=True, webhook_retry_base_s=0.05, webhook_poll_s=0.05)
    bus, memory = InProcessBus(), MemoryServer()
    apps = {
        "needs": create_needs_app(settings, bus=bus, memory=memory),
        "orgs": create_orgs_app(settings, bus=bus, memory=memory),
        "events": create_events_app(settings, bus=bus, memory=memory),
    }
    staff = mint_token(settings, subject="staff", roles=[Role.COMMUNITY_STAFF], communities=["c1"])
    admin = mint_token(settings, subject="admin", roles=[Role.DISTRICT_ADMIN], districts=["d1"])
    partner = mint_token(settings, subject="partner-a", roles=[Role.PARTNER], communities=["c1"])
    other = mint_token(settings, subject="partner-b", roles=[Role.PARTNER], communities=["c2"])
    receiver, other_receiver = Receiver(), Receiver()
    async with AsyncExitStack() as stack:
        urls = {name: (await stack.enter_async_context(serving(app))) + "/graphql" for name, app in apps.items()}
        hook = await stack.enter_async_context(serving(receiver.app()))
        other_hook = await stack.enter_async_context(serving(other_receiver.app()))
        base = await stack.enter_async_context(serving(create_gateway_app(_only(GatewaySettings(**settings.model_dump()), urls))))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=base))
        for name, input in [
            ("registerDistrict", {"id": "d1", "name": "东城区"}),
            ("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}),
            ("registerCommunity", {"id": "c1", "streetId": "s1", "name": "左安浦园社区"}),
            ("registerCommunity", {"id": "c2", "streetId": "s1", "name": "龙潭西里社区"}),
        ]:
            type_name = name[0].upper() + name[1:] + "Input"
            await _post(client, f"mutation($i: {type_name}!) {{ {name}(input: $i) {{ errors {{ message }} }} }}", {"i": input}, admin)
        await apps["orgs"].state.relay.run_once()
        await bus.drain()
        register = "mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { secret errors { message } } }"
        secret = (await _post(client, register, {"i": {"url": f"{hook}/hook", "types": ["needs.item.published.v1"]}}, partner))[
            "registerWebhook"
        ]["secret"]
        await _post(client, register, {"i": {"url": f"{other_hook}/hook"}}, other)

        socket = await stack.enter_async_context(websockets.connect(base.replace("http", "ws", 1) + "/graphql", subprotocols=[PROTOCOL]))
        await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {partner}"}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(
            json.dumps({"id": "live", "type": "subscribe", "payload": {"query": "subscription { events { routingKey community data } }"}})
        )
        await asyncio.sleep(0.3)

        need = await _post(
            client,
            'mutation { submitNeed(input: {communityId: "c1", title: "楼道灯"}) { need { id } } }',
            {},
            mint_token(settings, subject="r", roles=[Role.RESIDENT], communities=["c1"]),
        )
        need_id = need["submitNeed"]["need"]["id"]
        await _post(client, f'mutation {{ acceptNeed(input: {{needId: "{need_id}"}}) {{ errors {{ message }} }} }}', {}, staff)
        now = datetime.now(UTC)
        item = {
            "communityId": "c1", "needIds": [need_id], "kind": "ACTIVITY", "category": "BLUE_GUARD", "title": "楼道照明",
            "budget": [{"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 50000}], "schedule": {"startsOn": "2026-12-01", "endsOn": "2026-12-31"},
            "claimWindow": {"opensAt": now.isoformat(), "closesAt": (now + timedelta(days=7)).isoformat()}, "eligibleClaimantKinds": ["SOCIAL_ORGANIZATION"],
        }  # fmt: skip
        created = await _post(
            client, "mutation($i: CreateServiceItemInput!) { createServiceItem(input: $i) { serviceItem { id } } }", {"i": item}, staff
        )
        item_id = created["createServiceItem"]["serviceItem"]["id"]
        await _post(client, f'mutation {{ publishServiceItem(input: {{itemId: "{item_id}"}}) {{ errors {{ message }} }} }}', {}, staff)

        async with asyncio.timeout(15):
            frame = json.loads(await socket.recv())
        await eventually(receiver.got_one, what="the webhook delivery")
        await asyncio.sleep(0.5)

    assert frame["payload"]["data"]["events"] == {
        "routingKey": "needs.item.published.v1",
        "community": "c1",
        "data": frame["payload"]["data"]["events"]["data"],
    }
    assert frame["payload"]["data"]["events"]["data"]["item_id"] == item_id
    ((body, headers),) = receiver.received
    payload = Webhook(secret).verify(body, {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")})
    assert payload["data"]["item_id"] == item_id
    assert other_receiver.received == []
    await bus.close()


def _only(settings: GatewaySettings, urls: dict[str, str]) -> GatewaySettings:
    """A gateway over the services this test runs (no claims)."""

    class Partial(GatewaySettings):
        def subgraph_urls(self) -> dict[str, str]:
            return dict(urls)

    return Partial(**settings.model_dump())
