"""What happens after approval: training (培训), supervision (督导), progress, disbursements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlparse

from services.claims.domain.budget import BudgetLine
from services.common.domain import Invalid, local_date

__all__ = ["HOURS_PER_DAY", "Disbursement", "ProgressReport", "SupervisionVisit", "TrainingSession", "max_hours", "report_problems"]

HOURS_PER_DAY = 24


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
    receipt_required: bool = False
    receipt_id: str | None = None

    @property
    def receipt_pending(self) -> bool:
        """A receipt (发票) is required for this payment and none is attached yet."""
        return self.receipt_required and self.receipt_id is None


def max_hours(at: datetime, since: datetime | None, team_size: int) -> float:
    """Volunteer hours one report may carry: 24 h × the days since ``since`` (both counted) × the team."""
    days = (local_date(at) - local_date(since)).days + 1 if since else 1
    return float(HOURS_PER_DAY * max(days, 1) * max(team_size, 1))


def report_problems(
    report: ProgressReport, earlier: Sequence[ProgressReport], *, started_at: datetime | None, team_size: int
) -> Iterator[Invalid]:
    """Every rule a progress report breaks: percent forward only, hours a team could give, a narrative, web photos."""
    if not 0 <= report.percent <= 100:
        yield Invalid("percent is from 0 to 100", field="percent")
    elif earlier and report.percent < earlier[-1].percent:
        yield Invalid("progress does not go backwards", field="percent")
    limit = max_hours(report.at, earlier[-1].at if earlier else started_at, team_size)
    if not 0 <= report.volunteer_hours <= limit:
        yield Invalid(
            f"volunteer hours are from 0 to {limit:g}: 24 h a day since the last report for each of the team's {team_size}",
            field="volunteerHours",
        )
    narrative = report.narrative.strip()
    if not narrative:
        yield Invalid("narrative must not be empty", field="narrative")
    elif len(narrative) > 8_000:
        yield Invalid("narrative is longer than 8000 characters", field="narrative")
    for index, url in enumerate(report.photo_urls):
        if urlparse(url).scheme not in ("http", "https") or len(url) > 2_000:
            yield Invalid("photo URLs are http(s) addresses", field=f"photoUrls.{index}")
