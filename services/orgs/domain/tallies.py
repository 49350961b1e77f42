"""Organization statistics from counters (pure): what one organization adds, and figures summed from counters.

An organization adds +1 on the day it was founded and -1 on the day it was dissolved, to
``total``, ``kind:<kind>`` and ``purpose:<purpose>``. Counters are kept per community as the
net change over all time (``all``: those alive now, since no founding or dissolution day lies
ahead), per year (``net``) and per day within each year (``days_<year>``), so the organizations alive
today are ``all``, those alive on a past day are the years before it plus that year's days up
to it, and those alive at the end of each year are prefix sums of ``net`` — work that grows with
the counters of the communities counted, never with reading the organizations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.orgs.domain.statistics import OrganizationCount, OrganizationFacts
from services.orgs.domain.vocabulary import OrganizationKind, Purpose

__all__ = ["Move", "TallyRow", "count_from_tallies", "count_now", "counts_per_year_from_tallies", "move_between", "tally_of"]

Move = dict[tuple[str, str], dict[str, int]]
"""(year ``YYYY``, day ``MM-DD``) → counter name → change."""


@dataclass(frozen=True, slots=True)
class TallyRow:
    """One community's counters (those read): net change over all time, per year, and per day within each year."""

    all: Mapping[str, int]
    net: Mapping[str, Mapping[str, int]]
    days: Mapping[str, Mapping[str, Mapping[str, int]]]

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> TallyRow:
        """From the stored ``all`` and ``net`` maps and ``days_<year>`` maps (those not read empty)."""
        days = {key.removeprefix("days_"): dict(value) for key, value in document.items() if key.startswith("days_")}
        return cls(dict(document.get("all", {})), dict(document.get("net", {})), days)


def _key(day: date) -> tuple[str, str]:
    return f"{day.year:04d}", f"{day.month:02d}-{day.day:02d}"


def tally_of(facts: OrganizationFacts | None) -> Move:
    """What one organization adds: +1 on its founding day, -1 on its dissolution day (nothing for None)."""
    if facts is None:
        return {}
    names = ("total", f"kind:{facts.kind.value}", f"purpose:{facts.purpose.value}")
    result: Move = {}
    for day, amount in ((facts.founded_on, 1), (facts.dissolved_on, -1)):
        if day is None:
            continue
        bucket = result.setdefault(_key(day), {})
        for name in names:
            bucket[name] = bucket.get(name, 0) + amount
    return {key: {n: a for n, a in bucket.items() if a} for key, bucket in result.items() if any(bucket.values())}


def move_between(before: OrganizationFacts | None, after: OrganizationFacts | None) -> Move:
    """``after``'s contribution minus ``before``'s, zero changes left out."""
    old, new = tally_of(before), tally_of(after)
    result: Move = {}
    for key in set(old) | set(new):
        was, now = old.get(key, {}), new.get(key, {})
        changes = {name: now.get(name, 0) - was.get(name, 0) for name in set(was) | set(now)}
        changes = {name: amount for name, amount in changes.items() if amount}
        if changes:
            result[key] = changes
    return result


def _as_count(day: date, sums: Mapping[str, int]) -> OrganizationCount:
    by_kind = {kind: sums[f"kind:{kind.value}"] for kind in OrganizationKind if sums.get(f"kind:{kind.value}", 0)}
    by_purpose = {p: sums[f"purpose:{p.value}"] for p in Purpose if sums.get(f"purpose:{p.value}", 0)}
    return OrganizationCount(as_of=day, total=int(sums.get("total", 0)), by_kind=by_kind, by_purpose=by_purpose)


def _add(sums: dict[str, int], counters: Mapping[str, int]) -> None:
    for name, amount in counters.items():
        sums[name] = sums.get(name, 0) + int(amount)


def count_now(rows: Iterable[TallyRow], day: date) -> OrganizationCount:
    """Organizations alive on ``day``, today or later (no recorded day lies ahead of today): every change ever."""
    sums: dict[str, int] = {}
    for row in rows:
        _add(sums, row.all)
    return _as_count(day, sums)


def count_from_tallies(rows: Iterable[TallyRow], day: date) -> OrganizationCount:
    """Organizations alive on ``day``: every year before it, plus its year's days up to it."""
    year, through = _key(day)
    sums: dict[str, int] = {}
    for row in rows:
        for row_year, counters in row.net.items():
            if row_year < year:
                _add(sums, counters)
        for row_day, counters in row.days.get(year, {}).items():
            if row_day <= through:
                _add(sums, counters)
    return _as_count(day, sums)


def counts_per_year_from_tallies(rows: Iterable[TallyRow], first_year: int, last_year: int) -> list[OrganizationCount]:
    """Organizations alive at the end of each year from ``first_year`` to ``last_year``."""
    nets: dict[str, dict[str, int]] = {}
    for row in rows:
        for row_year, counters in row.net.items():
            _add(nets.setdefault(row_year, {}), counters)
    sums: dict[str, int] = {}
    for row_year in sorted(year for year in nets if year < f"{first_year:04d}"):
        _add(sums, nets[row_year])
    result = []
    for year in range(first_year, last_year + 1):
        _add(sums, nets.get(f"{year:04d}", {}))
        result.append(_as_count(date(year, 12, 31), dict(sums)))
    return result
