"""The needs service's use cases end to end over GraphQL (HTTP)."""

from __future__ import annotations

import asyncio

from services.common.bus import PublishError
from services.common.bus.memory import InProcessBus
from services.common.events import Event, new_event
from services.common.identity import Role
from services.common.store.memory import MemoryServer
from services.needs.app import create_app
from tests.needs.conftest import Needs, item_input
from tests.support import eventually, fast_settings, observe, running, token

ITEM = "serviceItem(id: $id) { status approvedClaimCount history { action fromStatus toStatus actor } needs { id status } }"


async def test_a_need_becomes_a_published_item_and_is_resolved_when_its_work_is_evaluated(needs: Needs) -> None:
    submitted = await needs.submit(targetGroups=["ELDERLY"], location="3号楼")
    need_id = submitted["need"]["id"]
    assert submitted["errors"] == []
    assert submitted["need"]["status"] == "SUBMITTED"

    review = await needs.mutate("startNeedReview", {"needId": need_id}, "need { status }", as_=needs.staff)
    classify = await needs.mutate(
        "classifyNeed",
        {
            "needId": need_id,
            "category": "BLUE_GUARD",
            "targetGroups": ["ELDERLY", "DISABLED"],
            "priority": "HIGH",
            "analysisNote": "老旧小区",
        },
        "need { priority analysisNote targetGroups }",
        as_=needs.staff,
    )
    accept = await needs.mutate("acceptNeed", {"needId": need_id}, "need { status }", as_=needs.staff)
    assert review["need"]["status"] == "UNDER_REVIEW"
    assert classify["need"] == {"priority": "HIGH", "analysisNote": "老旧小区", "targetGroups": ["ELDERLY", "DISABLED"]}
    assert accept["need"]["status"] == "ACCEPTED"

    created = await needs.create_item([need_id])
    item_id = created["serviceItem"]["id"]
    assert created["errors"] == []
    assert created["serviceItem"]["status"] == "DRAFT"
    assert created["serviceItem"]["totalFen"] == 150000
    assert created["serviceItem"]["needs"] == [{"id": need_id, "status": "PLANNED"}]

    published = await needs.mutate(
        "publishServiceItem", {"itemId": item_id}, "serviceItem { status claimWindowOpen publishedAt }", as_=needs.staff
    )
    assert published["serviceItem"]["status"] == "PUBLISHED"
    assert published["serviceItem"]["claimWindowOpen"] is True

    for key in ("claims.claim.approved.v1", "claims.project.started.v1", "claims.project.completed.v1", "claims.project.evaluated.v1"):
        data = {"item_id": item_id, "claim_id": "k1", "community_id": "c1", "actor": "staff-1"}
        await needs.bus.publish(new_event(key, service="claims", community="c1", data=data))

    async def resolved() -> bool:
        await needs.bus.drain()
        found = await needs.client.data(f"query($id: ID!) {{ {ITEM} }}", {"id": item_id}, as_=needs.staff)
        return bool(found["serviceItem"]["needs"][0]["status"] == "RESOLVED")

    await eventually(resolved, what="the need resolved")
    item = (await needs.client.data(f"query($id: ID!) {{ {ITEM} }}", {"id": item_id}, as_=needs.staff))["serviceItem"]
    assert item["status"] == "EVALUATED"
    assert item["approvedClaimCount"] == 1
    assert [(step["action"], step["toStatus"]) for step in item["history"]] == [
        ("publish", "PUBLISHED"),
        ("fill", "CLAIMED"),
        ("start", "IN_PROGRESS"),
        ("complete", "COMPLETED"),
        ("evaluate", "EVALUATED"),
    ]
    history = await needs.client.data(f'{{ need(id: "{need_id}") {{ history {{ action actor }} }} }}', as_=needs.staff)
    assert [step["action"] for step in history["need"]["history"]] == ["start_review", "accept", "plan", "resolve"]


async def test_support_counts_once_per_resident_even_when_sent_concurrently(needs: Needs) -> None:
    need_id = (await needs.submit())["need"]["id"]
    same_resident = needs.token(Role.RESIDENT, "c1", subject="neighbour")
    others = [needs.token(Role.RESIDENT, "c1", subject=f"neighbour-{n}") for n in range(5)]  # not the submitter

    payloads = await asyncio.gather(
        *(needs.mutate("supportNeed", {"needId": need_id}, "need { supportCount }", as_=same_resident) for _ in range(10)),
        *(needs.mutate("supportNeed", {"needId": need_id}, "need { supportCount }", as_=other) for other in others),
    )

    assert all(payload["errors"] == [] for payload in payloads)
    final = await needs.client.data(f'{{ need(id: "{need_id}") {{ supportCount supportedByMe }} }}', as_=same_resident)
    assert final["need"] == {"supportCount": 6, "supportedByMe": True}


async def test_merging_carries_supporters_to_the_target_once(needs: Needs) -> None:
    target = (await needs.submit(title="小区路灯"))["need"]["id"]
    duplicate = (await needs.submit(title="路灯不亮", as_=needs.token(Role.RESIDENT, "c1", subject="r-dup")))["need"]["id"]
    both = needs.token(Role.RESIDENT, "c1", subject="r-both")
    for need_id in (target, duplicate):
        await needs.mutate("supportNeed", {"needId": need_id}, "need { id }", as_=both)
    await needs.mutate("supportNeed", {"needId": duplicate}, "need { id }", as_=needs.token(Role.RESIDENT, "c1", subject="r-only"))

    merged = await needs.mutate(
        "mergeNeed", {"needId": duplicate, "intoNeedId": target}, "need { status mergedInto { id } }", as_=needs.staff
    )
    await needs.bus.drain()

    assert merged["need"] == {"status": "MERGED", "mergedInto": {"id": target}}
    found = await needs.client.data(f'{{ need(id: "{target}") {{ supportCount }} }}', as_=needs.staff)
    assert found["need"]["supportCount"] == 3  # r-both once, r-only, and the duplicate's submitter


async def test_cancelling_an_item_returns_its_needs_to_accepted(needs: Needs) -> None:
    need_id = await needs.accepted_need()
    item_id = (await needs.create_item([need_id]))["serviceItem"]["id"]
    await needs.mutate("publishServiceItem", {"itemId": item_id}, "serviceItem { status }", as_=needs.staff)

    cancelled = await needs.mutate(
        "cancelServiceItem", {"itemId": item_id, "reason": "经费调整"}, "serviceItem { status cancelReason }", as_=needs.staff
    )
    await needs.bus.drain()

    assert cancelled["serviceItem"] == {"status": "CANCELLED", "cancelReason": "经费调整"}
    found = await needs.client.data(f'{{ need(id: "{need_id}") {{ status serviceItem {{ id }} }} }}', as_=needs.staff)
    assert found["need"] == {"status": "ACCEPTED", "serviceItem": None}
    again = await needs.create_item([need_id])
    assert again["errors"] == []


async def test_revising_a_draft_changes_it_and_a_published_item_is_fixed(needs: Needs) -> None:
    need_id = await needs.accepted_need()
    item_id = (await needs.create_item([need_id]))["serviceItem"]["id"]
    revision = {
        key: value for key, value in item_input([need_id], title="楼道照明与扶手", slots=2).items() if key not in ("communityId", "needIds")
    }
    revised = await needs.mutate("reviseServiceItem", {"itemId": item_id, **revision}, "serviceItem { title slots }", as_=needs.staff)
    assert revised == {"serviceItem": {"title": "楼道照明与扶手", "slots": 2}, "errors": []}

    await needs.mutate("publishServiceItem", {"itemId": item_id}, "serviceItem { status }", as_=needs.staff)
    refused = await needs.mutate("reviseServiceItem", {"itemId": item_id, **revision}, "serviceItem { title }", as_=needs.staff)
    assert refused["serviceItem"] is None
    assert refused["errors"][0]["__typename"] == "TransitionNotAllowedError"
    assert refused["errors"][0]["currentStatus"] == "published"


async def test_the_same_claims_event_delivered_twice_changes_the_item_once(needs: Needs) -> None:
    need_id = await needs.accepted_need()
    item_id = (await needs.create_item([need_id]))["serviceItem"]["id"]
    await needs.mutate("publishServiceItem", {"itemId": item_id}, "serviceItem { status }", as_=needs.staff)
    approved = new_event(
        "claims.claim.approved.v1", service="claims", community="c1", data={"item_id": item_id, "claim_id": "k1", "community_id": "c1"}
    )

    for _ in range(3):
        await needs.bus.publish(approved)
    await needs.bus.drain()

    document = needs.memory.client["renling_needs"]["items"].find_one({"_id": item_id})
    assert document["handled_events"] == [approved.id]
    assert document["version"] == 3  # inserted, published, approved once
    assert [step["action"] for step in document["history"]] == ["publish", "fill"]


async def test_events_left_by_a_crash_between_write_and_publish_are_published_at_restart() -> None:
    class DeadBroker(InProcessBus):
        async def publish(self, event: Event) -> None:
            raise PublishError("broker gone")

    settings = fast_settings(outbox_interval_s=60)
    memory = MemoryServer()
    resident = token(settings, Role.RESIDENT, communities=["c1"])
    announced = InProcessBus()
    async with running(create_app(settings, memory=memory, bus=announced)):
        place = {"community_id": "c1", "name": "c1", "street_id": "s1", "district_id": "d1"}
        await announced.publish(new_event("orgs.community.registered.v1", service="orgs", community="c1", data=place))
        await announced.drain()
    await announced.close()
    dead = DeadBroker()
    async with running(create_app(settings, memory=memory, bus=dead)) as client:
        submitted = await client.data(
            'mutation { submitNeed(input: {communityId: "c1", title: "加装扶手"}) { need { id } } }', as_=resident
        )
    need_id = submitted["submitNeed"]["need"]["id"]

    restarted = InProcessBus()
    seen = await observe(restarted, "needs.need.submitted.v1")
    async with running(create_app(settings, memory=memory, bus=restarted)):
        await restarted.drain()
    await restarted.close()

    assert [event.data["need_id"] for event in seen] == [need_id]


async def test_a_retried_submission_with_the_same_idempotency_key_is_not_doubled(needs: Needs) -> None:
    first = await needs.submit(idempotencyKey="phone-7f3a")
    retry = await needs.submit(idempotencyKey="phone-7f3a")
    other = await needs.submit(idempotencyKey="phone-8b1c")
    someone_else = await needs.submit(idempotencyKey="phone-7f3a", as_=needs.token(Role.RESIDENT, "c1", subject="resident-2"))

    assert retry["need"]["id"] == first["need"]["id"]
    assert len({first["need"]["id"], other["need"]["id"], someone_else["need"]["id"]}) == 3
    await needs.settle()  # the count follows the events
    count = await needs.client.data("{ needs { totalCount } }", as_=needs.staff)
    assert count["needs"]["totalCount"] == 3


async def test_a_retried_item_creation_with_the_same_key_returns_the_first_item(needs: Needs) -> None:
    need_id = await needs.accepted_need()

    first = await needs.create_item([need_id], idempotencyKey="draft-1")
    retry = await needs.create_item([need_id], idempotencyKey="draft-1")

    assert retry["errors"] == []
    assert retry["serviceItem"]["id"] == first["serviceItem"]["id"]
    count = await needs.client.data("{ serviceItems { totalCount } }", as_=needs.staff)
    assert count["serviceItems"]["totalCount"] == 1
