"""Claim tallies: what one claim adds to the counters, and how each claims event moves them (pure).

The statistics read model keeps, per community and calendar day (China Standard Time, rolled up
into months and years), counters of claims by status (on the day they were submitted), budgets
approved and funds disbursed per fund source and per category, projects completed, volunteer
hours and evaluation scores (each on the day it happened). :func:`contributions` is what one claim
adds (a rebuild sums them); :func:`moves` is how one event moves the counters, from the facts it
carries (submission day, status and previous status — or ``training_started`` on the session
that started training —, budget lines, amounts, hours, the exact score), so the moves of a claim's events add up to its contributions and the counters always
equal a recount of the claims (:func:`figures_in_period`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from services.claims.domain.claim import Claim
from services.claims.domain.statistics import ClaimFigures
from services.claims.domain.vocabulary import ClaimStatus
from services.common.domain import local_date
from services.common.events import Event
from services.common.store.counters import Move, moved

__all__ = ["CATEGORY_MOVES", "Counters", "add_counters", "contributions", "delta", "moves"]

CATEGORY_MOVES = frozenset({"claims.claim.approved.v1", "claims.project.funds_disbursed.v1"})
"""Events whose move needs the item's category (the claims service's board holds it, fixed once published)."""

Counters = dict[date, dict[str, float]]
"""Counter name → amount, per day. Names: ``status:<status>``, ``approved:<source>``,
``approved_category:<category>``, ``disbursed:<source>``, ``disbursed_category:<category>``,
``completed``, ``hours``, ``score_total``, ``evaluated``."""


def contributions(claim: Claim, category: str) -> Counters:
    """What ``claim`` (of an item of ``category``) adds to the counters, per day."""
    counters: Counters = defaultdict(lambda: defaultdict(int))
    counters[local_date(claim.submitted_at)][f"status:{claim.status.value}"] += 1
    moves = {step.action: step.at for step in claim.history}
    if "complete" in moves:
        counters[local_date(moves["complete"])]["completed"] += 1
    if "approve" in moves:
        day = counters[local_date(moves["approve"])]
        for line in claim.proposal.budget:
            day[f"approved:{line.fund_source.value}"] += line.amount_fen
            day[f"approved_category:{category}"] += line.amount_fen
    for disbursement in claim.disbursements:
        day = counters[disbursement.on]
        day[f"disbursed:{disbursement.line.fund_source.value}"] += disbursement.line.amount_fen
        day[f"disbursed_category:{category}"] += disbursement.line.amount_fen
    for report in claim.progress_reports:
        counters[local_date(report.at)]["hours"] += report.volunteer_hours
    if claim.evaluation is not None and claim.overall_score is not None:
        day = counters[local_date(claim.evaluation.at)]
        day["score_total"] += claim.overall_score
        day["evaluated"] += 1
    return counters


def delta(before: Claim | None, after: Claim, category: str) -> dict[date, dict[str, float]]:
    """How the counters move when ``before`` (None: a new claim) becomes ``after``; zero moves left out.

    The category is the item's, the same before and after (an item's category is fixed once published)."""
    return moved(contributions(before, category) if before is not None else None, contributions(after, category))


def moves(event: Event, category: str = "other") -> Move:
    """How one of the claims service's own events moves the counters (empty if it moves none)."""
    data = event.data
    submitted_on = data.get("submitted_on")
    if not isinstance(submitted_on, str):
        return {}  # an event written before events carried the facts: a rebuild counts its claim
    counters: defaultdict[date, defaultdict[str, float]] = defaultdict(lambda: defaultdict(int))
    status, previous = str(data.get("status", "")), data.get("previous_status")
    if data.get("training_started") is True:
        previous = ClaimStatus.APPROVED.value  # the first training session started the training stage
    key, day = event.routing_key, local_date(event.time)
    if key == "claims.claim.submitted.v1":
        counters[date.fromisoformat(submitted_on)][f"status:{status}"] += 1
    elif previous is not None and previous != status:
        counters[date.fromisoformat(submitted_on)][f"status:{previous}"] -= 1
        counters[date.fromisoformat(submitted_on)][f"status:{status}"] += 1
    if key == "claims.claim.approved.v1":
        for line in _lines(data.get("budget")):
            counters[day][f"approved:{line['fund_source']}"] += int(line["amount_fen"])
            counters[day][f"approved_category:{category}"] += int(line["amount_fen"])
    elif key == "claims.project.funds_disbursed.v1":
        on = date.fromisoformat(str(data["on"]))
        counters[on][f"disbursed:{data['fund_source']}"] += int(data["amount_fen"])
        counters[on][f"disbursed_category:{category}"] += int(data["amount_fen"])
    elif key == "claims.project.progress_reported.v1":
        counters[day]["hours"] += float(data.get("volunteer_hours", 0))
    elif key == "claims.project.completed.v1":
        counters[day]["completed"] += 1
    elif key == "claims.project.evaluated.v1" and data.get("overall_score") is not None:
        counters[day]["score_total"] += float(data["overall_score"])
        counters[day]["evaluated"] += 1
    return {d: {name: amount for name, amount in row.items() if amount} for d, row in counters.items() if any(row.values())}


def _lines(value: Any) -> list[Mapping[str, Any]]:
    return [line for line in value if isinstance(line, Mapping)] if isinstance(value, list) else []


def add_counters(figures: ClaimFigures, counters: Iterable[Mapping[str, float]]) -> ClaimFigures:
    """Add counter documents (one community's day each) into ``figures``."""
    for row in counters:
        for name, amount in row.items():
            if not amount:
                continue  # a counter moved back to zero (a claim left that status)
            kind, _, key = name.partition(":")
            if kind == "status":
                figures.by_status[ClaimStatus(key)] = figures.by_status.get(ClaimStatus(key), 0) + int(amount)
            elif kind in ("approved", "disbursed", "approved_category", "disbursed_category"):
                bucket = getattr(figures, f"{kind}_fen")
                bucket[key] = bucket.get(key, 0) + int(amount)
            elif kind == "completed":
                figures.projects_completed += int(amount)
            elif kind == "hours":
                figures.volunteer_hours += amount
            elif kind == "score_total":
                figures.score_total += amount
            elif kind == "evaluated":
                figures.evaluated += int(amount)
    return figures
