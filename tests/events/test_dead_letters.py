"""Dead letters shown to district administrators through the events subgraph, and to nobody else."""

from __future__ import annotations

from services.common.bus import Subscription
from services.common.bus.memory import InProcessBus
from services.common.events import Event
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.events.app import create_app
from tests.events.conftest import Events, event, place
from tests.support import eventually, fast_settings, running

LETTERS = "query($c: String) { deadLetters(consumer: $c) { consumer eventId routingKey community attempts error data } }"


async def test_an_administrator_sees_their_districts_dead_letters_and_others_see_none() -> None:
    settings = fast_settings()
    bus = InProcessBus(delivery_limit=2, retry_delays_ms=(10,))

    async def reject(event: Event) -> None:
        raise ValueError(f"cannot count {event.data.get('organization_id')}")

    await bus.subscribe(Subscription("orgs", ("claims.#",), reject))
    app = create_app(settings, bus=bus, memory=MemoryServer())
    async with running(app) as client:
        service = Events(client, bus, settings, app)
        await service.publish(place("c1", "d1"), place("c3", "d2"))
        poison = event("claims.claim.approved.v1", "c1", organization_id="o-missing")
        await service.publish(poison, event("claims.claim.approved.v1", "c3", organization_id="o-elsewhere"))
        admin = service.token(Role.DISTRICT_ADMIN, districts=("d1",))

        async def dead() -> bool:
            return len((await client.data(LETTERS, as_=admin))["deadLetters"]) == 1

        await eventually(dead, what="the dead letter")
        letters = (await client.data(LETTERS, {"c": "orgs"}, as_=admin))["deadLetters"]
        of_needs = (await client.data(LETTERS, {"c": "needs"}, as_=admin))["deadLetters"]
        other_admin = (await client.data(LETTERS, as_=service.token(Role.DISTRICT_ADMIN, districts=("d2",))))["deadLetters"]
        staff = await client.post(LETTERS, as_=service.token(Role.COMMUNITY_STAFF, "c1"))
        unknown = await client.post(LETTERS, {"c": "billing"}, as_=admin)
    await bus.close()

    assert letters == [
        {
            "consumer": "orgs",
            "eventId": poison.id,
            "routingKey": "claims.claim.approved.v1",
            "community": "c1",
            "attempts": 2,
            "error": "ValueError('cannot count o-missing')",
            "data": {"community_id": "c1", "organization_id": "o-missing"},
        }
    ]
    assert of_needs == []
    assert [letter["community"] for letter in other_admin] == ["c3"]  # theirs, not d1's
    assert staff["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert unknown["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "consumer"}
