"""The orgs service on the real RabbitMQ, and the needs service learning places from it."""

from __future__ import annotations

import asyncio

from services.common.events import Event, new_event
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.needs.app import create_app as create_needs_app
from services.orgs.app import create_app
from tests.broker import Broker, broker
from tests.orgs.conftest import organization_input
from tests.support import GraphQLClient, eventually, running, token

__all__ = ["broker"]

REGISTER_PLACES = [
    ("registerDistrict", "RegisterDistrictInput", {"id": "d1", "name": "东城区"}, "district { id }"),
    ("registerStreet", "RegisterStreetInput", {"id": "s1", "districtId": "d1", "name": "龙潭街道"}, "street { id }"),
    ("registerCommunity", "RegisterCommunityInput", {"id": "c1", "streetId": "s1", "name": "左安浦园社区"}, "community { id }"),
]


async def _register_places(client: GraphQLClient, admin: str) -> None:
    for name, type_name, input, selection in REGISTER_PLACES:
        data = await client.data(
            f"mutation($i: {type_name}!) {{ {name}(input: $i) {{ {selection} errors {{ message }} }} }}", {"i": input}, as_=admin
        )
        assert data[name]["errors"] == []


async def organization_and_its_approval(client: GraphQLClient, admin: str, staff: str) -> tuple[str, Event]:
    """Places and an organization of c1 registered; a claims event approving its claim k1 (not yet published)."""
    await _register_places(client, admin)
    registered = await client.data(
        "mutation($i: RegisterOrganizationInput!) { registerOrganization(input: $i) { organization { id } errors { message } } }",
        {"i": organization_input()},
        as_=staff,
    )
    org_id: str = registered["registerOrganization"]["organization"]["id"]
    data = {"claim_id": "k1", "item_id": "i1", "organization_id": org_id}
    return org_id, new_event("claims.claim.approved.v1", service="claims", community="c1", data=data)


async def test_registrations_are_observed_as_cloudevents_on_rabbitmq(broker: Broker) -> None:
    admin = token(broker.settings, Role.DISTRICT_ADMIN, districts=["d1"])
    async with running(create_app(broker.settings)) as client:
        await _register_places(client, admin)

        async def announced() -> bool:
            return len(broker.seen_of("orgs.community.registered.v1")) == 1

        await eventually(announced, what="orgs.community.registered.v1")

    event = broker.seen_of("orgs.community.registered.v1")[0]
    assert event.type == "org.renling.orgs.community.registered.v1"
    assert event.source == "/communities/c1/orgs"
    assert event.data == {"community_id": "c1", "name": "左安浦园社区", "street_id": "s1", "district_id": "d1", "address": ""}
    assert [e.routing_key for e in broker.seen][:2] == ["orgs.district.registered.v1", "orgs.street.registered.v1"]


async def test_a_claims_event_duplicated_by_rabbitmq_is_counted_once(broker: Broker) -> None:
    admin = token(broker.settings, Role.DISTRICT_ADMIN, districts=["d1"])
    staff = token(broker.settings, Role.COMMUNITY_STAFF, communities=["c1"])
    async with running(create_app(broker.settings)) as client:
        org_id, approved = await organization_and_its_approval(client, admin, staff)
        hours = new_event(
            "claims.project.progress_reported.v1",
            service="claims",
            community="c1",
            data={"claim_id": "k1", "organization_id": org_id, "volunteer_hours": 6},
        )
        for event in (approved, approved, hours, hours, approved):
            await broker.observer.publish(event)
        query = "query($id: ID!) { organization(id: $id) { trackRecord { itemsClaimed volunteerHours } } }"

        async def counted() -> bool:
            record = (await client.data(query, {"id": org_id}, as_=staff))["organization"]["trackRecord"]
            return bool(record["volunteerHours"] > 0 and record["itemsClaimed"] > 0)

        await eventually(counted, what="the track record")
        await asyncio.sleep(0.5)
        record = (await client.data(query, {"id": org_id}, as_=staff))["organization"]["trackRecord"]

    assert record == {"itemsClaimed": 1, "volunteerHours": 6.0}


async def test_the_needs_service_learns_places_from_orgs_over_rabbitmq(broker: Broker) -> None:
    admin = token(broker.settings, Role.DISTRICT_ADMIN, districts=["d1"])
    resident = token(broker.settings, Role.RESIDENT, communities=["c1"])
    needs_app = create_needs_app(broker.settings, memory=MemoryServer())
    async with running(create_app(broker.settings)) as orgs, running(needs_app) as needs:
        await _register_places(orgs, admin)

        async def knows_c1() -> bool:
            return bool(await needs_app.state.handlers.store.places.district_of("c1") == "d1")

        await eventually(knows_c1, what="the needs service to learn of c1 from orgs")
        await needs.data('mutation { submitNeed(input: {communityId: "c1", title: "加装扶手"}) { errors { message } } }', as_=resident)
        query = (
            '{ _entities(representations: [{__typename: "District", id: "d1"}]) { ... on District { needStats { total communities } } } }'
        )

        async def rolled_up() -> bool:
            stats = (await needs.data(query, as_=admin))["_entities"][0]["needStats"]
            return bool(stats == {"total": 1, "communities": 1})

        await eventually(rolled_up, what="the needs service to learn c1's district from orgs")
