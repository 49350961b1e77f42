"""Issue 15.8: claims statistics from per-community, per-day counters kept from each claim's changes.

The counters (the ``claim_tallies`` read model) must always equal a full recount of the claims
for any period and any set of communities, on memory:// and MongoDB alike, and a change seen
twice (a redelivered event, a retried command) must move nothing.
"""

from __future__ import annotations

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
from services.common.graphql.period import PeriodInput, bounds
from services.common.store import Database
from tests.stores import database

__all__ = ["database"]

COMMUNITIES = ("c1", "c2", "c3", "c4")
CATEGORIES = ("red_classroom", "blue_guard", "green_guardians", "other")
START = datetime(2025, 10, 1, tzinfo=UTC)
Change = tuple[Claim | None, Claim]


@pytest.fixture
async def store(database: Database) -> ClaimsStore:
    store = ClaimsStore(database)
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
    claim, _ = submit(
        claim_id=f"k{number}",
        item_id=_item(community_id, rng.randrange(len(CATEGORIES))),
        community_id=community_id,
        claimant=Claimant(ClaimantKind.SOCIAL_ORGANIZATION, f"leader{number}", f"o{number}", "夕阳天使"),
        proposal=Proposal("每月两次活动", team=("王", "李"), budget=budget),
        at=at,
    )
    changes: list[Change] = [(None, claim)]

    def later() -> datetime:
        nonlocal at
        at = at + timedelta(days=rng.randrange(40), hours=rng.randrange(1, 24))
        return at

    def step(move: Callable[[Claim, datetime], tuple[Claim, Any]]) -> None:
        before = changes[-1][1]
        after, _ = move(before, later())
        changes.append((before, replace(after, version=before.version + 1)))

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


def _reporting(progress: ProgressReport) -> Callable[[Claim, datetime], tuple[Claim, Any]]:
    return lambda claim, at: claim.report_progress(replace(progress, at=at))


def _generated() -> list[list[Change]]:
    rng = random.Random(15)
    return [_life(rng, number) for number in range(120)]


async def _tally(store: ClaimsStore, lives: list[list[Change]], *, twice: bool = False) -> None:
    for life in lives:
        for before, after in life:
            await store.tally(before, after)
            if twice:
                await store.tally(before, after)  # the same change again (a redelivered event, a retried command)


def _recount(lives: list[list[Change]], communities: tuple[str, ...], period: PeriodInput, categories: dict[str, str]) -> ClaimFigures:
    claims = [life[-1][1] for life in lives if life[-1][1].community_id in communities]
    start, end = bounds(period)
    return figures_in_period(claims, len(communities), start, end, categories)


def _comparable(figures: ClaimFigures) -> dict[str, Any]:
    found = dict(vars(figures))
    found["volunteer_hours"] = pytest.approx(figures.volunteer_hours)
    found["score_total"] = pytest.approx(figures.score_total)
    return found


PERIODS = [
    PeriodInput(),
    PeriodInput(from_=date(2026, 1, 1), to=date(2026, 12, 31)),
    PeriodInput(from_=date(2026, 3, 1), to=date(2026, 3, 31)),
    PeriodInput(from_=date(2025, 12, 24), to=date(2025, 12, 24)),
    PeriodInput(from_=date(2026, 6, 1)),
    PeriodInput(to=date(2025, 12, 31)),
    PeriodInput(from_=date(2024, 1, 1), to=date(2024, 12, 31)),
]


@pytest.mark.parametrize("communities", [COMMUNITIES, ("c2",), ("c1", "c3")])
async def test_the_counters_equal_a_full_recount_for_any_period_and_communities(store: ClaimsStore, communities: tuple[str, ...]) -> None:
    categories = await _publish_items(store)
    lives = _generated()
    await _tally(store, lives)
    statuses = {life[-1][1].status for life in lives}
    assert {ClaimStatus.SUBMITTED, ClaimStatus.REJECTED, ClaimStatus.TERMINATED, ClaimStatus.EVALUATED} <= statuses

    for period in PERIODS:
        counted = await store.figures_of_communities(communities, period.from_, period.to)
        assert _comparable(counted) == _comparable(_recount(lives, communities, period, categories)), period
    every = await store.figures_of_communities(communities)
    assert sum(every.by_status.values()) == len([life for life in lives if life[-1][1].community_id in communities])
    assert every.approved_category_fen
    assert every.disbursed_category_fen
    assert sum(every.disbursed_category_fen.values()) == sum(every.disbursed_fen.values())
    nothing = await store.figures_of_communities(communities, date(2024, 1, 1), date(2024, 12, 31))
    assert nothing == ClaimFigures(communities=len(communities))


async def test_a_change_seen_twice_moves_no_counter(store: ClaimsStore) -> None:
    categories = await _publish_items(store)
    lives = _generated()
    await _tally(store, lives, twice=True)
    once = await store.figures_of_communities(COMMUNITIES)
    assert _comparable(once) == _comparable(_recount(lives, COMMUNITIES, PeriodInput(), categories))
    before = await store.tallies.find({}, sort=[("_id", 1)])
    await _tally(store, lives)  # every change delivered a third time
    assert await store.tallies.find({}, sort=[("_id", 1)]) == before


async def test_claims_stored_before_the_counters_are_counted_once_at_start_up(store: ClaimsStore) -> None:
    categories = await _publish_items(store)
    lives = _generated()
    for life in lives:
        await store.insert_claim(life[-1][1], [])  # as an older version stored them: no counters
    assert await store.figures_of_communities(COMMUNITIES) == ClaimFigures(communities=len(COMMUNITIES))

    await store.create_indexes()  # start-up
    await store.create_indexes()  # and again
    counted = await store.figures_of_communities(COMMUNITIES, date(2026, 1, 1), date(2026, 12, 31))
    expected = _recount(lives, COMMUNITIES, PeriodInput(from_=date(2026, 1, 1), to=date(2026, 12, 31)), categories)
    assert _comparable(counted) == _comparable(expected)
