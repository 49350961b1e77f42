"""The noticeReceived subscription through the gateway over graphql-transport-ws: a resident's new notice arrives live."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import websockets

from services.common.identity import Role, mint_token
from tests.support import GraphQLClient, fast_settings
from tests.test_full_cycle import PROTOCOL, platform


@pytest.mark.timeout(60)
async def test_a_new_notice_arrives_on_the_subscription_and_nothing_of_others() -> None:
    settings = fast_settings()
    admin = mint_token(settings, subject="admin", roles=[Role.DISTRICT_ADMIN], districts=["d1"])
    staff = mint_token(settings, subject="staff", roles=[Role.COMMUNITY_STAFF], communities=["c1"])
    wang = mint_token(settings, subject="wang", roles=[Role.RESIDENT], communities=["c1"])
    li = mint_token(settings, subject="li", roles=[Role.RESIDENT], communities=["c1"])
    async with platform(settings, shared_bus=True) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        client = GraphQLClient(http)
        for name, input in (
            ("registerDistrict", {"id": "d1", "name": "东城区"}),
            ("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}),
            ("registerCommunity", {"id": "c1", "streetId": "s1", "name": "左安浦园社区"}),
        ):
            assert (await client.mutation(name, input, "__typename", as_=admin))["errors"] == []
        since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        async with websockets.connect(url.replace("http", "ws", 1) + "/graphql", subprotocols=[PROTOCOL]) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {wang}"}}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            query = "subscription($s: DateTime) { noticeReceived(since: $s) { kind title subjectId } }"
            await socket.send(json.dumps({"id": "n", "type": "subscribe", "payload": {"query": query, "variables": {"s": since}}}))
            theirs = await client.mutation("submitNeed", {"communityId": "c1", "title": "别人的需求"}, "need { id }", as_=li)
            mine = await client.mutation("submitNeed", {"communityId": "c1", "title": "楼道灯坏了"}, "need { id }", as_=wang)
            for need in (theirs, mine):
                await client.mutation("acceptNeed", {"needId": need["need"]["id"]}, "need { id }", as_=staff)
            frame = json.loads(await socket.recv())
            assert frame["type"] == "next"
            assert frame["payload"]["data"]["noticeReceived"] == {
                "kind": "NEED_ACCEPTED",
                "title": "您的需求已受理",
                "subjectId": mine["need"]["id"],
            }
