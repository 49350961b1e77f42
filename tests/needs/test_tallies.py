"""Issue 16.3: need statistics are counters fed by the needs service's own events, rebuilt from the records.

A generated district (communities, hundreds of needs and items through random transitions and
reclassifications across months) is stored through the store, with the events each change wrote
into its outbox; delivered to the counters as the consumer does (in order, shuffled, twice, while a
rebuild runs), they must equal a recount over the needs and items (one aggregation each) for any
period and set of communities, open ends included, on memory:// and MongoDB alike.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.common.domain import DomainError, local_date
from services.common.events import Event, new_event
from services.common.graphql.period import PeriodInput, bounds
from services.common.store import Database
from services.needs.domain import (
    NEED_MACHINE,
    BudgetLine,
    Category,
    ClaimWindow,
    FundSource,
    Need,
    NeedDraft,
    NeedSource,
    Priority,
    Schedule,
    ServiceItem,
    TargetGroup,
    draft_item,
    submit,
)
from services.needs.store import NeedsStore
from tests.needs.factories import item_draft
from tests.stores import plain_database

__all__ = ["plain_database"]

COMMUNITIES = ["c1", "c2", "c3", "c4"]
START = datetime(2025, 10, 1, tzinfo=UTC)
PERIODS = [
    PeriodInput(),
    PeriodInput(from_=date(2026, 1, 1), to=date(2026, 12, 31)),
    PeriodInput(from_=date(2026, 2, 1), to=date(2026, 2, 28)),
    PeriodInput(from_=date(2025, 11, 9), to=date(2026, 7, 4)),
    PeriodInput(from_=date(2026, 5, 1)),
    PeriodInput(to=date(2025, 12, 31)),
    PeriodInput(from_=date(2024, 1, 1), to=date(2024, 12, 31)),
]
Change = tuple[Need | ServiceItem, list[Event]]


@pytest.fixture
async def store(plain_database: Database) -> NeedsStore:
    store = NeedsStore(plain_database)
    await store.create_indexes()
    return store


def _at(rng: random.Random) -> datetime:
    return START + timedelta(days=rng.randrange(450), hours=rng.randrange(24))  # late UTC hours are the next local day


def _need_life(rng: random.Random, number: int) -> list[Change]:
    """A need submitted, then staff review, reclassify (no event yet), accept, merge, plan… at random."""
    at = _at(rng)
    draft = NeedDraft(
        rng.choice(COMMUNITIES), f"需求{number}", "", rng.choice(list(Category)), (TargetGroup.ELDERLY,), NeedSource.RESIDENT, "", False
    )
    current, events = submit(draft, need_id=f"n{number:03d}", submitter=f"r{number}", at=at)
    changes: list[Change] = [(current, events)]
    current = replace(current, version=1)
    for _ in range(rng.randrange(6)):
        at += timedelta(hours=rng.randrange(1, 200))
        actions = [action for action, moves in NEED_MACHINE.table.items() if current.status in moves and action != "withdraw"]
        choice = rng.choice([*actions, "classify"])
        try:
            if choice == "classify":
                after = current.classify(
                    category=rng.choice(list(Category)), target_groups=(), priority=Priority.NORMAL, analysis_note="", at=at
                )
                events = []
            elif choice == "merge":
                after, events = current.merge_into(replace(current, id="target"), actor="s", at=at)
            elif choice == "plan":
                after, events = current.plan("i-x", actor="s", at=at)
            elif choice == "reject":
                after, events = current.reject("不属于社区事务", actor="s", at=at)
            else:
                after, events = getattr(current, choice)(actor="s", at=at)
        except DomainError:
            continue
        changes.append((after, events))
        current = replace(after, version=current.version + 1)
    return changes


def _item_life(rng: random.Random, number: int) -> list[Change]:
    """An item drafted, maybe published, then cancelled or driven by claims (approved, started, terminated…)."""
    at = _at(rng)
    budget = (BudgetLine(FundSource.PARTY_SERVICE_FUND, 100 * rng.randrange(1, 900)), BudgetLine(FundSource.OTHER, 7_000, "捐赠"))
    window = ClaimWindow(at, at + timedelta(days=30))
    schedule = Schedule(local_date(at) + timedelta(days=31), local_date(at) + timedelta(days=90))
    draft = item_draft(
        community_id=rng.choice(COMMUNITIES), category=rng.choice(list(Category)), budget=budget, claim_window=window, schedule=schedule
    )
    current, events = draft_item(draft, item_id=f"i{number:03d}", actor="s", at=at)
    changes: list[Change] = [(current, events)]
    current = replace(current, version=1)
    for _ in range(rng.randrange(5)):
        at += timedelta(days=rng.randrange(1, 12))
        choice = rng.choice(["publish", "publish", "cancel", "approved", "started", "completed", "terminated"])
        try:
            if choice == "publish":
                after, events = current.publish(actor="s", at=at)
            elif choice == "cancel":
                after, events = current.cancel("经费取消", actor="s", at=at)
            else:
                after, events = current.record_claim(choice, f"k{rng.randrange(3)}", actor="claims", at=at)
        except DomainError:
            continue
        changes.append((after, events))
        current = replace(after, version=current.version + 1)
    return changes


def _generated(needs: int = 240, items: int = 90) -> tuple[list[list[Change]], list[list[Change]]]:
    rng = random.Random(16)
    return [_need_life(rng, n) for n in range(needs)], [_item_life(rng, n) for n in range(items)]


async def _store(store: NeedsStore, life: list[Change], delivered: set[str] | None = None, *, first_only: bool = False) -> None:
    """Store one record's changes as the handlers do: one insert, then one conditional save per change; with
    ``delivered``, each change's events are delivered right after it (or only the first change's)."""
    first, events = life[0]
    if isinstance(first, ServiceItem):
        await store.insert_item(first, events)
    else:
        await store.insert_need(first, events)
    if delivered is not None:
        await _deliver_new(store, first, delivered)
    for changed, events in life[1:]:
        if isinstance(changed, ServiceItem):
            await store.save_item(changed, events)
        else:
            await store.save_need(changed, events)
        if delivered is not None and not first_only:
            await _deliver_new(store, changed, delivered)


async def _deliver_new(store: NeedsStore, record: Need | ServiceItem, delivered: set[str]) -> None:
    """Deliver the events in the record's outbox not delivered yet, as the consumer would."""
    document = await (store.items if isinstance(record, ServiceItem) else store.needs).find_one({"_id": record.id})
    assert document is not None
    fresh = [event for event in map(Event.from_document, document["outbox"]) if event.id not in delivered]
    delivered.update(event.id for event in fresh)
    await _deliver(store, fresh)


async def _outbox(store: NeedsStore) -> list[Event]:
    documents = [*await store.needs.find({}, sort=[("_id", 1)]), *await store.items.find({}, sort=[("_id", 1)])]
    return [Event.from_document(entry) for document in documents for entry in document["outbox"]]


async def _deliver(store: NeedsStore, events: list[Event]) -> None:
    for event in events:
        await store.tallies.on_event(event)


async def _assert_counters_equal_a_recount(store: NeedsStore) -> None:
    for communities in (COMMUNITIES, ["c2"], ["c1", "c3"]):
        for period in PERIODS:
            span = bounds(period)
            assert await store.need_counts(communities, span) == await store.recount_need_counts(communities, span), period
            assert await store.planned_budgets(communities, span) == await store.recount_planned_budgets(communities, span), period


async def test_counters_fed_by_the_events_equal_a_recount_for_any_period_and_communities(store: NeedsStore) -> None:
    needs, items = _generated()
    delivered: set[str] = set()
    for life in [*needs, *items]:
        await _store(store, life, delivered)  # each change's events delivered right after it: the counters move by each
    statuses = {status for counts in (await store.need_counts(COMMUNITIES)).values() for status in counts["status"]}
    assert {"submitted", "accepted", "rejected", "merged", "planned"} <= statuses
    reclassified = [life for life in needs if getattr(life[-1][0], "category", None) is not getattr(life[0][0], "category", None)]
    assert reclassified  # reclassified without an event (the fallback path)
    everything = await store.need_counts(COMMUNITIES, bounds(None))
    assert sum(sum(counts["status"].values()) for counts in everything.values()) == len(needs)
    assert any(await store.planned_budgets(COMMUNITIES, bounds(None)))
    await _assert_counters_equal_a_recount(store)


async def test_events_delivered_twice_and_out_of_order_give_the_same_figures(store: NeedsStore) -> None:
    needs, items = _generated()
    delivered: set[str] = set()
    for life in [*needs, *items]:
        await _store(store, life, delivered, first_only=True)  # the first events at once, the rest later
    events = await _outbox(store)
    shuffled = [event for event in events if event.id not in delivered]
    random.Random(4).shuffle(shuffled)
    await _deliver(store, [*shuffled, *shuffled[:150]])
    await _assert_counters_equal_a_recount(store)
    before = await store.tallies.store.collection.find({}, sort=[("_id", 1)])
    await _deliver(store, events)  # every event again
    assert await store.tallies.store.collection.find({}, sort=[("_id", 1)]) == before


async def test_a_rebuild_recounts_the_records_and_loses_no_move_while_writes_go_on(store: NeedsStore) -> None:
    needs, items = _generated()
    lives = [*needs, *items]
    random.Random(5).shuffle(lives)
    early, late = lives[: len(lives) // 2], lives[len(lives) // 2 :]
    delivered: set[str] = set()
    for life in early:
        await _store(store, life, delivered, first_only=True)
    await _deliver(store, [event for event in await _outbox(store) if event.id not in delivered])
    await store.tallies.store.collection.update_many({}, {"$inc": {"counts.status:accepted": 3}})  # the counters went wrong
    store.tallies.counters.page_size = 11
    during: list[bool] = []

    async def writes() -> None:
        for life in late:
            during.append((await store.tallies.store.generations()).building is not None)
            await _store(store, life, delivered)
            await asyncio.sleep(0)

    rebuilt, _ = await asyncio.gather(store.tallies.rebuild(), writes())
    assert rebuilt.switched
    assert sum(during) >= 10  # records were stored and their events delivered while the rebuild ran
    await _assert_counters_equal_a_recount(store)


async def test_records_stored_before_the_counters_are_counted_once_at_the_first_start(plain_database: Database) -> None:
    store = NeedsStore(plain_database)
    needs, items = _generated(80, 30)
    for life in needs:
        record = life[-1][0]
        assert isinstance(record, Need)
        await store.insert_need(record, [])  # as an older version stored them: no events
    for life in items:
        done = life[-1][0]
        assert isinstance(done, ServiceItem)
        await store.insert_item(done, [])
    await store.create_indexes()  # the first start builds the counters from the records
    await NeedsStore(plain_database).create_indexes()  # a second start (or replica) counts nothing twice
    everything = await store.need_counts(COMMUNITIES, bounds(None))
    assert sum(sum(counts["status"].values()) for counts in everything.values()) == 80
    await _assert_counters_equal_a_recount(store)


async def test_a_reclassification_counts_once_whether_or_not_its_event_carries_the_facts(store: NeedsStore) -> None:
    draft = NeedDraft("c1", "路灯", "", Category.BLUE_GUARD, (TargetGroup.ELDERLY,), NeedSource.RESIDENT, "", False)
    need, events = submit(draft, need_id="n-re", submitter="r1", at=START)
    delivered: set[str] = set()
    await _store(store, [(need, events)], delivered)

    def reclassified(current: Need, category: Category, *, facts: bool) -> tuple[Need, list[Event]]:
        changed = current.classify(category=category, target_groups=(), priority=Priority.NORMAL, analysis_note="", at=START)
        data: dict[str, object] = {"need_id": current.id, "changes": {"category": {"old": current.category.value, "new": category.value}}}
        if facts:
            data |= {"community_id": "c1", "category": category.value, "created_on": local_date(START).isoformat(), "status": "submitted"}
        return changed, [new_event("needs.need.classified.v1", service="needs", community="c1", subject=current.id, time=START, data=data)]

    first, first_events = reclassified(replace(need, version=1), Category.RED_CLASSROOM, facts=True)
    second, second_events = reclassified(replace(first, version=2), Category.GREEN_GUARDIANS, facts=False)
    await store.save_need(first, first_events)
    await _deliver_new(store, first, delivered)
    buckets = await store.tallies.store.collection.find({})
    assert not any(change.startswith("unevented:") for bucket in buckets for change in bucket["changes"])  # its event said it all
    assert await store.need_counts(["c1"]) == await store.recount_need_counts(["c1"])

    await store.save_need(second, second_events)  # an event without the facts: the store moves the counters itself
    await _deliver_new(store, second, delivered)
    buckets = await store.tallies.store.collection.find({})
    assert any(change.startswith("unevented:") for bucket in buckets for change in bucket["changes"])
    counts = await store.need_counts(["c1"])
    assert counts == await store.recount_need_counts(["c1"])
    assert counts["c1"]["category"] == {"green_guardians": 1}
