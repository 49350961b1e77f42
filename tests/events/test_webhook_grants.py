"""An endpoint lives as long as the token that granted it, staff can take their community out, and rotation overlaps."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from services.events.domain import Endpoint, EndpointStatus
from tests.events.conftest import Events, Receiver, event, place
from tests.support import eventually, fast_settings, running, serving

ENDPOINT = "endpoint { id status disabledReason communities grantExpiresAt } secret"
STATUS = "{ webhooks { status disabledReason communities grantExpiresAt } }"


@dataclass
class Clock:
    """The service's clock, moved forward by the test."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Clocked:
    """The events service on a clock the test moves."""

    events: Events
    clock: Clock


@pytest.fixture
async def clocked() -> AsyncIterator[Clocked]:
    settings = fast_settings(webhook_allow_private=True, webhook_retry_base_s=0.05, webhook_retry_max_s=0.1, webhook_poll_s=0.05)
    bus = InProcessBus()
    clock = Clock()
    app = create_app(settings, bus=bus, memory=MemoryServer(), clock=clock)
    async with running(app) as client:
        service = Events(client, bus, settings, app)
        await service.publish(place("c1", "d1"), place("c2", "d1"))
        yield Clocked(service, clock)
    await bus.close()


def partner_token(events: Events, *communities: str, ttl: timedelta) -> str:
    return mint_token(events.settings, subject="partner-p", roles=[Role.PARTNER], communities=communities, ttl=ttl)


def item_ids(receiver: Receiver) -> list[str]:
    return [json.loads(body)["data"]["item_id"] for body, _ in receiver.received]


async def test_an_endpoint_stops_when_its_token_expires_and_a_renewal_with_a_current_token_resumes_it(clocked: Clocked) -> None:
    events, clock = clocked.events, clocked.clock
    receiver = Receiver(status=503)
    hour_token = partner_token(events, "c1", ttl=timedelta(hours=1))
    async with serving(receiver.app()) as base:
        registered = await events.client.mutation("registerWebhook", {"url": f"{base}/hook"}, ENDPOINT, as_=hour_token)
        endpoint_id = registered["endpoint"]["id"]
        await events.publish(event("needs.item.published.v1", item_id="before"))
        await eventually(receiver.got_one, what="a first, refused attempt")

        clock.offset = timedelta(hours=2)  # the registering token has expired; the retry is due

        async def disabled() -> bool:
            return bool((await events.client.data(STATUS, as_=hour_token))["webhooks"][0]["status"] == "DISABLED")

        await eventually(disabled, what="the endpoint to be disabled when its grant expired")
        receiver.status = 204
        await events.publish(event("needs.item.published.v1", item_id="while-expired"))
        while_expired = (await events.client.data(STATUS, as_=hour_token))["webhooks"][0]
        refused_attempts = len(receiver.received)

        fresh = partner_token(events, "c1", "c2", ttl=timedelta(days=1))
        renewed = await events.client.mutation("renewWebhook", {"endpointId": endpoint_id}, ENDPOINT, as_=fresh)

        async def caught_up() -> bool:
            return len(receiver.received) == refused_attempts + 1

        await eventually(caught_up, what="the waiting delivery after the renewal")
        await events.publish(event("needs.item.published.v1", item_id="after"))

        async def three() -> bool:
            return len(receiver.received) == refused_attempts + 2

        await eventually(three, what="a delivery after the renewal")
        outside = await events.client.mutation(
            "renewWebhook", {"endpointId": endpoint_id}, ENDPOINT, as_=partner_token(events, "c2", ttl=timedelta(days=1))
        )

    assert registered["endpoint"]["grantExpiresAt"] is not None
    assert while_expired["status"] == "DISABLED"
    assert while_expired["disabledReason"].startswith("the token it was registered with expired")
    assert renewed["errors"] == []
    assert renewed["endpoint"]["status"] == "ACTIVE"
    assert renewed["endpoint"]["communities"] == ["c1"]  # renewing never widens what the endpoint follows
    assert datetime.fromisoformat(renewed["endpoint"]["grantExpiresAt"]) > datetime.fromisoformat(registered["endpoint"]["grantExpiresAt"])
    # only refused attempts before the renewal; then the waiting one and the new one, never the event of the expired period
    assert item_ids(receiver) == ["before"] * refused_attempts + ["before", "after"]
    assert [(e["code"], e["field"]) for e in outside["errors"]] == [("FORBIDDEN", "endpointId")]


async def test_staff_see_who_follows_their_community_and_take_it_out_of_an_endpoint(clocked: Clocked) -> None:
    events = clocked.events
    receiver = Receiver()
    partner = partner_token(events, "c1", "c2", ttl=timedelta(days=1))
    staff = events.token(Role.COMMUNITY_STAFF, "c1")
    async with serving(receiver.app()) as base:
        registered = await events.client.mutation("registerWebhook", {"url": f"{base}/hook"}, ENDPOINT, as_=partner)
        endpoint_id = registered["endpoint"]["id"]
        following = await events.client.data('{ webhooksFollowing(communityId: "c1") { id owner communities status } }', as_=staff)
        stranger = await events.client.post('{ webhooksFollowing(communityId: "c1") { id } }', as_=events.token(Role.PARTNER, "c1"))
        other_staff = await events.client.mutation(
            "revokeWebhookAccess", {"endpointId": endpoint_id, "communityId": "c1"}, ENDPOINT, as_=events.token(Role.COMMUNITY_STAFF, "c2")
        )
        revoked = await events.client.mutation("revokeWebhookAccess", {"endpointId": endpoint_id, "communityId": "c1"}, ENDPOINT, as_=staff)
        await events.publish(
            event("needs.item.published.v1", "c1", item_id="c1-item"), event("needs.item.published.v1", "c2", item_id="c2-item")
        )
        await eventually(receiver.got_one, what="the c2 delivery")
        renewed = await events.client.mutation("renewWebhook", {"endpointId": endpoint_id}, ENDPOINT, as_=partner)

    assert following["webhooksFollowing"] == [{"id": endpoint_id, "owner": "partner-p", "communities": ["c1", "c2"], "status": "ACTIVE"}]
    assert stranger["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [(e["code"], e["field"]) for e in other_staff["errors"]] == [("FORBIDDEN", "communityId")]
    assert revoked["errors"] == []
    assert revoked["endpoint"]["communities"] == ["c2"]
    assert item_ids(receiver) == ["c2-item"]
    assert renewed["endpoint"]["communities"] == ["c2"]  # the owner's renewal does not bring the community back


async def test_after_a_rotation_both_secrets_sign_during_the_overlap(events: Events) -> None:
    receiver = Receiver()
    partner = events.token(Role.PARTNER, "c1")
    async with serving(receiver.app()) as base:
        registered = await events.client.mutation("registerWebhook", {"url": f"{base}/hook"}, ENDPOINT, as_=partner)
        endpoint_id = registered["endpoint"]["id"]
        rotated = await events.client.mutation("rotateWebhookSecret", {"endpointId": endpoint_id}, ENDPOINT, as_=partner)
        await events.publish(event("needs.item.published.v1", item_id="overlap"))
        await eventually(receiver.got_one, what="a delivery during the overlap")
        leaked = await events.client.mutation("rotateWebhookSecret", {"endpointId": endpoint_id, "overlapHours": 0}, ENDPOINT, as_=partner)
        await events.publish(event("needs.item.published.v1", item_id="no-overlap"))

        async def two() -> bool:
            return len(receiver.received) == 2

        await eventually(two, what="a delivery after a rotation without overlap")
        too_long = await events.client.mutation(
            "rotateWebhookSecret", {"endpointId": endpoint_id, "overlapHours": 500}, ENDPOINT, as_=partner
        )

    (body, headers), (later_body, later_headers) = receiver.received
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(registered["secret"]).verify(body, headers)
    Webhook(rotated["secret"]).verify(body, headers)
    assert len(later_headers["webhook-signature"].split(" ")) == 1
    Webhook(leaked["secret"]).verify(later_body, later_headers)
    for old in (registered["secret"], rotated["secret"]):
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(later_body, later_headers)
    assert [(e["code"], e["field"]) for e in too_long["errors"]] == [("INVALID_INPUT", "overlapHours")]


async def test_an_endpoint_stored_before_grants_existed_must_be_renewed_once(events: Events) -> None:
    receiver = Receiver()
    partner = events.token(Role.PARTNER, "c1")
    async with serving(receiver.app()) as base:
        registered = await events.client.mutation("registerWebhook", {"url": f"{base}/hook"}, ENDPOINT, as_=partner)
        store = events.app.state.handlers.store
        await store.endpoints.update_one({"_id": registered["endpoint"]["id"]}, {"$unset": {"grant_expires_at": ""}})
        await events.publish(event("needs.item.published.v1", item_id="legacy"))
        legacy = (await events.client.data(STATUS, as_=partner))["webhooks"][0]
        renewed = await events.client.mutation("renewWebhook", {"endpointId": registered["endpoint"]["id"]}, ENDPOINT, as_=partner)
        await events.publish(event("needs.item.published.v1", item_id="renewed"))
        await eventually(receiver.got_one, what="a delivery after the renewal")

    assert legacy["status"] == "DISABLED"
    assert legacy["disabledReason"].startswith("the token it was registered with expired")
    assert renewed["endpoint"]["status"] == "ACTIVE"
    assert item_ids(receiver) == ["renewed"]


def test_rotating_twice_within_the_overlap_keeps_every_secret_still_in_it() -> None:
    now = datetime.now(UTC)
    endpoint = Endpoint("e", "o", "https://x.example/", "s1", EndpointStatus.ACTIVE, frozenset({"c1"}), frozenset(), None, "", now, now)

    twice = endpoint.rotated("s2", at=now, overlap=timedelta(hours=24)).rotated(
        "s3", at=now + timedelta(hours=1), overlap=timedelta(hours=24)
    )

    assert twice.signing_secrets(now + timedelta(hours=2)) == ["s3", "s2", "s1"]
    assert twice.signing_secrets(now + timedelta(hours=24, minutes=30)) == ["s3", "s2"]
    assert twice.signing_secrets(now + timedelta(hours=26)) == ["s3"]
    assert twice.rotated("s4", at=now + timedelta(hours=2), overlap=timedelta(0)).signing_secrets(now + timedelta(hours=2)) == ["s4"]
