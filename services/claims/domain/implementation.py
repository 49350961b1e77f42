"""What happens after approval: training (培训), supervision (督导), progress, disbursements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.claims.domain.budget import BudgetLine

__all__ = ["Disbursement", "ProgressReport", "SupervisionVisit", "TrainingSession"]


@dataclass(frozen=True, slots=True)
class TrainingSession:
    """A training session for the claimant's team."""

    id: str
    on: date
    topic: str
    trainer: str
    attendees: tuple[str, ...]
    recorded_by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SupervisionVisit:
    """A supervision visit (督导): findings, and a rectification with its deadline if required."""

    id: str
    on: date
    supervisor: str
    findings: str
    rectification_required: bool
    rectification_deadline: date | None
    rectified_on: date | None
    recorded_by: str
    at: datetime

    @property
    def open_rectification(self) -> bool:
        """A required rectification not yet done."""
        return self.rectification_required and self.rectified_on is None


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """The claimant's report: how far, what happened, photos, volunteer hours."""

    id: str
    percent: int
    narrative: str
    photo_urls: tuple[str, ...]
    volunteer_hours: float
    reported_by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Disbursement:
    """Funds drawn against the approved budget (拨付)."""

    id: str
    line: BudgetLine
    on: date
    purpose: str
    recorded_by: str
    at: datetime
