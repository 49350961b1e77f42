"""A running needs service (memory:// store, in-process bus) and ways to act in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette

from services.common.bus.memory import InProcessBus
from services.common.events import new_event
from services.common.identity import Role
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.needs.app import create_app
from tests.support import ERRORS, GraphQLClient, fast_settings, running, token

SUBMIT = """
mutation Submit($input: SubmitNeedInput!) {
  submitNeed(input: $input) {
    need { id title status category supportCount submitterId anonymous communityId }
    errors { __typename code field message }
  }
}"""
CREATE_ITEM = """
mutation Create($input: CreateServiceItemInput!) {
  createServiceItem(input: $input) {
    serviceItem { id status totalFen needs { id status } }
    errors { __typename code field message }
  }
}"""


@dataclass
class Needs:
    """The running service, its bus, and tokens for the usual people of communities c1 (d1), c2 (d2), c3 (d1)."""

    client: GraphQLClient
    bus: InProcessBus
    settings: Settings
    memory: MemoryServer
    app: Starlette

    async def settle(self) -> None:
        """Publish what the outboxes hold and let the consumers handle it (the statistics follow the events)."""
        await self.app.state.relay.run_once()
        await self.bus.drain()

    def token(self, role: Role, *communities: str, subject: str | None = None, districts: tuple[str, ...] = ()) -> str:
        """A token for someone acting in ``communities``."""
        return token(self.settings, role, communities=communities, districts=districts, subject=subject)

    @property
    def resident(self) -> str:
        return self.token(Role.RESIDENT, "c1", subject="resident-1")

    @property
    def staff(self) -> str:
        return self.token(Role.COMMUNITY_STAFF, "c1", subject="staff-1")

    @property
    def district_admin(self) -> str:
        return self.token(Role.DISTRICT_ADMIN, subject="admin-1", districts=("d1",))

    async def register_community(self, community_id: str, street_id: str, district_id: str) -> None:
        """What the orgs service announces when a district registers a community."""
        data = {"community_id": community_id, "name": community_id, "street_id": street_id, "district_id": district_id}
        await self.bus.publish(new_event("orgs.community.registered.v1", service="orgs", community=community_id, data=data))
        await self.bus.drain()

    async def submit(self, as_: str | None = None, **fields: Any) -> dict[str, Any]:
        """Submit a need (community c1 unless told), returning the payload."""
        variables = {"input": {"communityId": "c1", "title": "楼道灯坏了", "category": "BLUE_GUARD", **fields}}
        data = await self.client.data(SUBMIT, variables, as_=as_ or self.resident)
        payload: dict[str, Any] = data["submitNeed"]
        return payload

    async def accepted_need(self, **fields: Any) -> str:
        """A need of c1 accepted by staff."""
        need_id: str = (await self.submit(**fields))["need"]["id"]
        await self.client.data(f'mutation {{ acceptNeed(input: {{needId: "{need_id}"}}) {{ {ERRORS} }} }}', as_=self.staff)
        return need_id

    async def create_item(self, need_ids: list[str], as_: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create a service item from needs, returning the payload."""
        data = await self.client.data(CREATE_ITEM, {"input": item_input(need_ids, **fields)}, as_=as_ or self.staff)
        payload: dict[str, Any] = data["createServiceItem"]
        return payload

    async def mutate(self, name: str, input: dict[str, Any], selection: str, as_: str) -> dict[str, Any]:
        """Run mutation ``name`` with an input variable; return its payload."""
        return await self.client.mutation(name, input, selection, as_=as_)


def knowing(*communities: str, memory: MemoryServer | None = None) -> MemoryServer:
    """A memory server whose needs places read model knows these communities (of d1), as if orgs had announced them."""
    memory = memory or MemoryServer()
    for community in communities:
        place = {"_id": community, "name": community, "street_id": "s1", "district_id": "d1", "handled_events": []}
        memory.client["renling_needs"]["communities"].insert_one(place)
    return memory


def item_input(need_ids: list[str], **fields: Any) -> dict[str, Any]:
    """A valid CreateServiceItemInput for community c1."""
    now = datetime.now(UTC)
    return {
        "communityId": "c1",
        "needIds": need_ids,
        "kind": "PROJECT",
        "category": "BLUE_GUARD",
        "title": "楼道照明改造",
        "budget": [{"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 120000}, {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 30000}],
        "schedule": {"startsOn": "2026-12-01", "endsOn": "2026-12-31", "note": "每周六上午"},
        "claimWindow": {"opensAt": (now - timedelta(hours=1)).isoformat(), "closesAt": (now + timedelta(days=7)).isoformat()},
        "eligibleClaimantKinds": ["SOCIAL_ORGANIZATION", "RESIDENT"],
        "supportOffered": ["VENUE", "TRAINING"],
        **fields,
    }


@pytest.fixture
async def needs() -> AsyncIterator[Needs]:
    """The needs service with communities c1 and c3 in district d1 and c2 in d2."""
    settings = fast_settings()
    bus = InProcessBus(delivery_limit=3, retry_delays_ms=(10,))
    memory = MemoryServer()
    app = create_app(settings, bus=bus, memory=memory)
    async with running(app) as client:
        service = Needs(client, bus, settings, memory, app)
        await service.register_community("c1", "s1", "d1")
        await service.register_community("c2", "s2", "d2")
        await service.register_community("c3", "s3", "d1")
        yield service
    await bus.close()
