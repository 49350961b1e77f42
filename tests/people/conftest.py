"""The platform behind the gateway, the people service on a clock the test moves, and a published activity of c1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common.bus.memory import InProcessBus
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from tests.notices.conftest import Platform
from tests.support import fast_settings, running, running_gateway
from tests.test_full_cycle import FACTORIES

ITEM = {
    "kind": "ACTIVITY",
    "category": "RED_CLASSROOM",
    "title": "太极拳晨练",
    "schedule": {"startsOn": "2026-12-01", "endsOn": "2027-06-30"},
    "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 100_000}],
    "eligibleClaimantKinds": ["RESIDENT", "SOCIAL_ORGANIZATION"],
    "claimWindow": {"opensAt": "2026-11-01T00:00:00+08:00", "closesAt": "2027-06-30T00:00:00+08:00"},
}
SESSION = "id itemId title startsAt endsAt venue capacity status confirmedCount waitingCount mySignUp myWaitingPosition"


class Clock:
    """The people service's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class People(Platform):
    """The platform, the people clock, and an activity of c1 with its staff's token."""

    clock: Clock
    item_id: str = ""

    @property
    def staff(self) -> str:
        return self.token("staff", Role.COMMUNITY_STAFF, "c1")

    def resident(self, name: str, community: str = "c1") -> str:
        return self.token(name, Role.RESIDENT, community)

    async def schedule(self, **fields: Any) -> list[dict[str, Any]]:
        """Plan sessions of the activity; the sessions made."""
        input = {"itemId": self.item_id, "durationMinutes": 90, "venue": "社区广场", "capacity": 20, **fields}
        payload = await self.mutate("scheduleActivitySessions", input, f"sessions {{ {SESSION} }}", as_=self.staff)
        sessions: list[dict[str, Any]] = payload["sessions"]
        return sessions

    async def session_mutation(self, name: str, input: dict[str, Any], *, as_: str, selection: str = SESSION) -> dict[str, Any]:
        return await self.client.mutation(name, input, f"session {{ {selection} }}", as_=as_)


@pytest.fixture
async def people() -> AsyncIterator[People]:
    settings = fast_settings(webhook_allow_private=True)
    bus, memory, clock = InProcessBus(), MemoryServer(), Clock()
    apps = {
        name: factory(settings, bus=bus, memory=memory, **({"clock": clock} if name == "people" else {}))
        for name, factory in FACTORIES.items()
    }
    async with AsyncExitStack() as stack:
        for app in apps.values():
            await stack.enter_async_context(running(app))
        client = await stack.enter_async_context(running_gateway(apps, settings))
        world = People(client, apps, bus, settings, clock)
        admin = world.token("admin", Role.DISTRICT_ADMIN, districts=("d1",))
        await world.mutate("registerDistrict", {"id": "d1", "name": "东城区"}, "district { id }", as_=admin)
        await world.mutate("registerStreet", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}, "street { id }", as_=admin)
        for community, name in (("c1", "左安浦园社区"), ("c2", "龙潭西里社区")):
            await world.mutate("registerCommunity", {"id": community, "streetId": "s1", "name": name}, "community { id }", as_=admin)
        await world.settle()  # needs writes only into communities it has heard of
        need = await world.mutate(
            "submitNeed", {"communityId": "c1", "title": "想学太极拳"}, "need { id }", as_=world.resident("submitter")
        )
        await world.mutate("acceptNeed", {"needId": need["need"]["id"]}, "need { id }", as_=world.staff)
        item = await world.mutate(
            "createServiceItem", {"communityId": "c1", "needIds": [need["need"]["id"]], **ITEM}, "serviceItem { id }", as_=world.staff
        )
        world.item_id = item["serviceItem"]["id"]
        await world.mutate("publishServiceItem", {"itemId": world.item_id}, "serviceItem { id }", as_=world.staff)
        await world.settle()
        yield world
    await bus.close()


def at(moment: str) -> datetime:
    """An ISO time."""
    return datetime.fromisoformat(moment)


__all__ = ["ITEM", "SESSION", "Clock", "People", "at", "people", "timedelta"]
