"""Claim tallies: what one claim adds to the per-community, per-day counters (pure).

The statistics read model keeps, per community and calendar day (China Standard Time), counters
of claims by status (on the day they were submitted), budgets approved and funds disbursed per
fund source and per category, projects completed, volunteer hours and evaluation scores (each on
the day it happened). A claim's change moves the counters by :func:`delta` (what it adds now
minus what it added before), so the counters always equal a recount of the claims
(:func:`figures_in_period`) and a figure for any period is a sum over days, never over claims.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date

from services.claims.domain.claim import Claim
from services.claims.domain.statistics import ClaimFigures
from services.claims.domain.vocabulary import ClaimStatus
from services.common.domain import local_date
from services.common.store.counters import moved

__all__ = ["Counters", "add_counters", "contributions", "delta"]

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
