"""Redelivered events change nothing: read models record the event id, notices have derived ids."""

from __future__ import annotations

from services.common.app import utc_now
from services.common.events import new_event
from services.common.store import connect
from services.notices.handlers import NoticesHandlers
from services.notices.settings import NoticesSettings
from services.notices.store import NoticesStore
from services.people.consumers import PeopleConsumers
from services.people.handlers import PeopleHandlers
from services.people.settings import PeopleSettings
from services.people.store import PeopleStore


async def test_people_read_models_and_notices_ignore_a_redelivered_event() -> None:
    client = connect("memory://")
    store = PeopleStore(client.database("people"))
    consumers = PeopleConsumers(PeopleHandlers(store, PeopleSettings(), clock=utc_now, notify=lambda: None))
    approved = new_event(
        "claims.claim.approved.v1", service="claims", community="c1",
        data={"claim_id": "k1", "item_id": "i1", "community_id": "c1", "organization_id": "o1", "status": "approved"},
    )  # fmt: skip
    evaluated = new_event(
        "claims.project.evaluated.v1", service="claims", community="c1",
        data={"claim_id": "k1", "item_id": "i1", "community_id": "c1", "organization_id": "o1", "score": 90.0, "status": "evaluated"},
    )  # fmt: skip
    submitted = new_event(
        "claims.claim.submitted.v1", service="claims", community="c1",
        data={"claim_id": "k1", "item_id": "i1", "community_id": "c1", "organization_id": "o1", "actor": "leader", "status": "submitted"},
    )  # fmt: skip
    for event in (submitted, approved, approved, evaluated, evaluated):
        await consumers.handle(event)
    organization = await store.organization("o1")
    assert organization is not None
    assert (organization["claimed_items"], organization["scores"], len(organization["handled_events"])) == (["i1"], {"k1": 90.0}, 2)

    notices = NoticesHandlers(NoticesStore(client.database("notices")), NoticesSettings(), clock=utc_now)
    accepted = new_event(
        "needs.need.accepted.v1", service="needs", community="c1",
        data={"need_id": "n1", "community_id": "c1", "title": "路灯", "submitter_id": "wang", "supporter_ids": ["li"], "status": "accepted"},
    )  # fmt: skip
    for _ in range(3):
        await notices.on_event(accepted)
    assert await notices.store.count_notices("wang", ["c1"], unread_only=False) == 1
    assert await notices.store.count_notices("li", ["c1"], unread_only=False) == 1
