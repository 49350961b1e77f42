"""Period reports: the facts each domain event contributes, and the tables they add up to.

Pure code. Every consumed event becomes zero or more :class:`Fact` rows dated by the
district's calendar day (China Standard Time); a report over any date range adds the facts of
its days into small tables (buckets), so memory grows with the number of buckets, never with
the number of records. Disbursements are dated by the day the money was paid (``on``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.common.domain import Invalid, local_date
from services.common.events import Event

__all__ = ["AGGREGATE_TABLES", "LEDGER", "TABLE_COLUMNS", "Fact", "Period", "ReportTables", "facts_of"]

LEDGER = "disbursements"
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "needs": ("category", "raised", "resolved"),
    "items": ("state", "items"),
    "claims": ("state", "claims"),
    "volunteer_hours": ("category", "hours"),
    "funds": ("fund_source", "category", "budgeted_fen", "approved_fen", "disbursed_fen"),
    "organizations": ("year_founded", "stage", "organizations"),
    LEDGER: ("date", "community_id", "item_id", "item_title", "claimant", "fund_source", "amount_fen"),
}
"""The tables of a report, in order, with their columns (one sheet each in Excel)."""

AGGREGATE_TABLES = ("needs", "items", "claims", "volunteer_hours", "funds")
"""Tables added up from facts (organizations come from the organizations read model, the ledger row by row)."""

_FUND_MEASURES = {"budgeted": 2, "approved": 3, "disbursed": 4}
_NEED_MEASURES = {"raised": 1, "resolved": 2}
MAX_PERIOD_DAYS = 366 * 20


@dataclass(frozen=True, slots=True)
class Period:
    """A date range, both days included."""

    starts_on: date
    ends_on: date

    @classmethod
    def parse(cls, starts_on: str, ends_on: str) -> Period:
        """From ISO dates; a backwards or absurdly long range is refused."""
        try:
            start, end = date.fromisoformat(starts_on), date.fromisoformat(ends_on)
        except ValueError as error:
            raise Invalid("dates are YYYY-MM-DD", field="from") from error
        if end < start:
            raise Invalid("the period ends before it starts", field="to")
        if (end - start).days > MAX_PERIOD_DAYS:
            raise Invalid("a period is at most twenty years", field="to")
        return cls(start, end)

    @property
    def label(self) -> str:
        """``2026-01-01..2026-03-31``."""
        return f"{self.starts_on.isoformat()}..{self.ends_on.isoformat()}"


@dataclass(frozen=True, slots=True)
class Fact:
    """One contribution of one event to one table."""

    table: str
    key: tuple[str, ...]
    value: float
    day: str
    row: Mapping[str, Any] = field(default_factory=dict)


def facts_of(
    event: Event, *, item_category: str | None, item_title: str | None, claimant: str | None, claim_status: str | None = None
) -> list[Fact]:
    """What ``event`` adds to reports.

    ``item_*`` describe a claim's item, ``claimant`` its public name, ``claim_status`` the
    status the claim had before this event: a claims event whose status differs from it is a
    change of state (the claims service announces some, such as the start of training, only
    through the status every one of its events carries).
    """
    data, key = event.data, event.routing_key
    day = local_date(event.time).isoformat()
    category = _upper(data.get("category") or item_category)
    if key == "needs.need.submitted.v1":
        return [Fact("needs", (category, "raised"), 1, day)]
    if key.startswith("needs.need.") and data.get("status") == "resolved":
        return [Fact("needs", (category, "resolved"), 1, day)]
    if (
        key.startswith("needs.item.")
        and isinstance(data.get("status"), str)
        and ("previous_status" in data or key == "needs.item.drafted.v1")
    ):
        facts = [Fact("items", (_upper(data["status"]),), 1, day)]
        if key == "needs.item.published.v1":
            facts += [
                Fact("funds", (_upper(line["fund_source"]), category, "budgeted"), _fen(line), day) for line in _lines(data.get("budget"))
            ]
        return facts
    if not key.startswith("claims.") or "claim_id" not in data:
        return []
    facts = []
    if isinstance(data.get("status"), str) and data["status"] != claim_status:
        facts.append(Fact("claims", (_upper(data["status"]),), 1, day))
    if key == "claims.claim.approved.v1":
        facts += [
            Fact("funds", (_upper(line["fund_source"]), category, "approved"), _fen(line), day) for line in _lines(data.get("budget"))
        ]
    if key == "claims.project.progress_reported.v1":
        facts.append(Fact("volunteer_hours", (category,), float(data.get("volunteer_hours") or 0), day))
    if key == "claims.project.funds_disbursed.v1":
        paid_on = str(data.get("on") or day)
        source = _upper(data.get("fund_source"))
        amount = int(data.get("amount_fen") or 0)
        facts.append(Fact("funds", (source, category, "disbursed"), amount, paid_on))
        row = {
            "date": paid_on,
            "community_id": event.community,
            "item_id": str(data.get("item_id", "")),
            "item_title": item_title or "",
            "claimant": claimant or "",
            "fund_source": source,
            "amount_fen": amount,
        }
        facts.append(Fact(LEDGER, (str(data.get("disbursement_id", "")),), amount, paid_on, row))
    return facts


class ReportTables:
    """The aggregate tables of one report, filled fact by fact."""

    def __init__(self) -> None:
        self._buckets: dict[str, dict[tuple[str, ...], float]] = {table: {} for table in AGGREGATE_TABLES}

    def add(self, table: str, key: Iterable[str], value: float) -> None:
        """Add one fact."""
        bucket = self._buckets[table]
        key = tuple(key)
        bucket[key] = bucket.get(key, 0) + value

    def rows(self, table: str) -> Iterator[tuple[Any, ...]]:
        """The table's rows, sorted by their key columns."""
        bucket = self._buckets[table]
        if table == "needs":
            yield from _pivot(bucket, 1, _NEED_MEASURES, len(TABLE_COLUMNS["needs"]))
        elif table == "funds":
            yield from _pivot(bucket, 2, _FUND_MEASURES, len(TABLE_COLUMNS["funds"]))
        else:
            for key in sorted(bucket):
                value = bucket[key]
                yield (*key, _number(value) if table == "volunteer_hours" else int(value))


def _pivot(bucket: Mapping[tuple[str, ...], float], width: int, measures: Mapping[str, int], columns: int) -> Iterator[tuple[Any, ...]]:
    pivoted: dict[tuple[str, ...], list[Any]] = {}
    for key, value in bucket.items():
        row = pivoted.setdefault(key[:width], [*key[:width], *([0] * (columns - width))])
        row[measures[key[width]]] += int(value)
    for key in sorted(pivoted):
        yield tuple(pivoted[key])


def _number(value: float) -> float | int:
    rounded = round(value, 2)
    return int(rounded) if rounded.is_integer() else rounded


def _upper(value: object) -> str:
    return str(value).upper() if isinstance(value, str) and value else "UNKNOWN"


def _lines(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [line for line in value if isinstance(line, Mapping) and isinstance(line.get("fund_source"), str)]


def _fen(line: Mapping[str, Any]) -> int:
    amount = line.get("amount_fen")
    return amount if isinstance(amount, int) and not isinstance(amount, bool) else 0
