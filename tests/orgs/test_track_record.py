"""Track records kept from the claims service's events, each event counted once."""

from __future__ import annotations

from typing import Any

from services.common.events import Event, new_event
from tests.orgs.conftest import Orgs

TRACK = "query($id: ID!) { organization(id: $id) { trackRecord { itemsClaimed projectsCompleted averageScore volunteerHours fundsTotalFen fundsReceived { fundSource amountFen } } } }"


def _claims(routing_key: str, **data: Any) -> Event:
    return new_event(routing_key, service="claims", community="c1", data={"community_id": "c1", "item_id": "i1", **data})


async def test_claims_events_build_the_track_record_and_duplicates_count_once(orgs: Orgs) -> None:
    org_id = (await orgs.registered())["id"]
    events = [
        _claims("claims.claim.approved.v1", claim_id="k1", organization_id=org_id),
        _claims("claims.claim.approved.v1", claim_id="k2", organization_id=org_id),
        _claims("claims.project.progress_reported.v1", claim_id="k1", organization_id=org_id, volunteer_hours=12.5),
        _claims(
            "claims.project.funds_disbursed.v1",
            claim_id="k1",
            organization_id=org_id,
            amount_fen=80000,
            fund_source="community_welfare_fund",
        ),
        _claims(
            "claims.project.funds_disbursed.v1", claim_id="k1", organization_id=org_id, amount_fen=20000, fund_source="party_service_fund"
        ),
        _claims("claims.project.completed.v1", claim_id="k1", organization_id=org_id),
        _claims("claims.project.evaluated.v1", claim_id="k1", organization_id=org_id, score=92),
        _claims("claims.claim.approved.v1", claim_id="k3"),
    ]

    for event in [*events, *events]:
        await orgs.bus.publish(event)
    await orgs.bus.drain()

    record = (await orgs.client.data(TRACK, {"id": org_id}, as_=orgs.staff))["organization"]["trackRecord"]
    assert record == {
        "itemsClaimed": 2,
        "projectsCompleted": 1,
        "averageScore": 4.6,  # the claims event's 92 of 100, on the graph's one scale (1–5)
        "volunteerHours": 12.5,
        "fundsTotalFen": 100000,
        "fundsReceived": [
            {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 20000},
            {"fundSource": "COMMUNITY_WELFARE_FUND", "amountFen": 80000},
            {"fundSource": "OTHER", "amountFen": 0},
        ],
    }
    assert list(orgs.bus.dead) == []


async def test_an_event_breaking_the_contract_is_dead_lettered(orgs: Orgs) -> None:
    org_id = (await orgs.registered())["id"]

    await orgs.bus.publish(
        _claims("claims.project.funds_disbursed.v1", claim_id="k1", organization_id=org_id, amount_fen=12.5, fund_source="x")
    )
    await orgs.bus.drain()

    assert [letter.event.routing_key for letter in orgs.bus.dead] == ["claims.project.funds_disbursed.v1"]
    assert "amount_fen" in orgs.bus.dead[0].error
