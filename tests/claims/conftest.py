"""A running claims service (memory:// store, in-process bus) fed with items and organizations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette

from services.claims.app import create_app
from services.common.bus.memory import InProcessBus
from services.common.events import Event, new_event
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from tests.support import GraphQLClient, fast_settings, observe, running

CLAIM = "claim { id status reason claimant { kind name organizationId } }"


def item_published(
    item_id: str = "i1", *, community: str = "c1", slots: int = 1, kinds: tuple[str, ...] = ("social_organization", "resident"), **data: Any
) -> Event:
    """What the needs service announces when an item is published."""
    now = datetime.now(UTC)
    payload = {
        "item_id": item_id,
        "community_id": community,
        "title": f"项目 {item_id}",
        "kind": "project",
        "budget": [
            {"fund_source": "community_welfare_fund", "amount_fen": 100_000, "source_name": None},
            {"fund_source": "party_service_fund", "amount_fen": 50_000, "source_name": None},
        ],
        "total_fen": 150_000,
        "claim_window": {"opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=7)).isoformat()},
        "eligible_claimant_kinds": list(kinds),
        "slots": slots,
        "need_ids": ["n1"],
        "status": "published",
        **data,
    }
    return new_event("needs.item.published.v1", service="needs", community=community, data=payload, subject=item_id)


def organization_registered(
    organization_id: str, *, community: str = "c1", kind: str = "social_organization", status: str = "active", served: tuple[str, ...] = ()
) -> Event:
    """What the orgs service announces about an organization."""
    data = {
        "organization_id": organization_id,
        "community_id": community,
        "served_community_ids": [community, *served],
        "name": f"组织 {organization_id}",
        "kind": kind,
        "purpose": "public_welfare",
        "status": status,
        "stage": "service_activities",
    }
    return new_event("orgs.org.registered.v1", service="orgs", community=community, data=data, subject=organization_id)


def place(community: str, street: str, district: str) -> Event:
    """What the orgs service announces about a community."""
    data = {"community_id": community, "name": community, "street_id": street, "district_id": district}
    return new_event("orgs.community.registered.v1", service="orgs", community=community, data=data)


def proposal(**changes: Any) -> dict[str, Any]:
    """A proposal within the item's budget."""
    return {
        "plan": "每月组织两次活动",
        "schedule": "2026年12月至2027年3月",
        "team": ["王秀兰", "李建国"],
        "budget": [{"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 60_000}],
        **changes,
    }


@dataclass
class Claims:
    """The running service, its bus, the events it published, and tokens."""

    client: GraphQLClient
    bus: InProcessBus
    settings: Settings
    memory: MemoryServer
    published: list[Event]
    app: Starlette

    def token(
        self, role: Role, *communities: str, subject: str | None = None, organization: str | None = None, districts: tuple[str, ...] = ()
    ) -> str:
        """A token."""
        return mint_token(
            self.settings,
            subject=subject or f"{role.value}-x",
            roles=[role],
            communities=communities,
            districts=districts,
            organization=organization,
        )

    @property
    def staff(self) -> str:
        return self.token(Role.COMMUNITY_STAFF, "c1", subject="staff-1")

    def leader(self, organization_id: str) -> str:
        """The leader of an organization of c1."""
        return self.token(Role.ORG_LEADER, "c1", subject=f"leader-{organization_id}", organization=organization_id)

    async def feed(self, *events: Event) -> None:
        """Deliver events as the other services would publish them."""
        for event in events:
            await self.bus.publish(event)
        await self.bus.drain()

    async def settle(self) -> None:
        """Publish what the outbox holds and let every consumer handle it."""
        await self.app.state.relay.run_once()
        await self.bus.drain()

    def of(self, routing_key: str) -> list[Event]:
        """Events the service published with this routing key."""
        return [event for event in self.published if event.routing_key == routing_key]

    async def mutate(self, name: str, input: dict[str, Any], selection: str = CLAIM, *, as_: str) -> dict[str, Any]:
        """Run a mutation, returning its payload."""
        return await self.client.mutation(name, input, selection, as_=as_)

    async def claim(self, organization_id: str = "o1", item_id: str = "i1", **changes: Any) -> str:
        """A submitted claim of an organization (must succeed)."""
        payload = await self.mutate(
            "submitClaim",
            {"itemId": item_id, "organizationId": organization_id, "proposal": proposal(**changes)},
            as_=self.leader(organization_id),
        )
        assert payload["errors"] == [], payload["errors"]
        claim_id: str = payload["claim"]["id"]
        return claim_id

    async def meeting(self, *items: str) -> str:
        """A scheduled intention meeting on ``items`` (must succeed)."""
        plan = {
            "communityId": "c1",
            "scheduledAt": "2026-12-05T19:00:00+08:00",
            "venue": "社区活动室",
            "agenda": list(items or ("i1",)),
            "attendees": [{"name": "居民代表甲", "role": "RESIDENT_REPRESENTATIVE"}],
        }
        payload = await self.mutate("scheduleMeeting", plan, "meeting { id status }", as_=self.staff)
        assert payload["errors"] == [], payload["errors"]
        meeting_id: str = payload["meeting"]["id"]
        return meeting_id

    async def decide(self, meeting_id: str, claim_id: str, outcome: str = "APPROVED", reason: str = "方案可行") -> dict[str, Any]:
        """The meeting's decision on a claim."""
        return await self.mutate(
            "decideClaim", {"meetingId": meeting_id, "claimId": claim_id, "outcome": outcome, "reason": reason}, as_=self.staff
        )

    async def approved(self, organization_id: str = "o1", item_id: str = "i1") -> str:
        """A claim approved at a meeting."""
        claim_id = await self.claim(organization_id, item_id)
        decided = await self.decide(await self.meeting(item_id), claim_id)
        assert decided["errors"] == [], decided["errors"]
        return claim_id


@pytest.fixture
async def claims() -> AsyncIterator[Claims]:
    """Claims with community c1 (district d1), item i1 (one slot), organizations o1, o2 (active, c1)."""
    settings = fast_settings()
    bus = InProcessBus(delivery_limit=3, retry_delays_ms=(10,))
    published = await observe(bus, "claims.#")
    memory = MemoryServer()
    app = create_app(settings, bus=bus, memory=memory)
    async with running(app) as client:
        service = Claims(client, bus, settings, memory, published, app)
        await service.feed(
            place("c1", "s1", "d1"), place("c2", "s2", "d1"), item_published(), organization_registered("o1"), organization_registered("o2")
        )
        yield service
    await bus.close()
