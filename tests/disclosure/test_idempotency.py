"""A redelivered event changes the 公示 and the reports once, and a delivery cut short is completed by the next."""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.events import new_event
from services.common.store import connect
from services.common.store.memory import MemoryServer
from services.disclosure.consumers import DisclosureConsumers
from services.disclosure.domain import Period
from services.disclosure.store import DisclosureStore

AT = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


async def test_the_same_event_twice_is_counted_once() -> None:
    store = DisclosureStore(connect("memory://", memory=MemoryServer()).database("renling_disclosure"))
    await store.create_indexes()
    consumers = DisclosureConsumers(store)
    published = new_event(
        "needs.item.published.v1", service="needs", community="c1", time=AT, subject="i1",
        data={"item_id": "i1", "community_id": "c1", "category": "red_classroom", "status": "published", "previous_status": "draft",
              "title": "四点半课堂", "kind": "project", "budget": [{"fund_source": "party_service_fund", "amount_fen": 500}]},
    )  # fmt: skip
    disbursed = new_event(
        "claims.project.funds_disbursed.v1", service="claims", community="c1", time=AT, subject="k1",
        data={"claim_id": "k1", "item_id": "i1", "community_id": "c1", "status": "implementing", "claimant_kind": "resident",
              "disbursement_id": "d1", "amount_fen": 200, "fund_source": "party_service_fund", "on": "2026-03-10"},
    )  # fmt: skip

    for event in (published, published, disbursed, disbursed):
        await consumers.handle(event)

    claim = await store.record(store.claims, "k1")
    assert claim is not None
    assert [d["amount_fen"] for d in claim["disbursements"]] == [200]
    facts = [f async for f in store.walk_facts(["c1"], ["funds", "items", "disbursements"], Period.parse("2026-03-01", "2026-03-31"))]
    assert sorted((f["table"], f["value"]) for f in facts) == [("disbursements", 200), ("funds", 200), ("funds", 500), ("items", 1)]
    ledger = next(f for f in facts if f["table"] == "disbursements")
    assert ledger["row"]["claimant"] == "居民个人认领"
