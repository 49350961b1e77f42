"""The public notice (公示) of a community: what may be shown to anyone, and its totals.

Pure rules. A public record carries no personal data by construction: items are named by
their title, claimants by their organization's registered name (a resident who claims as an
individual is shown as 居民个人认领, never by name), meetings by their decisions and minutes;
no phone, no member, no submitter, no account id is ever kept in this read model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.common.masking import mask_personal

__all__ = [
    "CLOSED_ITEM_STATES",
    "DEFAULT_PERIOD_DAYS",
    "MAX_PERIOD_DAYS",
    "FundTotals",
    "PublicAmount",
    "PublicClaim",
    "PublicDecision",
    "PublicDisbursement",
    "PublicItem",
    "PublicMeeting",
    "PublicNotice",
    "claimant_label",
    "fund_totals",
    "published_minutes",
    "still_public",
]

DEFAULT_PERIOD_DAYS = 365
"""How long a closed record stays public when the district has set nothing (a year)."""

MAX_PERIOD_DAYS = 3_650
"""The longest disclosure period a district may set (ten years)."""

CLOSED_ITEM_STATES = frozenset({"evaluated", "cancelled"})
"""Item states after which the disclosure period starts counting."""

RESIDENT_CLAIMANT = "居民个人认领"
"""How a resident claiming as an individual is shown: never by name."""


def still_public(closed_at: datetime | None, *, now: datetime, period_days: int) -> bool:
    """Open records are always public; a closed one for ``period_days`` after it closed."""
    return closed_at is None or closed_at + timedelta(days=period_days) >= now


def claimant_label(claimant_kind: str, organization_name: str | None) -> str:
    """The public name of a claimant: its organization's name, or 居民个人认领 for a resident."""
    if claimant_kind == "resident" or not organization_name:
        return RESIDENT_CLAIMANT
    return organization_name


@dataclass(frozen=True, slots=True)
class PublicAmount:
    """An amount from one fund source (fen)."""

    fund_source: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class PublicDisbursement:
    """One payment out of a fund to a claimant."""

    on: str
    fund_source: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class PublicClaim:
    """An approved claim: who does the work, with what money, and how it was judged."""

    id: str
    item_id: str
    claimant: str
    claimant_kind: str
    status: str
    approved_at: datetime
    approved_budget: tuple[PublicAmount, ...]
    disbursements: tuple[PublicDisbursement, ...]
    volunteer_hours: float
    score: float | None
    grade: str | None

    @property
    def approved_fen(self) -> int:
        """The approved budget, all sources."""
        return sum(line.amount_fen for line in self.approved_budget)

    @property
    def disbursed_fen(self) -> int:
        """Paid out so far, all sources."""
        return sum(line.amount_fen for line in self.disbursements)


@dataclass(frozen=True, slots=True)
class PublicItem:
    """A published service item with its budget and its approved claims."""

    id: str
    community_id: str
    title: str
    kind: str
    category: str
    status: str
    published_at: datetime
    closed_at: datetime | None
    budget: tuple[PublicAmount, ...]
    claims: tuple[PublicClaim, ...] = ()

    @property
    def budget_fen(self) -> int:
        """The item's budget, all sources."""
        return sum(line.amount_fen for line in self.budget)


@dataclass(frozen=True, slots=True)
class PublicDecision:
    """One decision of an intention meeting."""

    item_id: str
    item_title: str
    claim_id: str
    claimant: str
    outcome: str


@dataclass(frozen=True, slots=True)
class PublicMeeting:
    """A concluded intention meeting (认领意向会): when, its decisions, its minutes as published and as written."""

    id: str
    scheduled_at: datetime
    concluded_at: datetime
    minutes: str
    decisions: tuple[PublicDecision, ...]
    minutes_as_written: str = ""


def published_minutes(minutes: str, public_minutes: str = "") -> str:
    """What the 公示 shows of a meeting's minutes: the public version staff wrote, else the minutes; personal numbers masked either way."""
    return mask_personal(public_minutes.strip() or minutes)


@dataclass(frozen=True, slots=True)
class FundTotals:
    """Budgeted, approved and disbursed money of one fund source (fen)."""

    fund_source: str
    budgeted_fen: int = 0
    approved_fen: int = 0
    disbursed_fen: int = 0


@dataclass(frozen=True, slots=True)
class PublicNotice:
    """Everything a community discloses now, with totals per fund source."""

    community_id: str
    community_name: str
    street_id: str | None
    district_id: str | None
    period_days: int
    generated_at: datetime
    items: tuple[PublicItem, ...]
    meetings: tuple[PublicMeeting, ...]
    totals: tuple[FundTotals, ...] = field(default=())


def fund_totals(items: Iterable[PublicItem]) -> tuple[FundTotals, ...]:
    """Totals per fund source over items and their approved claims, in a stable order."""
    sums: dict[str, list[int]] = {}
    for item in items:
        _add(sums, item.budget, 0)
        for claim in item.claims:
            _add(sums, claim.approved_budget, 1)
            _add(sums, [PublicAmount(d.fund_source, d.amount_fen) for d in claim.disbursements], 2)
    return tuple(FundTotals(source, *values) for source, values in sorted(sums.items()))


def _add(sums: dict[str, list[int]], lines: Sequence[PublicAmount], index: int) -> None:
    for line in lines:
        sums.setdefault(line.fund_source, [0, 0, 0])[index] += line.amount_fen
