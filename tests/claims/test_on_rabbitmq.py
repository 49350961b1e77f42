"""The claims service on the real RabbitMQ: consuming items and organizations, publishing its events."""

from __future__ import annotations

from services.claims.app import create_app
from services.common.identity import Role, mint_token
from services.common.store.memory import MemoryServer
from tests.broker import Broker, broker
from tests.claims.conftest import item_published, organization_registered, place, proposal
from tests.support import eventually, running, token

__all__ = ["broker"]


async def test_claims_learns_from_rabbitmq_and_its_events_are_consumed_by_a_test(broker: Broker) -> None:
    leader = mint_token(broker.settings, subject="leader-o1", roles=[Role.ORG_LEADER], communities=["c1"], organization="o1")
    staff = token(broker.settings, Role.COMMUNITY_STAFF, communities=["c1"])
    async with running(create_app(broker.settings, memory=MemoryServer())) as client:
        for event in (place("c1", "s1", "d1"), item_published("i1"), organization_registered("o1"), organization_registered("o1")):
            await broker.observer.publish(event)

        async def claimable() -> bool:
            payload = await client.mutation(
                "submitClaim", {"itemId": "i1", "organizationId": "o1", "proposal": proposal()}, "claim { id }", as_=leader
            )
            return not payload["errors"]

        await eventually(claimable, what="the item board and organization card from RabbitMQ")
        plan = {"communityId": "c1", "scheduledAt": "2026-12-05T19:00:00+08:00", "venue": "活动室", "agenda": ["i1"]}
        meeting = await client.mutation("scheduleMeeting", plan, "meeting { id }", as_=staff)
        listed = await client.data("{ claims { edges { node { id } } } }", as_=staff)
        claim_id = listed["claims"]["edges"][0]["node"]["id"]
        decided = await client.mutation(
            "decideClaim",
            {"meetingId": meeting["meeting"]["id"], "claimId": claim_id, "outcome": "APPROVED"},
            "claim { status }",
            as_=staff,
        )
        assert decided["claim"] == {"status": "APPROVED"}

        async def approved_observed() -> bool:
            return len(broker.seen_of("claims.claim.approved.v1")) == 1

        await eventually(approved_observed, what="claims.claim.approved.v1 on RabbitMQ")

    event = broker.seen_of("claims.claim.approved.v1")[0]
    assert event.type == "org.renling.claims.claim.approved.v1"
    assert event.data["item_id"] == "i1"
    assert event.data["organization_id"] == "o1"
    assert event.data["claim_id"] == claim_id
    assert len(broker.seen_of("claims.claim.submitted.v1")) == 1
    assert len(broker.seen_of("claims.meeting.scheduled.v1")) == 1
