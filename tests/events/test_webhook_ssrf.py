"""Webhooks reach only public addresses on 80/443: at registration and on every connection a delivery makes.

Names are resolved by a stub resolver (the guard's ``resolver``), so a test can make a name
resolve to a public address at registration and to a private one at delivery (DNS rebinding).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from services.common.bus.memory import InProcessBus
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from services.events.handlers import EventsHandlers
from services.events.network import AddressGuard, GuardedResolver, Refused, Unresolvable, WebhookClient
from tests.events.conftest import Events, Receiver, event, place
from tests.support import eventually, fast_settings, running, serving

REGISTER = "endpoint { id } secret"
LOG = "{ webhooks { url deliveries { status attempts { statusCode error durationMs } } } }"

# Every address a webhook must never reach: cloud metadata (Alibaba's sits in CGNAT), CGNAT,
# 6to4, NAT64 and Teredo forms of private addresses, IPv4-mapped and -compatible IPv6, and the
# usual private, loopback, link-local, unspecified and multicast ones.
SSRF_URLS = [
    "http://100.100.100.200/latest/meta-data/",
    "http://100.64.0.1/hook",
    "http://100.127.255.254/hook",
    "http://[2002:7f00:1::]/hook",
    "http://[2002:a00:1::]/hook",
    "http://[64:ff9b::7f00:1]/hook",
    "http://[64:ff9b::a9fe:a9fe]/hook",
    "http://[64:ff9b:1::5db8:d822]/hook",
    "http://[2001::1]/hook",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook",
    "http://[::7f00:1]/hook",
    "http://127.0.0.1/hook",
    "http://[::1]/hook",
    "http://10.0.0.5/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://[ff02::1]/hook",
]
PRIVATE_ANSWERS = ["127.0.0.1", "10.1.2.3", "100.100.100.200", "2002:7f00:1::", "64:ff9b::7f00:1", "::ffff:127.0.0.1", "fe80::1"]


class StubResolver:
    """Answers names from a table; every name not in it fails to resolve."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    async def __call__(self, host: str, port: int) -> list[str]:
        if host not in self.answers:
            raise OSError(f"{host} does not resolve")
        return self.answers[host]


def handlers_of(events: Events) -> EventsHandlers:
    """The running service's handlers (their guard holds the resolver)."""
    handlers: EventsHandlers = events.app.state.handlers
    return handlers


@asynccontextmanager
async def guarded_service(**overrides: Any) -> AsyncIterator[Events]:
    """The events service with the production address rules (private receivers not allowed)."""
    settings = fast_settings(webhook_retry_base_s=0.05, webhook_retry_max_s=0.2, webhook_poll_s=0.05, **overrides)
    bus = InProcessBus()
    app = create_app(settings, bus=bus, memory=MemoryServer())
    async with running(app) as client:
        service = Events(client, bus, settings, app)
        await service.publish(place("c1", "d1"))
        yield service
    await bus.close()


@pytest.fixture
async def guarded() -> AsyncIterator[Events]:
    async with guarded_service() as service:
        yield service


async def test_every_ssrf_address_is_refused_at_registration(guarded: Events) -> None:
    handlers_of(guarded).guard.resolver = StubResolver(
        {
            **{f"private-{n}.example": [answer] for n, answer in enumerate(PRIVATE_ANSWERS)},
            "mixed.example": ["93.184.216.34", "10.0.0.1"],
            "partner.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        }
    )
    partner = guarded.token(Role.PARTNER, "c1")
    urls = [*SSRF_URLS, *(f"https://private-{n}.example/hook" for n in range(len(PRIVATE_ANSWERS))), "https://mixed.example/hook"]

    refused = [(url, await guarded.client.mutation("registerWebhook", {"url": url}, REGISTER, as_=partner)) for url in urls]
    other_port = await guarded.client.mutation("registerWebhook", {"url": "https://partner.example:8443/hook"}, REGISTER, as_=partner)
    public = await guarded.client.mutation("registerWebhook", {"url": "https://partner.example/hook"}, REGISTER, as_=partner)

    for url, payload in refused:
        assert payload["endpoint"] is None, url
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_INPUT", "url")], url
        assert "public addresses" in payload["errors"][0]["message"], (url, payload["errors"][0]["message"])
    assert other_port["errors"][0]["message"].startswith("port 8443 is not allowed")
    assert public["errors"] == []
    assert public["secret"].startswith("whsec_")


async def test_a_webhook_url_with_another_scheme_is_refused_naming_the_scheme(guarded: Events) -> None:
    partner = guarded.token(Role.PARTNER, "c1")

    ftp = await guarded.client.mutation("registerWebhook", {"url": "ftp://partner.example/hook"}, REGISTER, as_=partner)
    bare = await guarded.client.mutation("registerWebhook", {"url": "partner.example/hook"}, REGISTER, as_=partner)
    unknown = await guarded.client.mutation("registerWebhook", {"url": "https://nowhere.invalid/hook"}, REGISTER, as_=partner)

    assert [(e["code"], e["field"]) for e in ftp["errors"]] == [("INVALID_INPUT", "url")]
    assert ftp["errors"][0]["message"] == "the scheme ftp:// is not allowed: a webhook URL starts with https:// or http://"
    assert bare["errors"][0]["message"].startswith("a URL without a scheme is not allowed")
    assert unknown["errors"][0]["message"] == "the host does not resolve"


async def test_a_name_that_resolves_to_a_private_address_at_delivery_is_not_connected_to() -> None:
    receiver = Receiver()
    async with serving(receiver.app()) as base:
        port = int(base.rsplit(":", 1)[1])
        async with guarded_service(webhook_allowed_ports=(port,)) as guarded:
            resolver = StubResolver({"partner.example": ["93.184.216.34"]})
            handlers_of(guarded).guard.resolver = resolver
            partner = guarded.token(Role.PARTNER, "c1")
            registered = await guarded.client.mutation(
                "registerWebhook", {"url": f"http://partner.example:{port}/hook"}, REGISTER, as_=partner
            )
            resolver.answers["partner.example"] = ["127.0.0.1"]  # the name is rebound to where the receiver listens
            await guarded.publish(event("needs.item.published.v1", item_id="i1"))

            async def attempted() -> bool:
                endpoints = (await guarded.client.data(LOG, as_=partner))["webhooks"]
                return bool(endpoints[0]["deliveries"] and endpoints[0]["deliveries"][0]["attempts"])

            await eventually(attempted, what="a delivery attempt")
            log = (await guarded.client.data(LOG, as_=partner))["webhooks"][0]["deliveries"][0]

    assert registered["errors"] == []
    assert receiver.received == []
    assert log["attempts"][0] == {"statusCode": None, "error": "could not connect", "durationMs": 0}


async def test_a_delivery_connects_to_the_address_it_checked(events: Events) -> None:
    """With private receivers allowed, a name the system cannot resolve is reached at the stub's address: that one is used."""
    receiver = Receiver()
    async with serving(receiver.app()) as base:
        port = int(base.rsplit(":", 1)[1])
        handlers_of(events).guard.resolver = StubResolver({"receiver.test": ["127.0.0.1"]})
        partner = events.token(Role.PARTNER, "c1")
        registered = await events.client.mutation("registerWebhook", {"url": f"http://receiver.test:{port}/hook"}, REGISTER, as_=partner)
        await events.publish(event("needs.item.published.v1", item_id="i1"))
        await eventually(receiver.got_one, what="the delivery")

    assert registered["errors"] == []
    assert receiver.received[0][1]["host"] == f"receiver.test:{port}"


async def test_a_failed_connection_is_logged_without_detail_or_timing(events: Events) -> None:
    """The delivery log must not tell a closed port from a filtered one or a host that is down: only "could not connect"."""
    receiver = Receiver()
    async with serving(receiver.app()) as base:
        closed = base  # the port is closed once the receiver stops
    partner = events.token(Role.PARTNER, "c1")
    await events.client.mutation("registerWebhook", {"url": f"{closed}/hook"}, REGISTER, as_=partner)
    await events.publish(event("needs.item.published.v1", item_id="i1"))

    async def attempted() -> bool:
        deliveries = (await events.client.data(LOG, as_=partner))["webhooks"][0]["deliveries"]
        return bool(deliveries and deliveries[0]["attempts"])

    await eventually(attempted, what="a delivery attempt")
    attempts = (await events.client.data(LOG, as_=partner))["webhooks"][0]["deliveries"][0]["attempts"]

    assert attempts[0] == {"statusCode": None, "error": "could not connect", "durationMs": 0}


@pytest.mark.parametrize("answer", [*PRIVATE_ANSWERS, "100.64.0.1", "64:ff9b:1::1", "2001::1", "::7f00:1"])
async def test_the_delivery_resolver_never_hands_out_a_private_address(answer: str) -> None:
    guard = AddressGuard(fast_settings(), resolver=StubResolver({"partner.example": [answer], "mixed.example": ["93.184.216.34", answer]}))
    resolver = GuardedResolver(guard)

    for host, port in [("partner.example", 443), ("mixed.example", 443), (answer, 443), ("93.184.216.34", 8080)]:
        with pytest.raises(OSError, match="could not connect"):
            await resolver.resolve(host, port)
    (allowed,) = await resolver.resolve("93.184.216.34", 443)

    assert (allowed["hostname"], allowed["host"], allowed["port"]) == ("93.184.216.34", "93.184.216.34", 443)


@pytest.mark.parametrize("address", ["127.0.0.1", "[::1]", "10.0.0.7", "169.254.169.254"])
async def test_the_delivery_client_never_posts_to_a_private_literal_address(address: str) -> None:
    """aiohttp asks no resolver about a literal address: the client checks it before the request (and gets no answer)."""
    receiver = Receiver()
    async with serving(receiver.app()) as base:
        port = int(base.rsplit(":", 1)[1])
        client = WebhookClient(AddressGuard(fast_settings(webhook_allowed_ports=(port,))), timeout_s=2.0, connections=4)
        try:
            status = await client.post(f"http://{address}:{port}/hook", b"{}", {"content-type": "application/json"})
        finally:
            await client.close()

    assert status is None
    assert receiver.received == []


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "017700000001", "127.1"])
async def test_other_spellings_of_loopback_are_refused_as_what_they_resolve_to(host: str) -> None:
    guard = AddressGuard(fast_settings())  # the system's resolver, which reads these as 127.0.0.1

    with pytest.raises(Refused) as refused:
        await guard.addresses(host, 80)

    assert not isinstance(refused.value, Unresolvable)
