"""Issue 16.3: claims statistics are counters fed by the claims service's own events, rebuilt from the claims.

A generated district (communities, hundreds of claims through random transitions, disbursements,
hours and evaluations across months) is stored through the store, with the events each change
wrote into its outbox; those events, delivered to the counters as the consumer does (in order,
twice, shuffled, while a rebuild runs), must give the figures of a full recount of the claims
(:func:`figures_in_period`) for any period, open ends included, on memory:// and MongoDB alike.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.claims.domain import (
    BudgetLine,
    Claim,
    ClaimantKind,
    ClaimFigures,
    ClaimStatus,
    Disbursement,
    FundSource,
    ProgressReport,
    Proposal,
    Rubric,
    TrainingSession,
    figures_in_period,
    submit,
)
from services.claims.domain.claim import Claimant
from services.claims.store import ClaimsStore
from services.common.domain import local_date
from services.common.events import Event
from services.common.graphql.period import PeriodInput, bounds
from services.common.store import Database
from tests.stores import plain_database

__all__ = ["plain_database"]

COMMUNITIES = ("c1", "c2", "c3", "c4")
CATEGORIES = ("red_classroom", "blue_guard", "green_guardians", "other")
START = datetime(2025, 10, 1, tzinfo=UTC)
Change = tuple[Claim, list[Event]]
"""A claim as decided (at the version it was decided from) and the events of the change."""
PERIODS = [
    PeriodInput(),
    PeriodInput(from_=date(2026, 1, 1), to=date(2026, 12, 31)),
    PeriodInput(from_=date(2026, 3, 1), to=date(2026, 3, 31)),
    PeriodInput(from_=date(2025, 12, 24), to=date(2025, 12, 24)),
    PeriodInput(from_=date(2025, 11, 17), to=date(2026, 8, 3)),
    PeriodInput(from_=date(2026, 6, 1)),
    PeriodInput(to=date(2025, 12, 31)),
    PeriodInput(from_=date(2024, 1, 1), to=date(2024, 12, 31)),
]


@pytest.fixture
async def store(plain_database: Database) -> ClaimsStore:
    store = ClaimsStore(plain_database)
    await store.create_indexes()
    return store


def _item(community_id: str, index: int) -> str:
    return f"item-{community_id}-{index}"


async def _publish_items(store: ClaimsStore) -> dict[str, str]:
    categories: dict[str, str] = {}
    for community_id in COMMUNITIES:
        for index, category in enumerate(CATEGORIES):
            item_id = _item(community_id, index)
            fields = {"community_id": community_id, "title": "项目", "category": category, "status": "published", "slots": 9}
            await store.record_published(fields, item_id, f"published-{item_id}", committed={})
            categories[item_id] = category
    return categories


def _life(rng: random.Random, number: int) -> list[Change]:
    """One generated claim's changes, from submission to wherever it stops, at random instants."""
    community_id = rng.choice(COMMUNITIES)
    at = START + timedelta(days=rng.randrange(450), hours=rng.randrange(24))  # some late UTC hours are the next local day
    budget = (BudgetLine(FundSource.PARTY_SERVICE_FUND, 100 * rng.randrange(1, 900)), BudgetLine(FundSource.COMMUNITY_WELFARE_FUND, 50_000))
    claim, events = submit(
        claim_id=f"k{number}",
        item_id=_item(community_id, rng.randrange(len(CATEGORIES))),
        community_id=community_id,
        claimant=Claimant(ClaimantKind.SOCIAL_ORGANIZATION, f"leader{number}", f"o{number}", "夕阳天使"),
        proposal=Proposal("每月两次活动", team=("王", "李"), budget=budget),
        at=at,
    )
    changes: list[Change] = [(claim, events)]
    current = replace(claim, version=1)

    def later() -> datetime:
        nonlocal at
        at = at + timedelta(days=rng.randrange(40), hours=rng.randrange(1, 24))
        return at

    def step(move: Callable[[Claim, datetime], tuple[Claim, list[Event]]]) -> None:
        nonlocal current
        after, events = move(current, later())
        changes.append((after, events))
        current = replace(after, version=current.version + 1)

    ending = rng.choice(["submitted", "shortlisted", "rejected", "withdrawn", "approved", "training", "implementing", "done"])
    if ending == "submitted":
        return changes
    if rng.random() < 0.5 or ending == "shortlisted":
        step(lambda c, t: c.shortlist(actor="s", at=t))
    if ending in ("shortlisted", "rejected", "withdrawn"):
        if ending == "rejected":
            step(lambda c, t: c.reject("不符合", meeting_id="m1", actor="s", at=t))
        elif ending == "withdrawn":
            step(lambda c, t: c.withdraw("", actor="l", at=t))
        return changes
    step(lambda c, t: c.approve(meeting_id="m1", actor="s", at=t))
    if ending != "approved":
        step(lambda c, t: c.record_training(TrainingSession(f"t{number}", local_date(t), "培训", "督导", (), "s", t)))
        step(
            lambda c, t: c.disburse(
                Disbursement(f"d{number}a", BudgetLine(FundSource.COMMUNITY_WELFARE_FUND, 20_000), local_date(t), "物资", "s", t)
            )
        )
    if ending in ("implementing", "done"):
        step(lambda c, t: c.start_implementation(actor="l", at=t))
        for report in range(rng.randrange(1, 3)):
            hours = rng.choice([2.0, 3.5, 8.0])
            progress = ProgressReport(f"p{number}{report}", 40 + 30 * report, "进展", (), hours, "l", START)
            step(_reporting(progress))
        step(lambda c, t: c.disburse(Disbursement(f"d{number}b", budget[0], local_date(t), "场地", "s", t)))
    if ending == "done":
        step(lambda c, t: c.complete(actor="l", at=t))
        if rng.random() < 0.6:
            step(lambda c, t: c.evaluate(Rubric(5, rng.randrange(1, 6), 4, 3, rng.randrange(1, 6)), "好", actor="s", at=t))
    if (ending != "done" and rng.random() < 0.4 and ending != "approved") or (ending == "approved" and rng.random() < 0.5):
        step(lambda c, t: c.terminate("违规", actor="s", at=t))
    return changes


def _reporting(progress: ProgressReport) -> Callable[[Claim, datetime], tuple[Claim, list[Event]]]:
    return lambda claim, at: claim.report_progress(replace(progress, at=at))


def _generated(count: int = 160) -> list[list[Change]]:
    rng = random.Random(15)
    return [_life(rng, number) for number in range(count)]


async def _store(store: ClaimsStore, life: list[Change], delivered: set[str] | None = None, *, first_only: bool = False) -> None:
    """Store one claim's changes as the handlers do: one insert, then one conditional save per change; with
    ``delivered``, each change's events are delivered right after it (or only the first change's)."""
    claim, events = life[0]
    await store.insert_claim(claim, events)
    if delivered is not None:
        await _deliver_new(store, claim.id, delivered)
    for changed, events in life[1:]:
        await store.save_claim(changed, events)
        if delivered is not None and not first_only:
            await _deliver_new(store, claim.id, delivered)


async def _deliver_new(store: ClaimsStore, claim_id: str, delivered: set[str]) -> None:
    """Deliver the events in the claim's outbox not delivered yet, as the consumer would."""
    document = await store.claims.find_one({"_id": claim_id})
    assert document is not None
    fresh = [event for event in map(Event.from_document, document["outbox"]) if event.id not in delivered]
    delivered.update(event.id for event in fresh)
    await _deliver(store, fresh)


async def _outbox(store: ClaimsStore) -> list[Event]:
    """Every event the changes wrote (as stored, with the claim's version), oldest first per claim."""
    return [Event.from_document(entry) for document in await store.claims.find({}, sort=[("_id", 1)]) for entry in document["outbox"]]


async def _deliver(store: ClaimsStore, events: list[Event]) -> None:
    for event in events:
        await store.tallies.on_event(event)


def _final(lives: list[list[Change]]) -> list[Claim]:
    return [life[-1][0] for life in lives]


def _recount(claims: list[Claim], communities: tuple[str, ...], period: PeriodInput, categories: dict[str, str]) -> ClaimFigures:
    start, end = bounds(period)
    return figures_in_period([c for c in claims if c.community_id in communities], len(communities), start, end, categories)


def _comparable(figures: ClaimFigures) -> dict[str, Any]:
    found = dict(vars(figures))
    found["volunteer_hours"] = pytest.approx(figures.volunteer_hours)
    found["score_total"] = pytest.approx(figures.score_total)
    return found


async def _assert_equal_a_recount(store: ClaimsStore, claims: list[Claim], categories: dict[str, str]) -> None:
    for communities in (COMMUNITIES, ("c2",), ("c1", "c3")):
        for period in PERIODS:
            counted = await store.figures_of_communities(communities, period.from_, period.to)
            assert _comparable(counted) == _comparable(_recount(claims, communities, period, categories)), (communities, period)


async def test_counters_fed_by_the_events_equal_a_full_recount_for_any_period_and_communities(store: ClaimsStore) -> None:
    categories = await _publish_items(store)
    lives = _generated()
    delivered: set[str] = set()
    for life in lives:
        await _store(store, life, delivered)  # each change's events delivered right after it: the counters move by each
    claims = _final(lives)
    assert {ClaimStatus.SUBMITTED, ClaimStatus.REJECTED, ClaimStatus.TERMINATED, ClaimStatus.EVALUATED} <= {c.status for c in claims}
    await _assert_equal_a_recount(store, claims, categories)
    every = await store.figures_of_communities(COMMUNITIES)
    assert sum(every.by_status.values()) == len(lives)
    assert every.approved_category_fen
    assert every.disbursed_category_fen
    assert every.evaluated
    assert every.volunteer_hours
    assert sum(every.disbursed_category_fen.values()) == sum(every.disbursed_fen.values())
    assert await store.figures_of_communities(COMMUNITIES, date(2024, 1, 1), date(2024, 12, 31)) == ClaimFigures(communities=4)


async def test_events_delivered_twice_and_out_of_order_give_the_same_figures(store: ClaimsStore) -> None:
    categories = await _publish_items(store)
    lives = _generated()
    delivered: set[str] = set()
    for life in lives:
        await _store(store, life, delivered, first_only=True)  # the submissions delivered at once, the rest later
    events = await _outbox(store)
    late = [event for event in events if event.id not in delivered]
    random.Random(3).shuffle(late)
    await _deliver(store, [*late, *late[:200]])  # shuffled, and some redelivered
    await _assert_equal_a_recount(store, _final(lives), categories)
    before = await store.tallies.store.collection.find({}, sort=[("_id", 1)])
    await _deliver(store, events)  # every event delivered again
    assert await store.tallies.store.collection.find({}, sort=[("_id", 1)]) == before


async def test_a_rebuild_recounts_the_claims_and_loses_no_move_while_writes_go_on(store: ClaimsStore) -> None:
    categories = await _publish_items(store)
    lives = _generated()
    early, late = lives[: len(lives) // 2], lives[len(lives) // 2 :]
    delivered: set[str] = set()
    for life in early:
        await _store(store, life, delivered, first_only=True)
    await _deliver(store, [event for event in await _outbox(store) if event.id not in delivered])
    await store.tallies.store.collection.update_many({}, {"$inc": {"counts.status:submitted": 5}})  # the counters went wrong
    store.tallies.counters.page_size = 9  # many small pages, so the writes below fall between them
    during: list[bool] = []

    async def writes() -> None:
        for life in late:
            during.append((await store.tallies.store.generations()).building is not None)
            await _store(store, life, delivered)
            await asyncio.sleep(0)

    rebuilt, _ = await asyncio.gather(store.tallies.rebuild(), writes())
    assert rebuilt.switched
    assert sum(during) >= 5  # claims were stored and their events delivered while the rebuild ran
    assert rebuilt.records >= len(early)
    await _assert_equal_a_recount(store, _final(lives), categories)
    again = await store.tallies.rebuild()  # and a rebuild when nothing happens gives the same figures
    assert again.generation == rebuilt.generation + 1
    await _assert_equal_a_recount(store, _final(lives), categories)


async def test_claims_stored_before_the_counters_are_counted_once_at_the_first_start(plain_database: Database) -> None:
    database = plain_database
    store = ClaimsStore(database)
    categories = await _publish_items(store)
    lives = _generated(60)
    for life in lives:
        await store.insert_claim(replace(life[-1][0], version=0), [])  # as an older version stored them: no events
    await store.create_indexes()  # the first start builds the counters from the claims
    await ClaimsStore(database).create_indexes()  # a second start (or replica) counts nothing twice
    await _assert_equal_a_recount(store, _final(lives), categories)
