"""Claims statistics per community, and added up for streets and districts (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.claims.domain.claim import Claim
from services.claims.domain.vocabulary import ClaimStatus
from services.common.domain import local_date

__all__ = ["WITH_OUTCOMES", "ClaimFigures", "combined", "figures_from", "figures_in_period", "figures_of"]

APPROVED_OR_LATER = frozenset(
    {ClaimStatus.APPROVED, ClaimStatus.TRAINING, ClaimStatus.IMPLEMENTING, ClaimStatus.COMPLETED, ClaimStatus.EVALUATED}
)
WITH_OUTCOMES = APPROVED_OR_LATER | {ClaimStatus.TERMINATED}
"""Only claims in these statuses can carry approved budget, disbursements, hours or a score."""


@dataclass
class ClaimFigures:
    """What a district dashboard shows of claims."""

    communities: int = 0
    by_status: dict[ClaimStatus, int] = field(default_factory=dict)
    projects_completed: int = 0
    approved_fen: dict[str, int] = field(default_factory=dict)
    disbursed_fen: dict[str, int] = field(default_factory=dict)
    approved_category_fen: dict[str, int] = field(default_factory=dict)
    disbursed_category_fen: dict[str, int] = field(default_factory=dict)
    volunteer_hours: float = 0.0
    score_total: float = 0.0
    evaluated: int = 0

    @property
    def average_score(self) -> float | None:
        """Mean overall evaluation (1–5) over evaluated projects."""
        return round(self.score_total / self.evaluated, 2) if self.evaluated else None

    def add(self, claim: Claim, category: str = "other") -> None:
        """Count one claim (of an item of ``category``) in."""
        self.by_status[claim.status] = self.by_status.get(claim.status, 0) + 1
        self.add_outcomes(claim, category)

    def add_outcomes(self, claim: Claim, category: str = "other") -> None:
        """Add what the claim achieved (money, hours, score) without counting it by status."""
        if claim.status in (ClaimStatus.COMPLETED, ClaimStatus.EVALUATED):
            self.projects_completed += 1
        if claim.status in APPROVED_OR_LATER or (claim.status is ClaimStatus.TERMINATED and claim.disbursements):
            for line in claim.proposal.budget:
                self.approved_fen[line.fund_source.value] = self.approved_fen.get(line.fund_source.value, 0) + line.amount_fen
                _add(self.approved_category_fen, category, line.amount_fen)
        for disbursement in claim.disbursements:
            source = disbursement.line.fund_source.value
            self.disbursed_fen[source] = self.disbursed_fen.get(source, 0) + disbursement.line.amount_fen
            _add(self.disbursed_category_fen, category, disbursement.line.amount_fen)
        self.volunteer_hours += claim.volunteer_hours
        if claim.overall_score is not None:
            self.score_total += claim.overall_score
            self.evaluated += 1


def figures_in_period(
    claims: Iterable[Claim],
    communities: int,
    start: datetime | None,
    end: datetime | None,
    categories: Mapping[str, str] | None = None,
) -> ClaimFigures:
    """Figures of what happened in ``[start, end)``: claims submitted, budgets approved, funds paid out
    (by the day of the disbursement), hours reported, projects completed and evaluated in it.

    A full recount over claims (``categories``: item id → category); the service answers from the
    counters of :mod:`services.claims.domain.tallies`, which always equal this."""

    def within(at: datetime) -> bool:
        return (start is None or at >= start) and (end is None or at < end)

    first_day = local_date(start) if start else None
    last_day = local_date(end) if end else None
    figures = ClaimFigures(communities=communities)
    for claim in claims:
        if within(claim.submitted_at):
            figures.by_status[claim.status] = figures.by_status.get(claim.status, 0) + 1
        moves = {step.action: step.at for step in claim.history}
        if "complete" in moves and within(moves["complete"]):
            figures.projects_completed += 1
        category = (categories or {}).get(claim.item_id, "other")
        if "approve" in moves and within(moves["approve"]):
            for line in claim.proposal.budget:
                _add(figures.approved_fen, line.fund_source.value, line.amount_fen)
                _add(figures.approved_category_fen, category, line.amount_fen)
        for disbursement in claim.disbursements:
            if (first_day is None or disbursement.on >= first_day) and (last_day is None or disbursement.on < last_day):
                _add(figures.disbursed_fen, disbursement.line.fund_source.value, disbursement.line.amount_fen)
                _add(figures.disbursed_category_fen, category, disbursement.line.amount_fen)
        figures.volunteer_hours += sum(report.volunteer_hours for report in claim.progress_reports if within(report.at))
        if claim.evaluation is not None and claim.overall_score is not None and within(claim.evaluation.at):
            figures.score_total += claim.overall_score
            figures.evaluated += 1
    return figures


def figures_of(claims: Iterable[Claim], communities: int, categories: Mapping[str, str] | None = None) -> ClaimFigures:
    """Figures over ``claims`` of ``communities`` communities (``categories``: item id → category)."""
    figures = ClaimFigures(communities=communities)
    for claim in claims:
        figures.add(claim, (categories or {}).get(claim.item_id, "other"))
    return figures


def figures_from(counts: Mapping[ClaimStatus, int], with_outcomes: Iterable[Claim], communities: int) -> ClaimFigures:
    """Figures from claims counted by status plus the claims in :data:`WITH_OUTCOMES` (the same as :func:`figures_of`)."""
    figures = ClaimFigures(communities=communities, by_status={status: count for status, count in counts.items() if count})
    for claim in with_outcomes:
        figures.add_outcomes(claim)
    return figures


def combined(parts: Iterable[ClaimFigures]) -> ClaimFigures:
    """Figures of several communities added up (a street's or a district's)."""
    total = ClaimFigures()
    for part in parts:
        total.communities += part.communities
        for status, count in part.by_status.items():
            total.by_status[status] = total.by_status.get(status, 0) + count
        total.projects_completed += part.projects_completed
        for source, amount in part.approved_fen.items():
            total.approved_fen[source] = total.approved_fen.get(source, 0) + amount
        for source, amount in part.disbursed_fen.items():
            total.disbursed_fen[source] = total.disbursed_fen.get(source, 0) + amount
        for category, amount in part.approved_category_fen.items():
            _add(total.approved_category_fen, category, amount)
        for category, amount in part.disbursed_category_fen.items():
            _add(total.disbursed_category_fen, category, amount)
        total.volunteer_hours += part.volunteer_hours
        total.score_total += part.score_total
        total.evaluated += part.evaluated
    return total


def _add(amounts: dict[str, int], key: str, amount: int) -> None:
    amounts[key] = amounts.get(key, 0) + amount
