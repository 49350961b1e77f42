"""An organization's track record, kept from the claims service's events (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

__all__ = ["TrackRecord"]


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """Items claimed, projects completed, evaluations, volunteer hours, funds received by source."""

    claimed_claim_ids: tuple[str, ...] = ()
    completed_claim_ids: tuple[str, ...] = ()
    scores: Mapping[str, float] = field(default_factory=dict)
    volunteer_hours: float = 0.0
    funds_fen: Mapping[str, int] = field(default_factory=dict)

    @property
    def items_claimed(self) -> int:
        """Approved claims."""
        return len(self.claimed_claim_ids)

    @property
    def projects_completed(self) -> int:
        """Completed projects."""
        return len(self.completed_claim_ids)

    @property
    def average_score(self) -> float | None:
        """Mean summary-evaluation score (0–100) over evaluated projects, None before the first."""
        return sum(self.scores.values()) / len(self.scores) if self.scores else None

    @property
    def funds_total_fen(self) -> int:
        """All funds received, in fen."""
        return sum(self.funds_fen.values())

    def claimed(self, claim_id: str) -> TrackRecord:
        """A claim of the organization was approved."""
        return self if claim_id in self.claimed_claim_ids else replace(self, claimed_claim_ids=(*self.claimed_claim_ids, claim_id))

    def completed(self, claim_id: str) -> TrackRecord:
        """A project of the organization was completed."""
        return self if claim_id in self.completed_claim_ids else replace(self, completed_claim_ids=(*self.completed_claim_ids, claim_id))

    def evaluated(self, claim_id: str, score: float) -> TrackRecord:
        """A project's summary evaluation (a later one for the same claim replaces the earlier)."""
        return replace(self, scores={**self.scores, claim_id: score})

    def volunteered(self, hours: float) -> TrackRecord:
        """Volunteer hours from a progress report (each report is handled once)."""
        return replace(self, volunteer_hours=self.volunteer_hours + hours)

    def funded(self, fund_source: str, amount_fen: int) -> TrackRecord:
        """A disbursement received (each disbursement is handled once)."""
        return replace(self, funds_fen={**self.funds_fen, fund_source: self.funds_fen.get(fund_source, 0) + amount_fen})
