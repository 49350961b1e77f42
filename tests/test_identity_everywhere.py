"""Every way a token can be wrong is refused by every service and by the gateway, and changes nothing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from services.common.bus.memory import InProcessBus
from services.common.identity import Role
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from tests.support import GraphQLClient, fast_settings, running, running_gateway, token
from tests.test_full_cycle import FACTORIES

QUERIES = {
    "needs": "{ needs(first: 1) { totalCount } }",
    "claims": "{ claims(first: 1) { totalCount } }",
    "orgs": "{ organizations(first: 1) { totalCount } }",
    "events": "{ webhooks { id } }",
    "notices": "{ myNotices(first: 1) { totalCount } }",
    "people": '{ activitySession(id: "s1") { id } }',
    "disclosure": '{ publicNotice(communityId: "c1") { communityName } }',
    "audit": '{ communityAuditTrail(communityId: "c1") { seq } }',
    "evidence": '{ disbursementsWithoutReceipt(communityId: "c1") { disbursementId } }',
}
SUBMIT = 'mutation { submitNeed(input: {communityId: "c1", title: "路灯坏了"}) { need { id } errors { code } } }'


def _claims(settings: Settings, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": "resident-1",
        "roles": [Role.RESIDENT.value],
        "communities": ["c1"],
        "districts": [],
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(hours=1),
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
    }
    return {**claims, **changes}


BAD_TOKENS: dict[str, Callable[[Settings], str]] = {
    "alg none": lambda s: jwt.encode(_claims(s), key=None, algorithm="none"),  # type: ignore[arg-type]
    "wrong key": lambda s: jwt.encode(_claims(s), "another-secret-of-at-least-thirty-two-bytes!!", algorithm="HS256"),
    "wrong audience": lambda s: jwt.encode(_claims(s, aud="someone-else"), s.jwt_secret, algorithm="HS256"),
    "wrong issuer": lambda s: jwt.encode(_claims(s, iss="https://evil.example"), s.jwt_secret, algorithm="HS256"),
    "expired": lambda s: jwt.encode(_claims(s, exp=datetime.now(UTC) - timedelta(minutes=5)), s.jwt_secret, algorithm="HS256"),
    "not yet valid": lambda s: jwt.encode(_claims(s, nbf=datetime.now(UTC) + timedelta(hours=1)), s.jwt_secret, algorithm="HS256"),
    "no roles": lambda s: jwt.encode({k: v for k, v in _claims(s).items() if k != "roles"}, s.jwt_secret, algorithm="HS256"),
    "garbage": lambda s: "not.a.token",
}


@pytest.fixture
async def clients() -> AsyncIterator[tuple[Settings, dict[str, GraphQLClient]]]:
    settings = fast_settings(webhook_allow_private=True)
    bus, memory = InProcessBus(), MemoryServer()
    apps = {name: factory(settings, bus=bus, memory=memory) for name, factory in FACTORIES.items()}
    async with AsyncExitStack() as stack:
        clients = {name: await stack.enter_async_context(running(app)) for name, app in apps.items()}
        clients["gateway"] = await stack.enter_async_context(running_gateway(apps, settings))
        admin = token(settings, Role.DISTRICT_ADMIN, districts=["d1"])
        for name, input in [
            ("registerDistrict", {"id": "d1", "name": "东城区"}),
            ("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}),
            ("registerCommunity", {"id": "c1", "streetId": "s1", "name": "左安浦园社区"}),
        ]:  # c1 is known everywhere, as orgs announces it: writes into it are accepted
            await clients["orgs"].mutation(name, input, "__typename", as_=admin)
        for app in apps.values():
            await app.state.relay.run_once()
        await bus.drain()
        yield settings, clients
    await bus.close()


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_a_bad_token_is_refused_everywhere_and_changes_nothing(clients: tuple[Settings, dict[str, GraphQLClient]], kind: str) -> None:
    settings, by_name = clients
    bad = BAD_TOKENS[kind](settings)
    for name, client in by_name.items():
        operations = [QUERIES[name]] if name != "gateway" else list(QUERIES.values())
        for operation in [*operations, *([SUBMIT] if name in ("needs", "gateway") else [])]:
            body = await client.post(operation, as_=bad)
            codes = {error["extensions"]["code"] for error in body.get("errors", [])}
            assert codes == {"UNAUTHENTICATED"}, (kind, name, operation, body)
            assert "token" in body["errors"][0]["message"].lower() or "authorization" in body["errors"][0]["message"].lower()
    staff = token(settings, Role.COMMUNITY_STAFF, communities=["c1"])
    assert (await by_name["gateway"].data("{ needs(first: 1) { totalCount } }", as_=staff))["needs"]["totalCount"] == 0


@pytest.mark.parametrize("name", list(FACTORIES))
async def test_each_service_can_turn_introspection_and_its_console_off_and_still_federates(name: str) -> None:
    settings = fast_settings(graphql_introspection=False, graphql_ide=False)
    async with running(FACTORIES[name](settings)) as client:
        refused = await client.post("{ __schema { queryType { name } } }")
        sdl = await client.data("{ __typename _service { sdl } }")
        console = await client.http.get("/graphql", headers={"accept": "text/html"})

    assert "introspection" in refused["errors"][0]["message"].lower()
    assert sdl["__typename"] == "Query"
    assert "federation/v2" in sdl["_service"]["sdl"]
    assert "graphiql" not in console.text.lower()


async def test_no_token_or_secret_ever_reaches_the_logs(
    clients: tuple[Settings, dict[str, GraphQLClient]], caplog: pytest.LogCaptureFixture
) -> None:
    settings, by_name = clients
    caplog.set_level(logging.DEBUG)
    staff = token(settings, Role.COMMUNITY_STAFF, communities=["c1"])
    partner = token(settings, Role.PARTNER, communities=["c1"])
    bad = BAD_TOKENS["wrong key"](settings)
    gateway = by_name["gateway"]
    await gateway.post(SUBMIT, as_=staff)
    await gateway.post(SUBMIT, as_=bad)
    await gateway.post("{ needs(first: 1) { totalCount } }", as_=bad)
    registered = await gateway.data(
        'mutation { registerWebhook(input: {url: "http://127.0.0.1:9/hook", types: ["needs.need.submitted.v1"]}) { secret errors { code field message } } }',
        as_=partner,
    )
    secret = registered["registerWebhook"]["secret"]

    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert caplog.records  # the requests were logged …
    assert secret, registered
    for leaked in (staff, partner, bad, secret, settings.jwt_secret, staff.split(".")[2], secret.removeprefix("whsec_")):
        assert leaked not in logged  # … and nothing that grants access is in them
